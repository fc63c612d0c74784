"""Engines for the embedded SQLite file and for PostgreSQL (psycopg 3)."""

from __future__ import annotations

import json
import sys
from typing import Any

from sqlalchemy import Engine, create_engine, event

from skillsprogram.settings import normalise_database_url


def load_json(text: str | bytes) -> Any:
    """Decode a JSON column, sharing one string object for every key and short value.

    Wave-wide steps hold a decoded ``attributes`` document for each of hundreds of
    thousands of applicants, all with the same few keys and flags ("never_trained",
    "ID"): shared strings make each document a third of its plain size.
    """
    return json.loads(text, object_pairs_hook=_shared_strings)


def _shared_strings(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        sys.intern(key): sys.intern(value) if isinstance(value, str) and len(value) <= 16 else value
        for key, value in pairs
    }


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine tuned for the database behind ``url``.

    SQLite runs in WAL mode with foreign keys on, and every transaction starts
    with ``BEGIN IMMEDIATE``: the single writer is taken up front, so two
    concurrent voucher spends queue instead of failing to upgrade their locks.
    """
    url = normalise_database_url(url)
    kwargs.setdefault("json_deserializer", load_json)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-16384")  # 16 MiB per connection: wave-sized steps revisit indexes
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"
