"""Property-based conformance of the whole API to its OpenAPI document (schemathesis).

Every operation gets at least 100 generated requests against the app on SQLite, sent
with credentials of a role the operation admits; the checks prove that no request
causes a server error, that every status code, content type, header and body is the
documented one, that invalid input is refused, and that no route ignores its
authentication.

The stateful run follows the document's OpenAPI links on SQLite and PostgreSQL, each
step made by a role the operation admits, and adds one check of the project's own:
access ends at revocation.
"""

from __future__ import annotations

import atexit
import os
import sqlite3
import tempfile
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import Bundle, initialize
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful.state_machine import StepInput
from sqlalchemy import Engine, text

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
from tests.api.conftest import SECRET, Credentials, api_settings
from tests.api.helpers import registration as registration_body
from tests.api.helpers import to_vouchers
from tests.api.test_authorisation import _admitted
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
            if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
                return {}  # the generated key (absent or mangled) is the invalid part: keep it
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


# --- Stateful: the API's workflows, followed through its OpenAPI links, by every role -------

#: Scenarios per database (``SKILLSPROGRAM_SCHEMATHESIS_SCENARIOS``) and the most steps in each.
SCENARIOS = int(os.environ.get("SKILLSPROGRAM_SCHEMATHESIS_SCENARIOS", "40"))
STEPS = 12
ROLES = ("applicant", "officer", "auditor", "admin", "platform", "provider")


class World:
    """The programme as seeded, restored before every scenario.

    Each scenario then meets the same programme, so what the API answers depends only on
    the scenario's own steps: Hypothesis can replay and shrink a failing one, and one
    scenario's revocation or closed wave does not starve the next of data. SQLite is
    restored with its backup API; PostgreSQL from copies of the tables in a schema of
    their own, in one transaction with foreign-key triggers off while the rows go back.
    """

    SCHEMA = "seeded"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        if engine.dialect.name == "sqlite":
            self.copy = sqlite3.connect(":memory:")
            self._backup(into_live=False)
            return
        with engine.begin() as conn:
            tables = list(
                conn.execute(text("select tablename from pg_tables where schemaname = 'public'")).scalars()
            )
            sequences = conn.execute(
                text("select sequencename, last_value from pg_sequences where schemaname = 'public'")
            ).all()
            conn.execute(text(f"drop schema if exists {self.SCHEMA} cascade; create schema {self.SCHEMA}"))
            for table in tables:
                conn.execute(text(f'create table {self.SCHEMA}."{table}" as table public."{table}"'))
        self.script = "; ".join(
            [
                "set local session_replication_role = replica",
                *(
                    f'delete from public."{t}"; insert into public."{t}" select * from {self.SCHEMA}."{t}"'
                    for t in tables
                ),
                *(
                    f"select setval('public.\"{name}\"', {value or 1}, {value is not None})"
                    for name, value in sequences
                ),
            ]
        )

    def _backup(self, into_live: bool) -> None:
        raw = self.engine.raw_connection()
        try:
            live = raw.driver_connection
            assert isinstance(live, sqlite3.Connection)
            if into_live:
                self.copy.backup(live)
            else:
                live.backup(self.copy)
        finally:
            raw.close()

    def restore(self) -> None:
        """Put the programme back as it was seeded."""
        if self.engine.dialect.name == "sqlite":
            self._backup(into_live=True)
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql(self.script)

    def close(self) -> None:
        """Drop the copies."""
        if self.engine.dialect.name != "sqlite":
            with self.engine.begin() as conn:
                conn.execute(text(f"drop schema {self.SCHEMA} cascade"))


@dataclass
class Principals:
    """Who calls each step: a role the operation admits, with its credentials.

    The role is a function of the operation and the step's place in its scenario, so each
    scenario mixes roles and replays alike. An applicant acts with the token their
    registration returned; on an application the scenario did not register, with a seeded
    beneficiary's token (so a stranger's record must answer 404). Schema-valid registrations
    carry a fresh valid person, and two in three other schema-valid requests are steered to
    the programme's real data (a beneficiary holding a voucher, a published course), so that
    scenarios reach purchases, redemptions and completions instead of stopping at 422 and 404.
    """

    headers: dict[str, dict[str, str]]
    beneficiaries: dict[str, dict[str, str]]
    courses: list[str]
    steps: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    applicants: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    step: int = 0
    role: str = "public"

    def new_scenario(self) -> None:
        """Forget the previous scenario (the world was restored)."""
        self.steps["scenarios"] += 1
        self.applicants = {}
        self.refresh_tokens = {}
        self.revoked = set()
        self.step = 0

    def role_for(self, case: Any) -> str:
        """The role that makes this call (``public`` for operations without security)."""
        operation = case.operation
        self.step += 1
        admitted = sorted(
            _admitted(operation.definition.raw, operation.path, operation.method.upper()) & set(ROLES)
        )
        if not admitted:
            return "public"
        return admitted[(self.step + zlib.crc32(operation.label.encode())) % len(admitted)]

    def steer(self, case: Any, role: str) -> None:
        """Point schema-valid requests at real data (see the class docstring)."""
        if case.meta is None or case.meta.generation.mode.is_negative:
            return
        label = case.operation.label
        if label == "POST /v1/registrations":
            case.body = registration_body(1_000 + self.step)
        if self.step % 3 == 0:
            return
        parameters = case.path_parameters or {}
        if role == "applicant" and parameters.get("application_id") not in self.applicants:
            parameters["application_id"] = list(self.beneficiaries)[self.step // 2 % len(self.beneficiaries)]
        if label == "POST /v1/applications/{application_id}/purchases" and isinstance(case.body, dict):
            case.body["course_id"] = self.courses[self.step // 2 % len(self.courses)]

    def credentials(self, case: Any, role: str) -> dict[str, str]:
        """The headers of ``role`` for this call."""
        if role == "applicant":
            application = (case.path_parameters or {}).get("application_id")
            known = {**self.beneficiaries, **self.applicants}
            return known.get(application, next(iter(self.beneficiaries.values())))
        return self.headers.get(role, {})

    def learn(self, case: Any, response: Any) -> None:
        """Keep the tokens of every applicant the scenario registers, and who it revoked."""
        label = case.operation.label
        if label == "POST /v1/registrations" and response.status_code == 201:
            body = response.json()
            self.applicants[body["application_id"]] = {"Authorization": f"Bearer {body['access_token']}"}
            self.refresh_tokens[body["refresh_token"]] = body["application_id"]
        if label == "POST /v1/applications/{application_id}/revocation" and response.status_code == 200:
            self.revoked.add(str((case.path_parameters or {}).get("application_id")))

    def access_ends_at_revocation(self, ctx: Any, response: Any, case: Any) -> bool | None:
        """A check: once revoked in the scenario, an application's access and refresh tokens
        get 401, whatever the route."""
        if self.role == "applicant":
            application = str((case.path_parameters or {}).get("application_id"))
        elif case.operation.label == "POST /v1/auth/token" and isinstance(case.body, dict):
            application = self.refresh_tokens.get(str(case.body.get("refresh_token")), "")
        else:
            return None
        if application not in self.revoked:
            return None
        self.steps["calls with a revoked application's token"] += 1
        if (response.status_code, _problem_code(response)) in UNREADABLE:
            # A request the framework cannot even read (a body that is not JSON, an
            # Idempotency-Key that is not one) is refused before anyone is authenticated, as
            # for every caller; it reveals nothing.
            return True
        if response.status_code != 401:
            raise AssertionError(
                f"the revoked application {application}'s token got {response.status_code}, not 401"
            )
        return True


#: Refusals of a request that cannot be read at all, made before authentication.
UNREADABLE = {(422, "invalid-request"), (400, "invalid-idempotency-key")}


def _problem_code(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _principals(ctx: ProgrammeContext, client: TestClient, creds: Credentials) -> Principals:
    """Two beneficiaries holding vouchers from wave 1, wave 2 open, and one caller of each role."""
    beneficiaries = dict(to_vouchers(client, ctx, creds, 2))
    with ctx.transaction() as uow:
        waves.open_wave(uow, ctx)
    return Principals(
        headers={
            "officer": creds.officer,
            "auditor": creds.auditor,
            "admin": creds.admin,
            "provider": creds.provider,
            "platform": creds.platform,
        },
        beneficiaries=beneficiaries,
        courses=[c["id"] for c in client.get("/v1/courses", params={"limit": 200}).json()["items"]],
    )


def test_every_role_follows_the_api_s_links_without_breaking_its_contract(
    ctx: ProgrammeContext, client: TestClient, creds: Credentials, request: pytest.FixtureRequest
) -> None:
    principals = _principals(ctx, client, creds)
    world = World(ctx.engine)
    request.addfinalizer(world.close)
    app = create_app(api_settings(registration_limit=1_000_000), context=ctx)
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Follow the document's own links only, so the run proves them (inference would add its guesses).
    loaded.config.phases.stateful.inference.algorithms = []
    accepted = loaded.config.checks.positive_data_acceptance
    accepted.expected_statuses = [*accepted.expected_statuses, "422"]

    machine = loaded.as_state_machine()
    registrations = loaded["/v1/registrations"]["POST"]

    class Workflow(machine):  # type: ignore[misc,valid-type]
        @initialize(target=Bundle("catch_all"), case=registrations.as_strategy())
        def register(self, case: Any) -> Any:
            """Every scenario starts with someone registering, so that the links from a
            registration (the applicant's own routes, the officers' revocation) lead somewhere."""
            # A registration is never one of the scenario roots schemathesis picks itself
            # (its inputs come from no other operation), so it is started as a root would be.
            step = StepInput.initial(case)
            self.recorder.record_case(case=case)
            self.control.record_step(step, self.recorder)
            return self._step(step)

        def setup(self) -> None:
            world.restore()
            principals.new_scenario()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            role = principals.role = principals.role_for(case)
            principals.steer(case, role)
            principals.steps[role] += 1
            headers = dict(principals.credentials(case, role))
            if case.headers and KEY_PATTERN.match(str(case.headers.get("Idempotency-Key", ""))):
                headers["Idempotency-Key"] = f"stateful-{principals.step}"
            return {"headers": headers}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            principals.learn(case, response)
            principals.answers[f"{response.status_code // 100}xx"] += 1
            principals.answers[f"{case.operation.label} {response.status_code}"] += 1

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            kwargs.pop("additional_checks", None)
            super().validate_response(
                response, case, additional_checks=[principals.access_ends_at_revocation], **kwargs
            )

    Workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )
    request.config.cache.set(
        f"skillsprogram/schemathesis-stateful/{ctx.engine.dialect.name}",
        {"steps": dict(principals.steps), "answers": dict(principals.answers)},
    )
    assert principals.steps["scenarios"] >= SCENARIOS
    assert all(principals.steps[role] > 0 for role in ROLES), principals.steps
    # The revocation check was put to the test, not skipped for want of a revocation.
    assert principals.steps["calls with a revoked application's token"] > 0, principals.steps
