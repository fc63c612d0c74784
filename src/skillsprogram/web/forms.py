"""Forms: the CSRF check, sending a form only once, and errors beside their fields.

Every form carries the session's CSRF secret (``csrf_token``) and a token of its own
(``form_token``). A form whose secret is missing or wrong is refused before anything
reads it. The form token is claimed in the API's replay store the first time the form
is sent: sent again (a double click, the browser's back button and "resend"), the
person is taken to the page the first sending led to and nothing happens twice.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.idempotency import IdempotencyStore
from skillsprogram.api.problems import ApiError
from skillsprogram.api.security import Principal
from skillsprogram.errors import DomainError
from skillsprogram.i18n import N_
from skillsprogram.money import parse_amount
from skillsprogram.web.messages import DOMAIN_MESSAGES, FIELD_MESSAGES, INVALID
from skillsprogram.web.rendering import translate
from skillsprogram.web.sessions import csrf_token


class FormRefused(Exception):
    """A form that cannot be read at all: no or a wrong CSRF secret, or a form sent again
    while its first sending is still being handled."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def checked_form(request: Request) -> FormData:
    """The form sent, once its CSRF secret matches the session's."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise FormRefused(
            403,
            N_(
                "This form has expired or did not come from this site. "
                "Please open the page again and send it once more."
            ),
        )
    return form


SentForm = Annotated[FormData, Depends(checked_form)]


@dataclass
class FieldErrors:
    """What is wrong with a form, by field name (``attributes.citizenship``), in words."""

    by_field: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.general)


def field_errors(request: Request, error: ValidationError | DomainError, prefix: str = "") -> FieldErrors:
    """``error`` as messages beside the fields it names, in the person's language."""
    found = FieldErrors()
    if isinstance(error, ValidationError):
        for item in error.errors():
            name = prefix + ".".join(str(part) for part in item.get("loc", ()))
            message = FIELD_MESSAGES.get(str(item.get("type")), INVALID)
            found.by_field.setdefault(name, translate(request, message))
        return found
    message = translate(request, DOMAIN_MESSAGES.get(error.code, INVALID))
    named = error.details.get("field")
    if isinstance(named, str):
        found.by_field[prefix + named] = message
    else:
        found.general.append(message)
    return found


#: The fields every form carries that are not the person's.
TOKENS = ("csrf_token", "form_token")


def kept(form: FormData, names: Sequence[str] = TOKENS) -> dict[str, str]:
    """The values a person typed, to show them again beside the errors (never a file, nor
    the form's tokens)."""
    return {key: value for key, value in form.items() if isinstance(value, str) and key not in names}


class Submission:
    """One sending of a form, claimed by its ``form_token`` in the replay store."""

    def __init__(self, request: Request, form: FormData) -> None:
        self.store: IdempotencyStore = request.app.state.idempotency
        self.scope = f"portal:{csrf_token(request)[:32]}"
        token = form.get("form_token")
        self.key = token if isinstance(token, str) and 8 <= len(token) <= 64 else None
        self.fingerprint = request.url.path

    def replayed(self) -> RedirectResponse | None:
        """``None`` for a first sending (now claimed); for a form sent again, the way back
        to where the first sending led."""
        if self.key is None:
            raise FormRefused(
                400, N_("This form is incomplete. Please open the page again and send it once more.")
            )
        verdict, record = self.store.claim(self.scope, self.key, self.fingerprint)
        if verdict == "new":
            return None
        if verdict == "running":
            raise FormRefused(
                409, N_("This form is already being handled. Please wait a moment and reload the page.")
            )
        if verdict == "mismatch" or record is None:
            raise FormRefused(
                400, N_("This form is incomplete. Please open the page again and send it once more.")
            )
        location = self.store.answer(record).decode() or "/"
        return RedirectResponse(location, status_code=303)

    def done(self, location: str) -> RedirectResponse:
        """The first sending succeeded: remember where it led, and go there."""
        self.remember(location)
        return RedirectResponse(location, status_code=303)

    def remember(self, location: str) -> None:
        """The first sending succeeded and its outcome is shown at once (a batch's
        per-item results): a resend is taken to ``location`` and changes nothing."""
        assert self.key is not None
        self.store.finish(self.scope, self.key, 303, "text/uri-list", location.encode())

    def failed(self) -> None:
        """The form is shown again with its errors: the same token may be sent corrected."""
        if self.key is not None:
            self.store.forget(self.scope, self.key)


def values_of(form: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The named fields of ``form`` that were filled in (an empty field is left out, so the
    model's default or its ``missing`` error applies)."""
    return {name: form[name] for name in names if isinstance(form.get(name), str) and form[name].strip()}


def minor_units(text: str, digits: int) -> int | str:
    """An amount typed in the currency's major unit (``4000``, ``4000.50``; ``,`` or ``_``
    between thousands are ignored) in its minor unit, or ``text`` unchanged when it is not
    such an amount with at most ``digits`` decimals (for the model to refuse beside its
    field); see :func:`skillsprogram.money.parse_amount`."""
    amount = parse_amount(text, digits)
    return text if amount is None else amount


def limited_sign_in(
    request: Request, form: FormData, check: Callable[[], Principal], refused: Callable[[], Response]
) -> tuple[Principal, Submission] | Response:
    """One sending of a sign-in form (the partners' key, the staff's id and secret):
    ``check()`` the credentials under the per-address limit of failed sign-ins
    (``partner_sign_in_limit`` per ``partner_sign_in_window_seconds``; past it every
    attempt is refused, 429, right or wrong). A 401 from ``check`` counts as a failure and
    shows ``refused()``; a form sent again leads where its first sending led."""
    submission = Submission(request, form)
    if (replayed := submission.replayed()) is not None:
        return replayed
    limiter = request.app.state.partner_sign_ins
    address = request.client.host if request.client else "unknown"
    try:
        limiter.check(address)
        principal = check()
    except ApiError as error:
        submission.failed()
        if error.status != 401:
            raise
        limiter.hit(address)
        return refused()
    except BaseException:
        submission.failed()
        raise
    return principal, submission
