"""Drive applicants through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from tests.api.conftest import Credentials


def registration(index: int, **overrides: Any) -> dict[str, Any]:
    """A valid Testland registration body."""
    body: dict[str, Any] = {
        "national_id": f"{1000000 + index}",
        "full_name": f"Person {index}",
        "birth_date": f"{1990 + index % 20}-01-01",
        "sex": "F" if index % 2 else "M",
        "region_code": "10.01" if index % 3 else "20.01",
        "household_number": f"H{index}",
        "phone": f"+99{index:08d}",
        "occupation": "farmer",
        "consent": True,
    }
    body.update(overrides)
    return body


def register(client: TestClient, index: int) -> tuple[str, dict[str, str]]:
    """Register applicant ``index``; returns the application id and the applicant's headers."""
    response = client.post("/v1/registrations", json=registration(index))
    assert response.status_code == 201, response.text
    body = response.json()
    return body["application_id"], {"Authorization": f"Bearer {body['access_token']}"}


def to_vouchers(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials, count: int
) -> list[tuple[str, dict[str, str]]]:
    """Register ``count`` applicants, then run wave 1 to vouchers through the officer routes."""
    people = [register(client, n) for n in range(count)]
    run_wave_to_vouchers(client, ctx, creds.officer, count)
    return people


def run_wave_to_vouchers(
    client: TestClient, ctx: ProgrammeContext, officer: dict[str, str], count: int
) -> None:
    """Close wave 1 of ``count`` registered applicants and take them all to vouchers
    through the officer routes (identity, screening, quota, draw, issue)."""
    ctx.clock.advance(timedelta(days=7))  # type: ignore[attr-defined]
    assert client.post("/v1/waves/1/closure", headers=officer).status_code == 200
    assert client.post("/v1/steps/verify-identities", headers=officer).json()["count"] == count
    assert client.post("/v1/steps/screening", headers=officer).json()["count"] == count
    assert client.post("/v1/waves/1/quotas", json={"total": count}, headers=officer).status_code == 200
    draw = client.post("/v1/waves/1/draw", json={"seed": "api-seed"}, headers=officer)
    assert draw.json()["selected"] == count, draw.text
    assert client.post("/v1/steps/voucher-issue", headers=officer).json()["count"] == count


def course_id(client: TestClient, code: str) -> str:
    """A course's id from the public catalogue."""
    items = client.get("/v1/courses", params={"limit": 200}).json()["items"]
    return next(c["id"] for c in items if c["code"] == code)


def course_body(code: str, provider: str, platform: str = "tm") -> dict[str, Any]:
    """A body for ``POST /v1/courses`` naming ``provider`` and ``platform``."""
    return {
        "code": code,
        "title": "Baking",
        "field_of_study": "food",
        "mode": "offline",
        "price": 300_000,
        "provider_code": provider,
        "provider_name": f"Institute {provider}",
        "platform_code": platform,
        "platform_name": f"Market {platform}",
    }
