"""An API on a started Testland programme, with one client of every role."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from skillsprogram.api import ApiSettings, create_app
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import clients

SECRET = "test-secret-that-is-long-enough"


@dataclass
class Credentials:
    """Headers for each kind of caller."""

    admin: dict[str, str]
    officer: dict[str, str]
    auditor: dict[str, str]
    provider: dict[str, str]
    other_provider: dict[str, str]
    platform: dict[str, str]
    rail_client: uuid.UUID
    rail_secret: str


def api_settings(**overrides: object) -> ApiSettings:
    """Settings for a test API."""
    values: dict[str, object] = {
        "secret_key": SECRET,
        "programme": "testland-2025",
        "registration_limit": 1_000,
        "token_ttl_seconds": 400 * 24 * 3600,  # the tests move the clock by weeks
    }
    values.update(overrides)
    return ApiSettings.model_validate(values)


@pytest.fixture
def settings() -> ApiSettings:
    """The test API's settings."""
    return api_settings()


@pytest.fixture
def client(ctx: ProgrammeContext, settings: ApiSettings) -> Iterator[TestClient]:
    """A test client on the API of the Testland programme (raising nothing: every error is a
    response)."""
    with TestClient(create_app(settings, context=ctx), raise_server_exceptions=False) as test_client:
        yield test_client


def staff_token(
    client: TestClient, ctx: ProgrammeContext, role: str, scope: str | None = None
) -> dict[str, str]:
    """Create a staff client and get a bearer token through /v1/auth/token."""
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, role, f"test {role}")
    form = {
        "grant_type": "client_credentials",
        "client_id": str(issued.client.id),
        "client_secret": issued.secret,
    }
    if scope:
        form["scope"] = scope
    response = client.post("/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def api_key(ctx: ProgrammeContext, role: str, owner: str) -> dict[str, str]:
    """An X-API-Key header for a new platform or provider client."""
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, role, f"test {role} {owner}", owner)
    return {"X-API-Key": issued.api_key}


@pytest.fixture
def creds(client: TestClient, ctx: ProgrammeContext) -> Credentials:
    """One caller of every role (p1 teaches welding, p2 coding; tm is the platform)."""
    with ctx.transaction() as uow:
        rail = clients.create_client(uow, ctx, "rail", "test wallet", "wallet")
    return Credentials(
        admin=staff_token(client, ctx, "admin"),
        officer=staff_token(client, ctx, "officer"),
        auditor=staff_token(client, ctx, "auditor"),
        provider=api_key(ctx, "provider", "p1"),
        other_provider=api_key(ctx, "provider", "p2"),
        platform=api_key(ctx, "platform", "tm"),
        rail_client=rail.client.id,
        rail_secret=rail.secret,
    )
