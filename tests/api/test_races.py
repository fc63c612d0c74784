"""Concurrent requests racing one create-or-check path: one winner, clear refusals, no 500."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from skillsprogram.api import create_app
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AuditEvent, Course, PaymentAccount, TrainingProvider
from tests.api.conftest import api_key, api_settings
from tests.api.helpers import course_body, register, registration
from tests.support.races import RACERS, at_once, racing_context


@pytest.fixture
def racing_client(ctx: ProgrammeContext, database_url: str) -> Iterator[TestClient]:
    """A client on an API whose engine has a connection for every racer."""
    with (
        racing_context(ctx, database_url) as shared,
        TestClient(create_app(api_settings(), context=shared), raise_server_exceptions=False) as client,
    ):
        yield client


def answers(responses: list[Response | None]) -> Counter[str]:
    """How many responses had each status and problem code."""
    return Counter(
        "no answer"
        if r is None
        else str(r.status_code)
        if r.status_code < 400
        else f"{r.status_code} {r.json()['code']}"
        for r in responses
    )


def sent(call: Any) -> list[Response | None]:
    """The responses to ``call(index)`` sent by every racer at once."""
    return [result.value for result in at_once(call)]


def scalar(ctx: ProgrammeContext, query: Any) -> Any:
    """One value read from the test database."""
    with ctx.uow() as uow:
        return uow.session.execute(query).scalar_one()


def test_providers_publishing_one_new_course_code_at_once_get_one_201_and_409_course_exists(
    ctx: ProgrammeContext, racing_client: TestClient
) -> None:
    keys = [api_key(ctx, "provider", f"q{n}") for n in range(RACERS)]
    responses = sent(
        lambda n: racing_client.post("/v1/courses", json=course_body("T-SAME", f"q{n}"), headers=keys[n]),
    )
    assert answers(responses) == {"201": 1, "409 course-exists": RACERS - 1}
    (won,) = [r for r in responses if r is not None and r.status_code == 201]
    stored = scalar(ctx, select(Course.id).where(Course.code == "T-SAME"))
    assert won.json()["id"] == str(stored)
    published = select(func.count()).where(AuditEvent.action == "course_published")
    assert scalar(ctx, published) == 1
    assert scalar(ctx, select(AuditEvent.entity_id).where(AuditEvent.action == "course_published")) == str(
        stored
    )


def test_a_new_provider_publishing_many_courses_at_once_is_created_once(
    ctx: ProgrammeContext, racing_client: TestClient
) -> None:
    key = api_key(ctx, "provider", "fresh")
    responses = sent(
        lambda n: racing_client.post("/v1/courses", json=course_body(f"T-NEW{n}", "fresh"), headers=key),
    )
    assert answers(responses) == {"201": RACERS}
    assert scalar(ctx, select(func.count()).where(TrainingProvider.code == "fresh")) == 1
    assert scalar(ctx, select(func.count()).where(AuditEvent.action == "course_published")) == RACERS


def test_the_same_person_registering_at_once_through_the_api_gets_one_201_and_409s(
    ctx: ProgrammeContext, racing_client: TestClient
) -> None:
    responses = sent(lambda _: racing_client.post("/v1/registrations", json=registration(5)))
    assert answers(responses) == {"201": 1, "409 duplicate-registration": RACERS - 1}


def test_applicants_naming_one_account_at_once_get_one_201_and_409_account_taken(
    ctx: ProgrammeContext, racing_client: TestClient
) -> None:
    people = [register(racing_client, n) for n in range(RACERS)]
    body = {"rail": "wallet", "account_number": "W000000042"}
    responses = sent(
        lambda n: racing_client.post(
            f"/v1/applications/{people[n][0]}/payment-accounts", json=body, headers=people[n][1]
        ),
    )
    assert answers(responses) == {"201": 1, "409 account-taken": RACERS - 1}
    assert scalar(ctx, select(func.count()).select_from(PaymentAccount)) == 1
