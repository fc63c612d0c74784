"""RFC 9457 problem details: every refusal is ``application/problem+json`` with a stable type.

A :class:`~skillsprogram.errors.DomainError`'s ``code`` becomes the problem ``type``
(``urn:skillsprogram:problem:<code>`` by default) and its HTTP status comes from its
class. Validation errors name each field; an unexpected error is a bare 500 problem,
never a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from skillsprogram.errors import (
    ConfigurationError,
    DomainError,
    NotFound,
    ValidationFailed,
)

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

#: HTTP status of each error class (the most specific class wins); other refusals are 409.
STATUS_BY_CLASS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (ValidationFailed, 422),
    (ConfigurationError, 409),
]

#: Codes raised outside the domain layer, by the API itself.
HTTP_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    429: "too-many-requests",
    431: "headers-too-large",
    500: "internal-error",
}


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str = Field(description="Where: body.<name>, query.<name>, path.<name> or header.<name>")
    message: str
    type: str = Field(description="The kind of error (pydantic's error type)")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="Stable URI naming the rule or error", examples=["urn:skillsprogram:problem:not-found"]
    )
    title: str = Field(description="Short summary of the type")
    status: int = Field(ge=400, le=599)
    detail: str = Field(description="What went wrong in this case")
    code: str = Field(description="The stable code (the end of ``type``)")
    instance: str | None = Field(default=None, description="The request path")
    errors: list[FieldError] | None = Field(default=None, description="Invalid fields, for validation errors")


class ApiError(Exception):
    """A refusal the interface makes itself (authentication, limits), as a problem."""

    def __init__(
        self, status: int, code: str, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = dict(headers or {})
        self.extra = extra


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error."""
    for cls, status in STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 409


def problem_body(
    base: str, status: int, code: str, detail: str, instance: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The members of a problem document."""
    body: dict[str, Any] = {
        "type": f"{base}{code}",
        "title": code.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    base: str,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response: the one way every refusal of the API is built, by the
    exception handlers and by the ASGI middleware (:func:`send_problem`) alike."""
    body = problem_body(base, status, code, detail, instance, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


async def send_problem(
    send: Send,
    scope: Scope,
    base: str,
    status: int,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Answer with a problem straight from ASGI middleware (before any route runs): the
    response :func:`problem_response` builds, sent as it is."""
    response = problem_response(base, status, code, detail, scope.get("path"), headers)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def _jsonable(details: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v) for k, v in details.items()
    }


def _field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "invalid")),
            "type": str(error.get("type", "invalid")),
        }
        for error in errors
    ]


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents for the request's path (for ``Allow``)."""
    index: RouteIndex = request.app.state.routes
    return index.methods(route_path(request.scope))


def route_path(scope: Scope) -> str:
    """The request's path inside the app: without the prefix it is mounted at (``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class RouteIndex:
    """Which methods each documented path template offers, matched against concrete paths."""

    def __init__(self, paths: Mapping[str, Mapping[str, Any]]) -> None:
        self._templates = [
            (
                re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"),
                {m.upper() for m in ops},
                path,
            )
            for path, ops in paths.items()
        ]

    def template(self, path: str) -> str | None:
        """The documented path template ``path`` matches (``/v1/waves/{number}``), if any."""
        return next((template for pattern, _, template in self._templates if pattern.match(path)), None)

    def methods(self, path: str) -> list[str]:
        """The methods offered at ``path`` (empty when no route has it)."""
        found: set[str] = set()
        for pattern, methods, _ in self._templates:
            if pattern.match(path):
                found |= methods
        return sorted(found)


def install(app: FastAPI, base: str) -> None:
    """Register the problem handlers on ``app``."""

    async def domain_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, DomainError)
        return problem_response(
            base, status_of(error), error.code, error.message, request.url.path, **_jsonable(error.details)
        )

    async def api_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return problem_response(
            base, error.status, error.code, error.detail, request.url.path, error.headers, **error.extra
        )

    async def validation_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = _field_errors(error.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(
                base,
                400,
                "malformed-json",
                "the request body is not valid JSON",
                request.url.path,
                errors=errors,
            )
        named = ", ".join(e["field"] for e in errors)
        return problem_response(
            base, 422, "invalid-request", f"invalid fields: {named}", request.url.path, errors=errors
        )

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        code = HTTP_CODES.get(error.status_code, "http-error")
        headers = dict(getattr(error, "headers", None) or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem_response(base, error.status_code, code, str(error.detail), request.url.path, headers)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # The route's template, not the path (a path may carry what a caller typed); the
        # exception's frames are kept and its message dropped by logs.Redaction.
        route = request.app.state.routes.template(route_path(request.scope)) or "?"
        log.error(
            "unexpected error on %s %s: %s",
            request.method,
            route,
            type(error).__name__,
            exc_info=error,
            extra={"method": request.method, "route": route, "status": 500, "error": type(error).__name__},
        )
        return problem_response(
            base, 500, "internal-error", "the server could not complete the request", request.url.path
        )

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
