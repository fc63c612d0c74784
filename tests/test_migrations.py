"""The schema comes only from the packaged alembic revisions, and they match the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import skillsprogram.domain.models  # noqa: F401  (registers the tables)
from skillsprogram.settings import normalise_database_url
from skillsprogram.storage import migrate


def _tables(url: str) -> set[str]:
    engine = create_engine(normalise_database_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_have_a_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_every_revision_has_a_downgrade() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    for revision in script.walk_revisions():
        source = Path(revision.path).read_text()
        assert "def downgrade()" in source and "    pass\n" not in source.split("def downgrade()")[1]


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == set(SQLModel.metadata.tables)
    migrate.downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    migrate.upgrade(empty_database)
    assert _tables(empty_database) == set(SQLModel.metadata.tables)


def test_models_and_migrations_agree(empty_database: str) -> None:
    migrate.upgrade(empty_database)
    engine = create_engine(normalise_database_url(empty_database))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_step_by_step_upgrade_and_downgrade_round_trip(empty_database: str) -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(empty_database))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        migrate.upgrade(empty_database, revision)
        assert migrate.current(empty_database) == revision
    for revision in reversed(revisions):
        migrate.downgrade(empty_database, f"{revision}-1" if revision != revisions[0] else "base")
    assert migrate.current(empty_database) is None
