"""What every console page uses: the signed-in staff member, the scope a page needs, and
rendering a page inside the console's layout.

A page calls :func:`signed_in_staff` first: without a staff session it is sent to the
sign-in page; a staff member whose role lacks the page's scope gets the 403 page (a
``POST`` alike, so a button hidden from them cannot be pressed by hand either). Templates
ask ``can("waves:write")`` before showing a button, so nobody is offered what they may
not do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from skillsprogram.api.security import Principal, forbidden
from skillsprogram.web.forms import FieldErrors
from skillsprogram.web.sessions import staff

#: Where staff sign in.
SIGN_IN = "/console/sign-in"
#: The console's home.
HOME = "/console"


def signed_in_staff(request: Request, scope: str | None = None) -> Principal | RedirectResponse:
    """The signed-in staff member, or the way to the sign-in page; the 403 page (raised)
    when ``scope`` is given and their role does not hold it."""
    principal = staff(request)
    if principal is None:
        return RedirectResponse(f"{SIGN_IN}?next={quote(request.url.path)}", status_code=303)
    if scope is not None and scope not in principal.scopes:
        raise forbidden(f"this page needs the scope {scope}")
    return principal


def can(principal: Principal) -> Callable[[str], bool]:
    """The templates' question "may the signed-in staff member do what ``scope`` allows?"."""
    return lambda scope: scope in principal.scopes


def render_console(
    request: Request, principal: Principal, template: str, values: dict[str, Any], status: int = 200
) -> Response:
    """``template`` (which extends ``console/layout.html``) for ``principal``, with ``staff``,
    ``can``, empty ``errors`` and ``values`` unless given."""
    from skillsprogram.web.routes.public import pages

    shown = {"staff": principal, "can": can(principal), "errors": FieldErrors(), "values": {}, **values}
    return pages(request).render(request, template, shown, status_code=status)
