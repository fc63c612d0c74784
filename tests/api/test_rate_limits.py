"""The registration rate limit: per client, answered with a 429 problem and ``Retry-After``,
and one count for every API process when the storage is shared."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
import redis
from fastapi.testclient import TestClient

from skillsprogram.api import create_app
from skillsprogram.api.limits import RateLimiter
from skillsprogram.api.problems import ApiError
from skillsprogram.context import ProgrammeContext
from skillsprogram.errors import ConfigurationError
from tests.api.conftest import api_settings
from tests.api.helpers import registration

REDIS_URL = "redis://127.0.0.1:6379"
PROBLEM = "application/problem+json"


@pytest.fixture
def shared_storage() -> str:
    """The URL of a Redis every app of a test shares (the test is skipped without one)."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


def _refused(response: object) -> int:
    """Assert ``response`` is the 429 problem; return its ``Retry-After`` seconds."""
    assert response.status_code == 429, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    assert response.json()["code"] == "too-many-requests"  # type: ignore[attr-defined]
    return int(response.headers["retry-after"])  # type: ignore[attr-defined]


def test_registration_is_rate_limited_per_client_with_retry_after(ctx: ProgrammeContext) -> None:
    app = create_app(api_settings(registration_limit=2, registration_window_seconds=1), context=ctx)
    with TestClient(app) as client:
        assert client.post("/v1/registrations", json=registration(1)).status_code == 201
        assert client.post("/v1/registrations", json=registration(2)).status_code == 201
        assert _refused(client.post("/v1/registrations", json=registration(3))) == 1
        time.sleep(1.1)  # the window has moved past both registrations
        assert client.post("/v1/registrations", json=registration(3)).status_code == 201


def test_apps_with_memory_storage_count_apart(ctx: ProgrammeContext) -> None:
    """The default: each process counts on its own (what a shared storage is for)."""
    settings = api_settings(registration_limit=1, registration_window_seconds=60)
    with (
        TestClient(create_app(settings, context=ctx)) as one,
        TestClient(create_app(settings, context=ctx)) as two,
    ):
        assert one.post("/v1/registrations", json=registration(1)).status_code == 201
        assert two.post("/v1/registrations", json=registration(2)).status_code == 201


def test_two_api_processes_on_one_redis_share_one_limit(ctx: ProgrammeContext, shared_storage: str) -> None:
    """Two apps, each with its own memory, as two API worker processes have: pointed at one
    Redis, the second app refuses what the first already allowed."""
    settings = api_settings(
        registration_limit=2, registration_window_seconds=60, rate_limit_storage=shared_storage
    )
    with (
        TestClient(create_app(settings, context=ctx)) as one,
        TestClient(create_app(settings, context=ctx)) as two,
    ):
        assert one.post("/v1/registrations", json=registration(1)).status_code == 201
        assert two.post("/v1/registrations", json=registration(2)).status_code == 201
        assert 1 <= _refused(one.post("/v1/registrations", json=registration(3))) <= 60
        assert 1 <= _refused(two.post("/v1/registrations", json=registration(4))) <= 60


def test_a_limiter_in_another_process_counts_against_the_same_client(shared_storage: str) -> None:
    """The shared count holds across real processes: one hit from a child process uses the
    limit of one."""
    namespace = f"test/{uuid.uuid4()}"
    child = (
        "from skillsprogram.api.limits import RateLimiter;"
        f"RateLimiter(1, 60, {shared_storage!r}, namespace={namespace!r}).hit('203.0.113.9')"
    )
    subprocess.run([sys.executable, "-c", child], check=True, timeout=60)
    limiter = RateLimiter(1, 60, shared_storage, namespace=namespace)
    limiter.hit("198.51.100.1")  # another client has its own count
    with pytest.raises(ApiError) as refused:
        limiter.hit("203.0.113.9")
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60


def test_an_unknown_storage_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="rate-limit storage"):
        RateLimiter(1, 60, "nosuchstore://here")
