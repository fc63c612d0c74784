"""Building the portal: its pages, templates, session cookie and security headers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from skillsprogram.api import problems
from skillsprogram.api.app import bare_app
from skillsprogram.api.limits import RateLimiter, RequestLimits
from skillsprogram.api.settings import ApiSettings
from skillsprogram.clock import Clock
from skillsprogram.context import ProgrammeContext
from skillsprogram.web import errors
from skillsprogram.web.headers import SecurityHeaders
from skillsprogram.web.rendering import Pages, build_environment
from skillsprogram.web.routes import ROUTERS, partner
from skillsprogram.web.sessions import SESSION_COOKIE

#: Where the portal's static files are served.
STATIC_PATH = "/static"


def install_portal(app: FastAPI) -> None:
    """Add the portal's pages to an app that serves the API (``create_app`` calls this).

    The pages share the app's programme context, tokens, limits and replay store
    (``app.state.api``, ``app.state.idempotency``).
    """
    state = app.state.api
    settings: ApiSettings = state.settings
    environment = build_environment(state.ctx, settings.portal_templates)
    app.state.pages = Pages(environment, state.ctx.texts)
    app.state.partner_sign_ins = RateLimiter(
        settings.partner_sign_in_limit,
        settings.partner_sign_in_window_seconds,
        settings.rate_limit_storage,
        namespace=f"skillsprogram/{state.ctx.programme_id or state.ctx.config.programme.code}/partners",
        what="failed sign-ins",
    )
    for router in ROUTERS:
        app.include_router(router)
    # A deployment's folder first: its logo and theme.css win over the core's.
    static = StaticFiles(directory=settings.portal_static, packages=[("skillsprogram.web", "static")])
    app.mount(STATIC_PATH, static, name="static")
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_key(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.portal_session_seconds,
        same_site="lax",
        https_only=settings.portal_secure_cookies,
    )


def create_portal(
    settings: ApiSettings | None = None,
    *,
    clock: Clock | None = None,
    context: ProgrammeContext | None = None,
) -> FastAPI:
    """The portal alone, without the API, for a government's own ASGI stack.

    Built like :func:`skillsprogram.api.create_app` (the programme ``settings.programme``
    on the configured database, or ``context``), with the same request limits and log
    redaction.
    """
    settings = settings or ApiSettings()
    app = bare_app(settings, clock, context, "portal")
    app.state.routes = problems.RouteIndex({})
    # Inside the session middleware install_portal adds, as in create_app: a request it
    # refuses is answered with a page in the session's language.
    app.add_middleware(RequestLimits, **request_limits(settings))
    install_portal(app)
    return app


def request_limits(settings: ApiSettings) -> dict[str, Any]:
    """The arguments of :class:`~skillsprogram.api.limits.RequestLimits` for an app serving
    the portal: the app-wide body limit, the upload page's own (``portal_max_upload_bytes``),
    and refusals of a page's request shown as a page."""
    return {
        "max_bytes": settings.max_body_bytes,
        "problem_base": settings.problem_type_base,
        "larger": partner.upload_limits(settings.portal_max_upload_bytes),
        "page": errors.page_for,
    }
