"""The signed-in applicant's own pages: where their application stands."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.deps import reading
from skillsprogram.api.security import Principal
from skillsprogram.services import journey
from skillsprogram.web.routes.public import pages
from skillsprogram.web.sessions import applicant

router = APIRouter(include_in_schema=False)

#: Where a person who is not signed in is sent.
SIGN_IN = "/sign-in"


def signed_in_applicant(request: Request) -> Principal | RedirectResponse:
    """The signed-in applicant, or the way to the sign-in page (coming back here after)."""
    principal = applicant(request)
    if principal is None:
        return RedirectResponse(f"{SIGN_IN}?next={request.url.path}", status_code=303)
    return principal


@router.get("/me")
def my_application(request: Request) -> Response:
    """The application's way so far, stage by stage, in plain words."""
    principal = signed_in_applicant(request)
    if isinstance(principal, Response):
        return principal
    assert principal.application_id is not None
    with reading(request.app.state.api, principal) as (uow, ctx):
        way = journey.journey(uow, ctx, principal.application_id)
    return pages(request).render(request, "applicant/journey.html", {"journey": way})
