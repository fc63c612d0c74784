"""Property-based conformance of the whole API to its OpenAPI document (schemathesis).

Every operation gets at least 100 generated requests against the app on SQLite, sent
with credentials of a role the operation admits; the checks prove that no request
causes a server error, that every status code, content type, header and body is the
documented one, that invalid input is refused, and that no route ignores its
authentication.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from skillsprogram.api import create_app
from skillsprogram.api.idempotency import KEY_PATTERN
from skillsprogram.api.security import ROLE_SCOPES
from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import catalogue, clients, programmes, registration, waves
from skillsprogram.storage import migrate
from skillsprogram.storage.db import make_engine
from tests.api.conftest import SECRET, api_settings
from tests.conftest import START, TESTLAND
from tests.support.testland import person

EXAMPLES = int(os.environ.get("SKILLSPROGRAM_SCHEMATHESIS_EXAMPLES", "100"))
HEADERS: dict[str, dict[str, str]] = {}
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def requests_per_operation(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Counts the requests sent per operation; kept in pytest's cache for the record
    (``pytest --cache-show skillsprogram/schemathesis``)."""
    yield SENT
    if SENT:
        request.config.cache.set(
            "skillsprogram/schemathesis",
            {
                "operations": len(SENT),
                "requests": sum(SENT.values()),
                "fewest": min(SENT.values()),
                "per_operation": dict(sorted(SENT.items())),
            },
        )


def _api() -> Any:
    """The API of a started Testland programme (wave 1 open, a few applicants, one client
    of each role) on a SQLite file, loaded by schemathesis from /openapi.json.

    Built when the module is collected: schemathesis generates one test per operation
    from the document, so the app must exist before the tests do.
    """
    folder = tempfile.TemporaryDirectory(prefix="skillsprogram-schemathesis-")
    atexit.register(folder.cleanup)
    url = f"sqlite:///{Path(folder.name) / 'api.db'}"
    migrate.upgrade(url)
    ctx = ProgrammeContext(
        config=load_config(TESTLAND),
        engine=make_engine(url),
        vault=PersonalDataVault(SECRET),
        clock=FixedClock(START),
        actor="test",
    )
    with ctx.transaction() as uow:
        programmes.start_programme(uow, ctx)
        catalogue.sync_regions(uow, ctx)
        catalogue.add_courses(uow, ctx, ctx.hook.skillsprogram_demo_catalogue(programme=ctx.config))
        waves.open_wave(uow, ctx)
        applicant = registration.register(uow, ctx, person(1))
        registration.register_many(uow, ctx, [person(n) for n in range(2, 6)])
        admin = clients.create_client(uow, ctx, "admin", "schemathesis admin")
        provider = clients.create_client(uow, ctx, "provider", "schemathesis provider", "p1")
    app = create_app(api_settings(registration_limit=1_000_000), context=ctx)
    tokens = app.state.api.tokens
    admin_token = tokens.issue("admin", str(admin.client.id), ROLE_SCOPES["admin"], client_id=admin.client.id)
    HEADERS["admin"] = {"Authorization": f"Bearer {admin_token.access_token}"}
    HEADERS["applicant"] = {"Authorization": f"Bearer {tokens.for_applicant(applicant).access_token}"}
    HEADERS["api_key"] = {"X-API-Key": provider.api_key}
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Schema-valid data may still break a rule the schema cannot state (a country's id
    # format, a course that does not exist): such refusals are 422 problems naming the
    # rule, so they count as accepted-and-judged rather than as rejected input.
    accepted = loaded.config.checks.positive_data_acceptance
    accepted.expected_statuses = [*accepted.expected_statuses, "422"]
    return loaded


schema = _api()


def credentials(case: Any) -> dict[str, str]:
    """Headers of a role the operation admits (applicant-only routes get the applicant)."""
    security = case.operation.definition.raw.get("security", [])
    for requirement in security:
        if "OAuth2" in requirement:
            scopes = requirement["OAuth2"]
            return HEADERS["applicant"] if scopes == ["applicant"] else HEADERS["admin"]
        if "ApiKey" in requirement:
            return HEADERS["api_key"]
    return {}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_openapi_document(case: Any) -> None:
    headers = credentials(case)
    if case.headers and KEY_PATTERN.match(str(case.headers.get("Idempotency-Key", ""))):
        # A key names one request: clients never reuse one for another body (that is refused,
        # see test_idempotency), so each generated request gets its own.
        headers = {**headers, "Idempotency-Key": uuid.uuid4().hex}
    SENT[f"{case.operation.method.upper()} {case.operation.path}"] += 1
    case.call_and_validate(headers=headers)
