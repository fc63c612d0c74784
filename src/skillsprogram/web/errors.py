"""Errors on the portal's pages: a page in the person's language, never a problem document.

The API's problem handlers stay for ``/v1``; on any other path the same errors are shown as
a page that says what happened and where to go, with the status the API would answer.
The logging of unexpected errors is the API's (route template only, no message).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from skillsprogram.api.problems import ApiError, route_path, status_of
from skillsprogram.errors import DomainError
from skillsprogram.i18n import N_
from skillsprogram.web.forms import FormRefused
from skillsprogram.web.messages import DOMAIN_MESSAGES

Handler = Callable[[Request, Exception], Awaitable[Response]]

#: What a person is told for each status.
STATUS_MESSAGES = {
    400: N_("The page could not understand what was sent."),
    401: N_("Please sign in first."),
    403: N_("You may not open this page."),
    404: N_("This page does not exist."),
    405: N_("This page cannot be used this way."),
    409: N_("This is already being handled. Please wait a moment and reload the page."),
    413: N_("What you sent is too large."),
    422: N_("Some of what was sent is not valid."),
    429: N_("Too many attempts. Please wait a little and try again."),
    500: N_("Something went wrong on our side. Nothing was changed. Please try again later."),
}


def is_page(request: Request) -> bool:
    """Whether ``request`` is for the portal rather than the API."""
    return not route_path(request.scope).startswith("/v1/")


def _page(request: Request, status: int, message: str | None = None) -> Response:
    pages = request.app.state.pages
    text = message or STATUS_MESSAGES.get(status, STATUS_MESSAGES[500])
    return pages.render(request, "error.html", {"status": status, "message": text}, status_code=status)


def page_for(scope: Scope, status: int) -> Response:
    """The error page for ``status`` of a request refused before any route read it (a body
    too large, see :class:`~skillsprogram.api.limits.RequestLimits`)."""
    # Outside the session middleware (a government's own stack) the page has no session.
    return _page(Request(scope if "session" in scope else {**scope, "session": {}}), status)


def install(app: FastAPI) -> None:
    """Show errors on the portal's paths as pages; leave the API's problem answers as they are."""
    api_handlers: dict[type[Exception], Handler] = {
        kind: handler  # type: ignore[misc]
        for kind, handler in app.exception_handlers.items()
        if isinstance(kind, type)
    }
    unexpected = api_handlers.get(Exception)

    def for_pages(kind: type[Exception], show: Callable[[Request, Exception], Response]) -> None:
        api = api_handlers.get(kind)

        async def handler(request: Request, error: Exception) -> Response:
            if is_page(request) or api is None:
                return show(request, error)
            return await api(request, error)

        app.add_exception_handler(kind, handler)

    def refused_form(request: Request, error: Exception) -> Response:
        assert isinstance(error, FormRefused)
        return _page(request, error.status, error.message)

    def domain(request: Request, error: Exception) -> Response:
        assert isinstance(error, DomainError)
        return _page(request, status_of(error), DOMAIN_MESSAGES.get(error.code))

    def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        response = _page(request, error.status)
        for name, value in (error.headers or {}).items():
            if name.lower() == "retry-after":
                response.headers[name] = value
        return response

    def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        return _page(request, error.status_code)

    def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        # A page's address with an id that cannot be one names no page: not found.
        in_path = any(tuple(item.get("loc", ()))[:1] == ("path",) for item in error.errors())
        return _page(request, 404 if in_path else 400)

    for_pages(FormRefused, refused_form)
    for_pages(DomainError, domain)
    for_pages(ApiError, api_error)
    for_pages(StarletteHTTPException, http_error)
    for_pages(RequestValidationError, invalid)

    async def crashed(request: Request, error: Exception) -> Response:
        answer = await unexpected(request, error) if unexpected is not None else None
        if is_page(request) or answer is None:
            return _page(request, 500)
        return answer

    app.add_exception_handler(Exception, crashed)
