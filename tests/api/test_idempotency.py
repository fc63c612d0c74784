"""Idempotency-Key: a retry replays the first answer, a reused key for another request is
refused, a retry while the first still runs gets 409; tested with concurrent requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application
from tests.api.helpers import registration


def _applications(ctx: ProgrammeContext) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Application)).scalar_one())


def test_the_same_key_and_body_replays_the_first_answer_without_doing_it_again(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    first = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "reg-1"})
    again = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "reg-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _applications(ctx) == 1


def test_a_refusal_is_replayed_too(client: TestClient, ctx: ProgrammeContext) -> None:
    body = registration(1, region_code="99.99")
    first = client.post("/v1/registrations", json=body, headers={"Idempotency-Key": "bad-1"})
    again = client.post("/v1/registrations", json=body, headers={"Idempotency-Key": "bad-1"})
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again.headers["content-type"] == "application/problem+json"


def test_the_same_key_with_another_body_is_refused_with_422(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    assert (
        client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "k"}).status_code
        == 201
    )
    other = client.post("/v1/registrations", json=registration(2), headers={"Idempotency-Key": "k"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    assert _applications(ctx) == 1


def test_keys_are_per_caller_so_one_caller_never_sees_another_s_answer(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    a = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "same"}).json()
    me = {"Authorization": f"Bearer {a['access_token']}", "Idempotency-Key": "same"}
    grievance = {"category": "other", "subject": "late", "description": "no answer yet"}
    filed = client.post(f"/v1/applications/{a['application_id']}/grievances", json=grievance, headers=me)
    assert filed.status_code == 201 and "idempotent-replayed" not in filed.headers


def test_a_malformed_key_is_refused_with_400(client: TestClient) -> None:
    response = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "x" * 129})
    assert response.status_code == 400 and response.json()["code"] == "invalid-idempotency-key"


def test_a_retry_while_the_first_is_still_running_gets_409_then_the_answer(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    limiter = client.app.state.api.registration_limit  # type: ignore[attr-defined]
    entered, release = threading.Event(), threading.Event()
    original = limiter.hit

    def slow_hit(key: str) -> None:
        entered.set()
        assert release.wait(10)
        original(key)

    limiter.hit = slow_hit
    headers = {"Idempotency-Key": "slow"}
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/v1/registrations", json=registration(1), headers=headers)
        assert entered.wait(10)
        limiter.hit = original
        retry = client.post("/v1/registrations", json=registration(1), headers=headers)
        release.set()
        answer = first.result(10)
    assert retry.status_code == 409 and retry.json()["code"] == "idempotency-key-in-use"
    assert retry.headers["retry-after"] == "1"
    assert answer.status_code == 201
    replay = client.post("/v1/registrations", json=registration(1), headers=headers)
    assert replay.json() == answer.json()
    assert _applications(ctx) == 1


def test_concurrent_requests_with_one_key_do_the_work_once(client: TestClient, ctx: ProgrammeContext) -> None:
    def send(_: int) -> Any:
        return client.post("/v1/registrations", json=registration(7), headers={"Idempotency-Key": "burst"})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(16)))
    created = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["application_id"] for r in created}) == 1
    assert sum(1 for r in created if "idempotent-replayed" not in r.headers) == 1
    assert _applications(ctx) == 1


def test_a_server_error_is_not_kept_so_the_retry_runs_again(
    client: TestClient, ctx: ProgrammeContext, monkeypatch: Any
) -> None:
    from skillsprogram.api.routes import applicants

    real = applicants.registration.register
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(applicants.registration, "register", flaky)
    failed = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "flaky"})
    assert failed.status_code == 500
    assert "Traceback" not in failed.text and "database went away" not in failed.text
    assert failed.json()["code"] == "internal-error"
    retried = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "flaky"})
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


def test_stored_answers_are_encrypted_and_purged_after_the_retention(
    client: TestClient, ctx: ProgrammeContext
) -> None:
    from datetime import timedelta

    from skillsprogram.domain.access import IdempotencyRecord

    first = client.post("/v1/registrations", json=registration(1), headers={"Idempotency-Key": "secret"})
    with ctx.uow() as uow:
        (stored,) = uow.session.execute(select(IdempotencyRecord.body)).scalars().all()
    assert stored is not None and first.json()["access_token"] not in stored
    store = client.app.state.idempotency  # type: ignore[attr-defined]
    assert store.purge() == 0
    ctx.clock.advance(timedelta(days=2))  # type: ignore[attr-defined]
    assert store.purge() == 1
