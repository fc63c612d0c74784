"""The portal on a started Testland programme, as a browser without JavaScript sees it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from skillsprogram.api import ApiSettings, create_app
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import clients
from tests.api.conftest import api_key, api_settings
from tests.api.helpers import registration


@pytest.fixture
def settings() -> ApiSettings:
    """The test portal's settings."""
    return api_settings()


@pytest.fixture
def browser(ctx: ProgrammeContext, settings: ApiSettings) -> Iterator[TestClient]:
    """A client that keeps cookies and follows no redirect by itself (a test reads each)."""
    with TestClient(
        create_app(settings, context=ctx), raise_server_exceptions=False, follow_redirects=False
    ) as c:
        yield c


def hidden(html: str, name: str) -> str:
    """The value of the hidden field ``name`` of the first form of ``html`` that has it."""
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no field {name!r} in the page"
    return found.group(1)


def csrf(html: str) -> str:
    """The session's CSRF secret, as a page's forms carry it."""
    return hidden(html, "csrf_token")


def form_tokens(html: str) -> dict[str, str]:
    """The CSRF secret and the form token of the page's form."""
    return {"csrf_token": hidden(html, "csrf_token"), "form_token": hidden(html, "form_token")}


def register_through_the_portal(browser: TestClient, index: int, **overrides: str) -> str:
    """Fill in and send the registration form as applicant ``index`` of the API tests;
    returns where the portal led (``/me`` once registered)."""
    page = browser.get("/register")
    fields = {k: str(v) for k, v in registration(index).items() if k != "consent"}
    sent = {**form_tokens(page.text), **fields, "consent": "true", **overrides}
    answer = browser.post("/register", data=sent)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


@dataclass
class PartnerKeys:
    """API keys of the organisations of the tests (p1 teaches welding, p2 coding; tm is the
    platform that sells both), as an administrator issues them."""

    provider: str
    other_provider: str
    platform: str
    provider_client: uuid.UUID


@pytest.fixture
def keys(ctx: ProgrammeContext) -> PartnerKeys:
    """One API key of each organisation."""
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, "provider", "test provider p1", "p1")
    return PartnerKeys(
        provider=issued.api_key,
        other_provider=api_key(ctx, "provider", "p2")["X-API-Key"],
        platform=api_key(ctx, "platform", "tm")["X-API-Key"],
        provider_client=issued.client.id,
    )


def partner_sign_in(browser: TestClient, key: str) -> Response:
    """Sign in on the partner sign-in page with ``key``; returns the answer."""
    page = browser.get("/partner/sign-in")
    return browser.post(
        "/partner/sign-in", data={**form_tokens(page.text), "api_key": key, "next": "/partner"}
    )


@dataclass
class StaffMember:
    """A staff client as an administrator issues it: its id and its secret."""

    client_id: uuid.UUID
    secret: str


def staff_member(ctx: ProgrammeContext, role: str = "officer") -> StaffMember:
    """A new staff client of ``role``."""
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, role, f"test {role}")
    return StaffMember(issued.client.id, issued.secret)


def console_sign_in(browser: TestClient, member: StaffMember, secret: str | None = None) -> Response:
    """Sign in on the console's sign-in page as ``member`` (with ``secret`` instead of
    theirs when given); returns the answer."""
    page = browser.get("/console/sign-in")
    fields = {"client_id": str(member.client_id), "client_secret": secret or member.secret}
    return browser.post("/console/sign-in", data={**form_tokens(page.text), **fields})
