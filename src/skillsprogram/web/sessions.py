"""Who is signed in to the portal, in which language, and the session's form secret.

The session is a cookie signed with a key derived from the deployment secret (Starlette's
``SessionMiddleware``): HttpOnly, SameSite=Lax, Secure when the settings say the portal is
served over HTTPS. It holds no personal value: the application's id (an applicant's
session) or the API client's id (a platform's, provider's or staff member's, never its
key or secret), the chosen
language, the session's CSRF secret and, while a person signs in, the challenge their code
was asked under. A session is one person's: signing in as an applicant, a partner or a
staff member ends whichever sign-in it held before.
"""

from __future__ import annotations

import secrets
import uuid

from fastapi import Request

from skillsprogram.api.deps import active_organisation, active_staff, still_admitted
from skillsprogram.api.problems import ApiError
from skillsprogram.api.security import APPLICANT, Principal
from skillsprogram.domain.access import ClientRole
from skillsprogram.domain.types import uuid_or_none

#: The name of the portal's session cookie.
SESSION_COOKIE = "skillsprogram_session"
_APPLICATION = "application"
_PARTNER = "partner"
_STAFF = "staff"
#: The roles that sign in to the partner pages with their API key.
PARTNER_ROLES = (ClientRole.PLATFORM, ClientRole.PROVIDER)
_LOCALE = "locale"
_CSRF = "csrf"
_CHALLENGE = "challenge"


def csrf_token(request: Request) -> str:
    """The session's CSRF secret, made on first use; every form carries it back."""
    token = request.session.get(_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[_CSRF] = token
    return token


def locale_of(request: Request) -> str:
    """The language to answer in: the one chosen and kept in the session, else the first of
    the browser's ``Accept-Language`` that the programme offers, else the programme's own."""
    catalogues = request.app.state.pages.catalogues
    chosen = request.session.get(_LOCALE)
    browser = [part.split(";")[0].strip() for part in request.headers.get("accept-language", "").split(",")]
    return str(catalogues.choose([chosen if isinstance(chosen, str) else None, *browser]))


def choose_locale(request: Request, locale: str) -> None:
    """Keep ``locale`` (one of the programme's) as the session's language."""
    request.session[_LOCALE] = locale


def await_code(request: Request, challenge: uuid.UUID) -> None:
    """Remember the challenge a sign-in code was asked under, for the page the code is typed in."""
    request.session[_CHALLENGE] = str(challenge)


def awaited_code(request: Request) -> uuid.UUID | None:
    """The challenge this session asked a sign-in code under, if any."""
    return _id_in(request, _CHALLENGE)


def _id_in(request: Request, name: str) -> uuid.UUID | None:
    return uuid_or_none(request.session.get(name))


def _restart(request: Request, kept: tuple[str, ...]) -> None:
    values = {name: request.session[name] for name in kept if isinstance(request.session.get(name), str)}
    request.session.clear()
    request.session.update(values)


def sign_in(request: Request, application_id: uuid.UUID) -> None:
    """Start an applicant's session. The language and the CSRF secret are kept: the
    cookie is signed, so no one else can have planted that secret, and a form sent twice
    across signing in (the registration form, double-clicked) is still recognised."""
    _restart(request, (_LOCALE, _CSRF))
    request.session[_APPLICATION] = str(application_id)


def sign_out(request: Request) -> None:
    """End the session, keeping only the language (a new CSRF secret comes with the next
    page)."""
    _restart(request, (_LOCALE,))


def signed_in(request: Request) -> uuid.UUID | None:
    """The application whose applicant this session is signed in as, if any."""
    return _id_in(request, _APPLICATION)


def applicant(request: Request) -> Principal | None:
    """The signed-in applicant as the API's caller (ownership checks alike), or ``None``.

    Whether the application may still sign in is read on every request, as for a bearer
    token: a revoked applicant's session ends at once.
    """
    application_id = signed_in(request)
    if application_id is None:
        return None
    principal = Principal(
        role=APPLICANT,
        subject=f"application:{application_id}",
        scopes=frozenset({APPLICANT}),
        application_id=application_id,
    )
    try:
        still_admitted(request.app.state.api, principal)
    except ApiError:
        sign_out(request)
        return None
    return principal


def sign_in_partner(request: Request, client_id: uuid.UUID) -> None:
    """Start a platform's or provider's session as API client ``client_id`` (an
    applicant's sign-in in the same session ends; the language and CSRF secret are kept,
    as for :func:`sign_in`)."""
    _restart(request, (_LOCALE, _CSRF))
    request.session[_PARTNER] = str(client_id)


def partner_signed_in(request: Request) -> uuid.UUID | None:
    """The API client this session is signed in as, if any."""
    return _id_in(request, _PARTNER)


def partner(request: Request) -> Principal | None:
    """The signed-in platform or provider as the API's caller (an API key's holder), or
    ``None``.

    The client is read on every request: once its key is revoked, the session ends at once.
    """
    client_id = partner_signed_in(request)
    if client_id is None:
        return None
    principal = active_organisation(request.app.state.api, client_id, *PARTNER_ROLES)
    if principal is None:
        sign_out(request)
    return principal


def sign_in_staff(request: Request, client_id: uuid.UUID) -> None:
    """Start an officer's, auditor's, administrator's or minister's session as staff client
    ``client_id`` (any other sign-in in the session ends; the language and CSRF secret are
    kept, as for :func:`sign_in`)."""
    _restart(request, (_LOCALE, _CSRF))
    request.session[_STAFF] = str(client_id)


def staff(request: Request) -> Principal | None:
    """The signed-in staff member as the API's caller, with every scope of their role, or
    ``None``.

    The client is read on every request: once it is revoked, the session ends at once.
    """
    client_id = _id_in(request, _STAFF)
    if client_id is None:
        return None
    principal = active_staff(request.app.state.api, client_id)
    if principal is None:
        sign_out(request)
    return principal
