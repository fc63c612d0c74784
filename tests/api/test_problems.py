"""One problem-response path: every refusal, whichever layer makes it (an exception handler,
the request limits, the idempotency middleware, the rate limiter), is built by
``problems.problem_response`` and has the same shape and content type."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from skillsprogram.api import create_app, problems
from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials, api_settings
from tests.api.helpers import register, registration

MEMBERS = {"type", "title", "status", "detail", "code", "instance"}


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """The (status, code) of every problem ``problem_response`` builds during the test."""
    seen: list[tuple[int, str]] = []
    original = problems.problem_response

    def recording(base: str, status: int, code: str, *args: Any, **kwargs: Any) -> Any:
        seen.append((status, code))
        return original(base, status, code, *args, **kwargs)

    monkeypatch.setattr(problems, "problem_response", recording)
    return seen


def _requests(ctx: ProgrammeContext, creds: Credentials) -> dict[str, Callable[[TestClient], Response]]:
    """One request for each way the API refuses, by the status and code it must get."""
    return {
        "400 malformed-json": lambda c: c.post(
            "/v1/registrations", content=b'{"a": ', headers={"content-type": "application/json"}
        ),
        "400 invalid-idempotency-key": lambda c: c.post(
            "/v1/registrations", json=registration(1), headers={"Idempotency-Key": "x" * 129}
        ),
        "401 unauthenticated": lambda c: c.get("/v1/reports/funnel"),
        "404 not-found": lambda c: c.get("/v1/nothing-here"),
        "404 application-not-found": lambda c: c.get(
            f"/v1/applications/{uuid.uuid4()}", headers=creds.officer
        ),
        "405 method-not-allowed": lambda c: c.delete("/v1/registrations"),
        "409 duplicate-registration": lambda c: c.post("/v1/registrations", json=registration(1)),
        "413 body-too-large": lambda c: c.post(
            "/v1/registrations", json=registration(2, full_name="x" * 2_000_000)
        ),
        "413 json-too-deep": lambda c: c.post(
            "/v1/registrations", content=b"[" * 100 + b"]" * 100, headers={"content-type": "application/json"}
        ),
        "422 invalid-request": lambda c: c.post("/v1/registrations", json=registration(3, sex="X")),
        "429 too-many-requests": lambda c: c.post("/v1/registrations", json=registration(4)),
        "431 headers-too-large": lambda c: c.get("/v1/health", headers={"X-Big": "a" * 20_000}),
        "500 internal-error": lambda c: c.get("/v1/reports/funnel", headers=creds.officer),
    }


def test_every_refusal_is_built_by_one_function_with_one_shape(
    ctx: ProgrammeContext, creds: Credentials, built: list[tuple[int, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.api.routes import officers

    def broken(*_: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(officers.reports, "funnel", broken)
    app = create_app(api_settings(registration_limit=2), context=ctx)
    with TestClient(app, raise_server_exceptions=False) as client:
        register(client, 1)  # the first of two registrations the limit allows
        for name, send in _requests(ctx, creds).items():
            status, code = name.split(" ")
            before = len(built)
            response = send(client)
            assert response.status_code == int(status), (name, response.text)
            assert response.headers["content-type"] == problems.PROBLEM_JSON, name
            body = response.json()
            assert body.keys() >= MEMBERS, name
            assert body["code"] == code and body["type"] == f"urn:skillsprogram:problem:{code}", name
            assert body["status"] == int(status) and body["instance"] == response.request.url.path, name
            assert built[before:] == [(int(status), code)], f"{name} was not built by problem_response"
