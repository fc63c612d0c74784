"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL is reached through ``SKILLSPROGRAM_TEST_POSTGRES_URL`` (default: the
local server with trust authentication). Each test session creates its own
databases there, named with a prefix unique to the run (process id and a random
part), so two suites can share one server, and drops them at the end. With
``SKILLSPROGRAM_TEST_REQUIRE_POSTGRES=1`` (as CI sets it) an unreachable server
fails the run instead of skipping the PostgreSQL half.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

# pytest-xdist starts its workers with COLUMNS=80 and LINES=24 set: the command line's rich
# console, made at import, would keep that width for good, whatever width a test's CliRunner
# asks for. A worker starts as a plain run does, with neither.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)

from sqlalchemy import Engine, create_engine, text

from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig, load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import catalogue, programmes, waves
from skillsprogram.settings import normalise_database_url
from skillsprogram.storage import migrate
from skillsprogram.storage.db import make_engine

POSTGRES_ADMIN_URL = os.environ.get(
    "SKILLSPROGRAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SKILLSPROGRAM_TEST_REQUIRE_POSTGRES", "") == "1"
BACKENDS = [b for b in os.environ.get("SKILLSPROGRAM_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
TESTLAND = Path(__file__).parent / "support" / "testland.toml"
START = datetime(2025, 1, 6, tzinfo=UTC)


def run_prefix() -> str:
    """A database-name prefix unique to this process's run: ``sp<pid>_<random>``."""
    return f"sp{os.getpid()}_{secrets.token_hex(4)}"


RUN_PREFIX = run_prefix()


def pytest_report_header() -> str:
    """Say which databases on the PostgreSQL server are this run's."""
    return f"PostgreSQL test databases of this run: {RUN_PREFIX}_*"


class PostgresServer:
    """Creates throw-away databases on the test PostgreSQL server, all named after one run."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(normalise_database_url(admin_url), isolation_level="AUTOCOMMIT")
        self.prefix = RUN_PREFIX
        self.created: list[str] = []

    def available(self) -> str | None:
        """``None`` when reachable, else why not."""
        try:
            with self.admin.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as exc:
            return f"PostgreSQL at {self.admin.url.render_as_string()} unreachable: {exc}"
        return None

    def create(self, purpose: str) -> str:
        """A new empty database named after the run and ``purpose``; returns its URL."""
        name = f"{self.prefix}_{purpose}_{len(self.created) + 1}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.admin.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        """Drop every database this run created (and only those)."""
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The PostgreSQL server, or a skip (a failure when it is required)."""
    server = PostgresServer(POSTGRES_ADMIN_URL)
    problem = server.available()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(problem)
        pytest.skip(problem)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def postgres_migrated(postgres: PostgresServer) -> str:
    """A PostgreSQL database at the head revision, shared by the session's tests."""
    url = postgres.create("test")
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the head revision, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _truncate(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "select tablename from pg_tables"
                    " where schemaname = 'public' and tablename != 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
    engine.dispose()


@pytest.fixture(autouse=True)
def deployment_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test has its own ``SKILLSPROGRAM_HOME``: nothing is written under the checkout."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SKILLSPROGRAM_HOME", str(home))
    return home


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the head revision: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_migrated")
    _truncate(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A brand-new database of each kind, with no schema (a SQLite file not yet created)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create("empty")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def vault() -> PersonalDataVault:
    """A vault with a fixed test secret."""
    return PersonalDataVault("test-secret-that-is-long-enough")


@pytest.fixture
def clock() -> FixedClock:
    """A clock at Monday 6 January 2025, 00:00 UTC."""
    return FixedClock(START)


@pytest.fixture
def config() -> ProgrammeConfig:
    """Testland's programme configuration."""
    return load_config(TESTLAND)


@pytest.fixture
def ctx(
    engine: Engine, vault: PersonalDataVault, clock: FixedClock, config: ProgrammeConfig
) -> ProgrammeContext:
    """A started Testland programme with regions, catalogue and wave 1 open."""
    return start_testland(
        ProgrammeContext(config=config, engine=engine, vault=vault, clock=clock, actor="test")
    )


def start_testland(context: ProgrammeContext) -> ProgrammeContext:
    """Start ``context``'s programme, with regions, catalogue and wave 1 open."""
    with context.transaction() as uow:
        programmes.start_programme(uow, context)
        catalogue.sync_regions(uow, context)
        catalogue.add_courses(
            uow, context, context.hook.skillsprogram_demo_catalogue(programme=context.config)
        )
        waves.open_wave(uow, context)
    return context
