"""Apply the schema: alembic revisions shipped inside the package, and check a database has them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

from skillsprogram.errors import ConfigurationError
from skillsprogram.storage.db import normalise_database_url

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE = "run `skillsprogram db upgrade`"


class DatabaseNotReady(ConfigurationError):
    """The database does not exist, cannot be opened or is not at this version's revision."""

    code = "database-not-ready"


def alembic_config(url: str) -> Config:
    """An alembic configuration for the packaged migrations against ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``."""
    with _reaching(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``base`` removes everything)."""
    require_existing(url)
    with _reaching(url):
        command.downgrade(alembic_config(url), revision)


def set_up(url: str, revision: str = "head", *, reset: bool = False) -> None:
    """Bring the database at ``url`` to ``revision``; when ``reset``, empty it first.

    A SQLite file is created, folder and all, where PostgreSQL's database must exist
    already; a SQLite file not made yet is empty without a downgrade.
    """
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if reset and (path is None or path.exists()):
        downgrade(url, "base")
    upgrade(url, revision)


def head() -> str:
    """The revision this version of the package needs."""
    found = _scripts().get_current_head()
    assert found is not None, "the package ships no migrations"
    return found


def known_revisions() -> set[str]:
    """Every revision this version of the package ships."""
    return {revision.revision for revision in _scripts().walk_revisions()}


def current(url: str) -> str | None:
    """The revision the database is at (``None`` for an empty database)."""
    with _connection(url) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def shown(url: str) -> str:
    """``url`` as it may be printed: no password, and a SQLite file by its absolute path."""
    parsed = make_url(normalise_database_url(url))
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///{path.resolve().as_posix()}"
    return parsed.render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (``None`` for other databases and in-memory SQLite)."""
    parsed = make_url(normalise_database_url(url))
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def require_existing(url: str) -> None:
    """Refuse a SQLite file that does not exist, before anything would create it."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseNotReady(
            f"the database {shown(url)} does not exist: {UPGRADE} to create it "
            "(or run from the directory that holds .skillsprogram/, or set SKILLSPROGRAM_HOME "
            "or DATABASE_URL to the deployment's)"
        )


def require_current(url: str) -> None:
    """Refuse, with one line saying what to do, unless the database exists and is at :func:`head`.

    Creates nothing: a SQLite file that does not exist is not opened.
    """
    require_existing(url)
    revision = current(url)
    needed = head()
    if revision is None:
        raise DatabaseNotReady(f"the database {shown(url)} is not set up: {UPGRADE}")
    if revision == needed:
        return
    if revision not in known_revisions():
        raise DatabaseNotReady(_unknown(url, revision, needed))
    raise DatabaseNotReady(
        f"the database {shown(url)} is at revision {revision}, this version needs {needed}: {UPGRADE}"
    )


def holds_programmes(url: str) -> bool:
    """Whether the database holds a started programme (and so personal data under its secret)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return False
    with _connection(url) as conn:
        if not inspect(conn).has_table("programme"):
            return False
        return conn.execute(text("select 1 from programme limit 1")).first() is not None


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def _unknown(url: str, revision: str, needed: str) -> str:
    return (
        f"the database {shown(url)} is at revision {revision}, which this version of skillsprogram "
        f"does not know (it needs {needed}): use the version that upgraded it"
    )


@contextmanager
def _connection(url: str) -> Iterator[Connection]:
    engine = create_engine(normalise_database_url(url))
    try:
        with _reaching(url), engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@contextmanager
def _reaching(url: str) -> Iterator[None]:
    """Turn a database that cannot be opened into one clear line."""
    try:
        yield
    except DBAPIError as exc:
        if not _is_connect_error(exc):
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseNotReady(f"cannot open the database {shown(url)}: {reason}") from None


def _is_connect_error(exc: DBAPIError) -> bool:
    """A failure to open the database at all (rather than a failing statement)."""
    return exc.statement is None or "file is not a database" in str(exc.orig)


def pending(engine: Engine) -> str | None:
    """Why the database behind ``engine`` cannot serve yet (unreachable, or its schema not at
    the packaged head revision), or ``None`` when it can."""
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    except OperationalError as error:
        return f"the database is unreachable ({type(error.orig).__name__})"
    needed = head()
    if revision != needed:
        return f"the database schema is at {revision or 'no revision'}, not at the latest revision {needed}"
    return None
