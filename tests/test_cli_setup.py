"""What a newcomer meets before the first wave: a database that is not set up, a missing
secret, help texts, and ids copied from one command into the next."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from skillsprogram.bootstrap import country_config
from skillsprogram.cli.main import app
from skillsprogram.settings import normalise_database_url
from skillsprogram.storage import migrate

PROGRAMME = "prakerja-2023"
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")

#: Every kind of command that needs a set-up database.
NEEDS_A_DATABASE = [
    ["run", "open-wave", "-p", PROGRAMME],
    ["run", "report", "-p", PROGRAMME],
    ["run", "settle-providers", "-p", PROGRAMME],
    ["payouts", "run", "-p", PROGRAMME],
    ["payouts", "reviews", "-p", PROGRAMME],
    ["ledger", "verify", "-p", PROGRAMME],
    ["clients", "list", "-p", PROGRAMME],
    ["serve", "-p", PROGRAMME],
    ["db", "downgrade", "base"],
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty deployment home, the embedded database's folder, with no secret set."""
    home = tmp_path / "home"
    monkeypatch.setenv("SKILLSPROGRAM_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SKILLSPROGRAM_SECRET_KEY", raising=False)
    return home


def invoke(*args: str, columns: int = 80) -> Result:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": str(columns)})


def assert_refused(result: Result, *phrases: str) -> None:
    """One line naming what to do, exit 2, and no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1, result.output
    for phrase in phrases:
        assert phrase in result.output


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*")) if folder.exists() else []


@pytest.mark.parametrize("command", NEEDS_A_DATABASE, ids=lambda c: " ".join(c[:2]))
def test_a_command_on_a_database_never_upgraded_says_run_db_upgrade_and_creates_nothing(
    home: Path, command: list[str]
) -> None:
    result = invoke(*command)
    assert_refused(result, "does not exist", "skillsprogram db upgrade", str(home / "skillsprogram.db"))
    assert files_under(home) == []


def test_start_on_a_database_never_upgraded_creates_no_key_and_no_database(home: Path) -> None:
    result = invoke("run", "start", "--config", str(country_config("indonesia")), columns=200)
    assert_refused(result, "skillsprogram db upgrade")
    assert files_under(home) == []


def test_a_command_run_from_another_directory_names_the_database_it_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.delenv("SKILLSPROGRAM_HOME")
    deployment, elsewhere = tmp_path / "deployment", tmp_path / "elsewhere"
    deployment.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(deployment)
    assert invoke("db", "upgrade").exit_code == 0
    assert invoke("run", "start", "--config", str(country_config("indonesia"))).exit_code == 0
    monkeypatch.chdir(elsewhere)
    result = invoke("run", "open-wave", "-p", PROGRAMME, columns=200)
    assert_refused(result, str(elsewhere / ".skillsprogram" / "skillsprogram.db"), "db upgrade")
    assert files_under(elsewhere) == []
    monkeypatch.chdir(deployment)
    assert invoke("run", "open-wave", "-p", PROGRAMME).exit_code == 0


def test_a_database_without_the_schema_says_it_is_not_set_up(empty_database: str, home: Path) -> None:
    migrate.upgrade(empty_database, "0001")
    migrate.downgrade(empty_database, "base")
    result = invoke("run", "open-wave", "-p", PROGRAMME, "--database-url", empty_database)
    assert_refused(result, "is not set up: run `skillsprogram db upgrade`")


def test_a_database_at_an_old_revision_names_both_revisions(empty_database: str, home: Path) -> None:
    migrate.upgrade(empty_database, "0003_money")
    result = invoke("ledger", "verify", "-p", PROGRAMME, "--database-url", empty_database)
    assert_refused(result, f"is at revision 0003_money, this version needs {migrate.head()}", "db upgrade")
    assert invoke("db", "upgrade", "--database-url", empty_database).exit_code == 0
    assert migrate.current(empty_database) == migrate.head()


def test_a_database_from_a_newer_version_is_not_upgraded_over(empty_database: str, home: Path) -> None:
    migrate.upgrade(empty_database)
    engine = create_engine(normalise_database_url(empty_database))
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '0099_from_the_future'"))
    engine.dispose()
    result = invoke("run", "report", "-p", PROGRAMME, "--database-url", empty_database)
    assert_refused(result, "0099_from_the_future", "does not know")


def test_a_database_that_cannot_be_opened_is_one_line(home: Path, postgres: object) -> None:
    from tests.conftest import POSTGRES_ADMIN_URL

    missing = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/no_such_database_here"
    assert_refused(invoke("run", "report", "-p", PROGRAMME, "--database-url", missing), "cannot open")
    garbage = home.parent / "not-a-database.db"
    garbage.write_text("these are notes, not a database\n" * 100)
    assert_refused(
        invoke("run", "report", "-p", PROGRAMME, "--database-url", f"sqlite:///{garbage}"), "cannot open"
    )


@pytest.fixture
def started(home: Path) -> Iterator[Path]:
    """A deployment set up by ``db upgrade`` with a started programme; yields its key file."""
    assert invoke("db", "upgrade").exit_code == 0
    key = home / "secret.key"
    assert key.exists()
    started = invoke("run", "start", "--config", str(country_config("indonesia")))
    assert started.exit_code == 0, started.output
    yield key


def test_a_missing_key_file_over_existing_data_is_refused_and_not_replaced(started: Path, home: Path) -> None:
    started.unlink()
    for command in (
        ["run", "open-wave", "-p", PROGRAMME],
        ["db", "upgrade"],
        ["demo", "--country", "indonesia", "--database-url", f"sqlite:///{home / 'skillsprogram.db'}"],
    ):
        result = invoke(*command)
        assert_refused(result, "secret-missing", str(started), "SKILLSPROGRAM_SECRET_KEY", "unreadable")
        assert not started.exists()


def test_a_missing_key_file_on_an_empty_database_says_how_to_create_it(home: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    (home / "secret.key").unlink()
    assert_refused(invoke("run", "open-wave", "-p", PROGRAMME), "db upgrade", "to create it")
    assert not (home / "secret.key").exists()
    upgraded = invoke("db", "upgrade")
    assert upgraded.exit_code == 0 and "personal-data key created" in upgraded.output
    assert (home / "secret.key").exists()


def test_db_upgrade_says_where_the_database_is_and_creates_the_key_once(home: Path) -> None:
    first = invoke("db", "upgrade", columns=200)
    assert first.exit_code == 0
    assert str(home / "skillsprogram.db") in first.output and migrate.head() in first.output
    assert "personal-data key created" in first.output
    key = (home / "secret.key").read_text()
    again = invoke("db", "upgrade")
    assert again.exit_code == 0 and "personal-data key created" not in again.output
    assert (home / "secret.key").read_text() == key


def test_an_id_copied_from_clients_list_revokes_that_client(started: Path) -> None:
    created = invoke("clients", "create", "-p", PROGRAMME, "--role", "officer", "--name", "Duty officer")
    assert created.exit_code == 0, created.output
    issued = UUID.search(created.output)
    assert issued is not None
    listed = invoke("clients", "list", "-p", PROGRAMME)  # an 80-column terminal
    assert listed.exit_code == 0
    copied = UUID.findall(listed.output)
    assert copied == [issued.group()]
    revoked = invoke("clients", "revoke", "-p", PROGRAMME, copied[0])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    row = next(
        line for line in invoke("clients", "list", "-p", PROGRAMME).output.splitlines() if copied[0] in line
    )
    assert "Duty officer" in row and row.rstrip().endswith("+00:00")


def test_revoking_something_that_is_not_a_client_id_is_one_line(started: Path) -> None:
    cut = "0190a1b2-c3d4-7e5f…"
    assert_refused(invoke("clients", "revoke", "-p", PROGRAMME, cut), "invalid-id", "is not a client id")


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group of the tree, with the words that invoke it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _flat(text: str) -> str:
    """Help output without its box drawing and line breaks."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _help_texts(command: Any) -> list[str]:
    texts = [command.help or "", command.short_help or ""]
    texts += [getattr(param, "help", None) or "" for param in command.params]
    return [t for t in texts if t]


def test_every_help_text_shows_its_brackets(home: Path) -> None:
    checked = 0
    for path, command in _commands(typer.main.get_command(app)):
        shown = _flat(invoke(*path, "--help", columns=400).output)
        for source in _help_texts(command):
            for bracketed in re.findall(r"\[[^\]\n]*\]", source.replace("\\[", "[")):
                checked += 1
                assert _flat(bracketed) in shown, (path, bracketed)
    assert checked >= 1  # run settle-providers names its [provider_settlement] table
