"""Pages anyone may open: the programme's home, the choice of language, signing out."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.deps import transaction
from skillsprogram.services import people
from skillsprogram.web.forms import SentForm
from skillsprogram.web.rendering import Pages
from skillsprogram.web.sessions import applicant, choose_locale, sign_out

router = APIRouter(include_in_schema=False)


def pages(request: Request) -> Pages:
    """The app's page renderer."""
    found: Pages = request.app.state.pages
    return found


def back_to(target: object, fallback: str = "/") -> str:
    """A path on this site to go back to (never another site's address)."""
    if not isinstance(target, str):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return fallback
    return parts.path + (f"?{parts.query}" if parts.query else "")


@router.get("/")
def home(request: Request) -> Response:
    """What the programme is, and the ways in: register, or sign in."""
    return pages(request).render(request, "home.html")


@router.post("/language")
def language(request: Request, form: SentForm) -> Response:
    """Keep the language chosen (one of the programme's) and go back to the page; a
    signed-in applicant's is kept with them too (their codes and messages come in it)."""
    wanted = form.get("locale")
    catalogues = pages(request).catalogues
    if isinstance(wanted, str) and wanted in catalogues.locales:
        choose_locale(request, wanted)
        principal = applicant(request)
        if principal is not None and principal.application_id is not None:
            with transaction(request.app.state.api, principal) as (uow, ctx):
                people.choose_locale(uow, ctx, principal.application_id, wanted)
    return RedirectResponse(back_to(form.get("next")), status_code=303)


@router.post("/sign-out")
def leave(request: Request, form: SentForm) -> Response:
    """End the session."""
    sign_out(request)
    return RedirectResponse("/", status_code=303)
