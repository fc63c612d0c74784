"""Who may publish a course naming which organisations."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AuditEvent, Course, Platform, TrainingProvider
from skillsprogram.services import clients
from tests.api.conftest import Credentials, api_key
from tests.api.helpers import course_body


def rows(ctx: ProgrammeContext, model: type, code: str) -> int:
    """How many rows of ``model`` have ``code``."""
    with ctx.uow() as uow:
        return int(
            uow.session.execute(
                select(func.count()).select_from(model).where(model.code == code)  # type: ignore[attr-defined]
            ).scalar_one()
        )


def published(ctx: ProgrammeContext) -> int:
    """How many course_published events the audit log holds."""
    with ctx.uow() as uow:
        return int(
            uow.session.execute(
                select(func.count()).where(AuditEvent.action == "course_published")
            ).scalar_one()
        )


def test_a_platform_cannot_attribute_a_course_to_a_provider_the_programme_does_not_know(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    response = client.post(
        "/v1/courses", json=course_body("T-FAKE", "invented", "tm"), headers=creds.platform
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown-provider"
    assert response.json()["field"] == "provider_code"
    assert (rows(ctx, TrainingProvider, "invented"), rows(ctx, Course, "T-FAKE"), published(ctx)) == (0, 0, 0)


def test_a_provider_cannot_create_a_platform_by_naming_it(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    response = client.post("/v1/courses", json=course_body("T-FAKE", "p1", "nowhere"), headers=creds.provider)
    assert response.status_code == 422
    assert response.json()["code"] == "unknown-platform"
    assert (rows(ctx, Platform, "nowhere"), rows(ctx, Course, "T-FAKE"), published(ctx)) == (0, 0, 0)


def test_a_platform_sells_courses_of_a_catalogued_provider_or_one_holding_a_key(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    catalogued = client.post("/v1/courses", json=course_body("T-ONE", "p2", "tm"), headers=creds.platform)
    assert catalogued.status_code == 201, catalogued.text
    api_key(ctx, "provider", "keyed")
    keyed = client.post("/v1/courses", json=course_body("T-TWO", "keyed", "tm"), headers=creds.platform)
    assert keyed.status_code == 201, keyed.text
    assert rows(ctx, TrainingProvider, "keyed") == 1
    assert published(ctx) == 2


def test_a_provider_whose_key_was_revoked_is_no_longer_known_to_platforms(
    client: TestClient, ctx: ProgrammeContext, creds: Credentials
) -> None:
    with ctx.transaction() as uow:
        issued = clients.create_client(uow, ctx, "provider", "gone", "gone")
        clients.revoke_client(uow, ctx, issued.client.id)
    response = client.post("/v1/courses", json=course_body("T-GONE", "gone", "tm"), headers=creds.platform)
    assert response.status_code == 422 and response.json()["code"] == "unknown-provider"


def test_a_new_provider_is_added_with_its_first_course_on_a_known_platform(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    newcomer = api_key(ctx, "provider", "newcomer")
    response = client.post("/v1/courses", json=course_body("T-NEW", "newcomer", "tm"), headers=newcomer)
    assert response.status_code == 201, response.text
    assert (rows(ctx, TrainingProvider, "newcomer"), rows(ctx, Platform, "tm")) == (1, 1)
    again = client.post("/v1/courses", json=course_body("T-NEW", "newcomer", "tm"), headers=newcomer)
    assert again.status_code == 409 and again.json()["code"] == "course-exists"
    assert published(ctx) == 1
