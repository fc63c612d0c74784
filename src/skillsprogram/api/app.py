"""The application factory: one FastAPI app serving one started programme under ``/v1``."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse, JSONResponse

from skillsprogram import __version__
from skillsprogram.api import links, problems
from skillsprogram.api.deps import ApiState
from skillsprogram.api.examples import add_registration_example
from skillsprogram.api.idempotency import IdempotencyMiddleware, IdempotencyStore
from skillsprogram.api.limits import RateLimiter, RequestLimits
from skillsprogram.api.logs import install_redaction
from skillsprogram.api.routes import (
    applicants,
    auditors,
    auth,
    catalogue,
    health,
    officers,
    partners,
    programme,
    rails,
    reports,
)
from skillsprogram.api.security import TokenService
from skillsprogram.api.settings import ApiSettings
from skillsprogram.bootstrap import Deployment
from skillsprogram.clock import Clock
from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import ConfigurationError

API_PREFIX = "/v1"
ROUTERS = (
    health.router,
    auth.router,
    programme.router,
    applicants.router,
    catalogue.router,
    partners.router,
    officers.router,
    reports.router,
    auditors.router,
    rails.router,
)
DESCRIPTION = """
The programme's HTTP API: applicants, platforms and providers, officers, auditors and
payment rails call the same services as the command line.

* **Authentication.** Applicants and staff send `Authorization: Bearer <token>`: staff get
  tokens from `/v1/auth/token` (OAuth2 client credentials), applicants when they register.
  Platforms and providers send `X-API-Key`; payment rails sign their callbacks.
* **Retries.** Every mutating route accepts an `Idempotency-Key` header: a retry with the
  same key and body replays the first answer.
* **Errors** are RFC 9457 `application/problem+json`; `type` is stable per rule
  (`urn:skillsprogram:problem:<code>`).
* **Lists** are paginated with opaque cursors (`cursor`, `next_cursor`).
* **Personal data** (national ids, household and account numbers) is masked unless the
  caller's role may see it.
"""


def bare_app(
    settings: ApiSettings,
    clock: Clock | None,
    context: ProgrammeContext | None,
    role: str,
    **described: Any,
) -> FastAPI:
    """What the API and the portal share: the programme context (its rails built once), the
    request state, the problem handlers, the replay store and the log redaction, in an app
    titled after the programme and its ``role``; no route yet, and no document served."""
    install_redaction()
    ctx = programme_context(settings, clock, context)
    ctx.rails  # noqa: B018  (build the rails once: every request shares them)
    app = FastAPI(
        title=f"{ctx.config.programme.name} — {role}",
        version=__version__,
        openapi_url=None,  # the API serves its own, under the prefix the app is mounted at
        docs_url=None,
        redoc_url=None,
        **described,
    )
    app.state.api = build_state(settings, ctx)
    problems.install(app, settings.problem_type_base)
    app.state.idempotency = IdempotencyStore(
        ctx.engine,
        ctx.clock,
        settings.idempotency_lease_seconds,
        ctx.vault,
        settings.idempotency_retention_seconds,
        settings.idempotency_wait_seconds,
    )
    return app


def create_app(
    settings: ApiSettings | None = None,
    *,
    clock: Clock | None = None,
    context: ProgrammeContext | None = None,
    portal: bool = True,
) -> FastAPI:
    """Build the API for the programme ``settings.programme`` on the configured database,
    with the portal's pages beside it (unless ``portal`` or ``settings.portal`` is false).

    A government mounts the returned app in its own ASGI stack (at any prefix: the OpenAPI
    document follows the ASGI ``root_path``), and the request limits and the log redaction
    come with it. ``context`` (with its clock) replaces the one loaded from the database,
    for tests and embedding; plugins add routes through the ``skillsprogram_api_routes`` hook.
    """
    settings = settings or ApiSettings()
    app = bare_app(settings, clock, context, "skillsprogram API", description=DESCRIPTION)
    ctx: ProgrammeContext = app.state.api.ctx
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for offered in ctx.hook.skillsprogram_api_routes(programme=ctx.config):
        for router in offered:
            if not isinstance(router, APIRouter):
                raise ConfigurationError(
                    f"a plugin offered {type(router).__name__} where an APIRouter belongs"
                )
            app.include_router(router, prefix=API_PREFIX)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.state.routes = problems.RouteIndex(app.openapi()["paths"])
    app.add_middleware(
        IdempotencyMiddleware,
        store=app.state.idempotency,
        problem_base=settings.problem_type_base,
        routes=app.state.routes,
        identify=app.state.api.caller,
    )
    with_portal = portal and settings.portal
    if with_portal:
        from skillsprogram.web.portal import request_limits

        app.add_middleware(RequestLimits, **request_limits(settings))
    else:
        app.add_middleware(
            RequestLimits, max_bytes=settings.max_body_bytes, problem_base=settings.problem_type_base
        )

    async def openapi_document(request: Request) -> JSONResponse:
        """The OpenAPI document (at ``/openapi.json`` and ``/v1/openapi.json``)."""
        return JSONResponse(located(app.openapi(), request.scope.get("root_path", "")))

    async def swagger_ui(request: Request) -> HTMLResponse:
        """Swagger UI on the document."""
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(openapi_url=f"{root}{OPENAPI_URL}", title=f"{app.title} — Swagger UI")

    app.add_route(OPENAPI_URL, openapi_document, include_in_schema=False)
    app.add_route("/openapi.json", openapi_document, include_in_schema=False)
    app.add_route(f"{API_PREFIX}/docs", swagger_ui, include_in_schema=False)
    if with_portal:
        from skillsprogram.web import install_portal

        install_portal(app)
    return app


def build_state(settings: ApiSettings, ctx: ProgrammeContext) -> ApiState:
    """What every request of an app serving ``ctx`` shares: its tokens and limits."""
    namespace = f"skillsprogram/{ctx.programme_id or ctx.config.programme.code}"
    return ApiState(
        settings=settings,
        ctx=ctx,
        tokens=TokenService(
            settings.token_key(),
            ctx.config.programme.code,
            settings.token_ttl_seconds,
            ctx.clock,
            settings.refresh_ttl_seconds,
        ),
        registration_limit=RateLimiter(
            settings.registration_limit,
            settings.registration_window_seconds,
            settings.rate_limit_storage,
            namespace=f"{namespace}/registrations",
        ),
        sign_in_limit=RateLimiter(
            settings.sign_in_limit,
            settings.sign_in_window_seconds,
            settings.rate_limit_storage,
            namespace=f"{namespace}/sign-in",
            what="sign-in requests",
        ),
        sign_in_code_limit=RateLimiter(
            ctx.config.sign_in.codes_per_hour,
            3_600,
            settings.rate_limit_storage,
            namespace=f"{namespace}/sign-in-codes",
            what="sign-in codes for one person",
        ),
    )


def programme_context(
    settings: ApiSettings, clock: Clock | None, context: ProgrammeContext | None
) -> ProgrammeContext:
    """``context``, or the context of the programme ``settings`` name, loaded from the database."""
    if context is not None:
        return context
    if not settings.programme:
        raise ConfigurationError("set SKILLSPROGRAM_PROGRAMME to the code of the programme to serve")
    return Deployment.from_settings(settings).programme(settings.programme, clock=clock)


OPENAPI_URL = f"{API_PREFIX}/openapi.json"


def located(document: dict[str, Any], root_path: str) -> dict[str, Any]:
    """``document`` for an app mounted at ``root_path``: its server and the OAuth2 token URL
    under that prefix, so that clients and generated SDKs reach the routes."""
    root = root_path.rstrip("/")
    if not root:
        return document
    moved = dict(document, servers=[{"url": root}])
    components = copy.deepcopy(document.get("components", {}))
    for scheme in components.get("securitySchemes", {}).values():
        for flow in scheme.get("flows", {}).values():
            for key in ("tokenUrl", "refreshUrl", "authorizationUrl"):
                if str(flow.get(key, "")).startswith("/"):
                    flow[key] = root + flow[key]
    moved["components"] = components
    return moved


#: Headers that come with some problem answers.
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "401": {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with (Bearer, ApiKey, Signature, Basic)",
            "schema": {"type": "string"},
        }
    },
    "429": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, with problem answers as ``application/problem+json``."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        servers=[{"url": "/"}],
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.get("responses", {})
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400:
                    response["content"] = {
                        problems.PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
                    if code in RESPONSE_HEADERS:
                        response["headers"] = RESPONSE_HEADERS[code]
                    if code == "422" and "Validation Error" in response.get("description", ""):
                        response["description"] = "Invalid fields (each named)"
    for method_map in schema.get("paths", {}).values():
        for method, operation in method_map.items():
            if method in ("post", "put", "patch", "delete"):
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Makes a retry safe: the same key and body replay the first answer",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]+$"},
                    }
                )
    add_registration_example(schema, app.state.api.ctx)
    app.openapi_schema = links.add_links(schema, API_PREFIX)
    return schema
