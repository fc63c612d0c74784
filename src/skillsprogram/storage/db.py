"""Engines for the embedded SQLite file and for PostgreSQL (psycopg 3)."""

from __future__ import annotations

import json
import sys
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from skillsprogram.errors import ValidationFailed
from skillsprogram.text import unstorable_character

#: Driver names that mean PostgreSQL without naming a driver (SQLAlchemy would pick psycopg2).
_BARE_POSTGRES = ("postgresql", "postgres")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` and ``postgres://`` URLs; any other URL (and a
    string that is no URL, for the engine to refuse) is returned as it is.

    The URL is parsed by SQLAlchemy (:func:`~sqlalchemy.engine.make_url`), so a password
    holding ``@``, ``:``, ``/`` or ``%`` (percent-encoded, as a URL needs) comes out as it
    went in.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.drivername not in _BARE_POSTGRES:
        return url
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


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

    Bound values never appear in the engine's error messages (``hide_parameters``): they
    hold names, national ids and complaints, and error messages end up in logs. Text no
    database can store is refused with :func:`refuse_unstorable_text` before it is sent.
    """
    url = normalise_database_url(url)
    kwargs.setdefault("json_deserializer", load_json)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _tune_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_unstorable_parameters)
    return engine


_SIDE_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def side_engine(engine: Engine) -> Engine:
    """An engine on ``engine``'s database whose connections come from outside its pool.

    A transaction that must commit something of its own while the caller's transaction is
    open (a shared record made on first use) needs a second connection. Taken from the
    caller's pool, sixteen busy requests each waiting for a second connection would hold
    every connection of a pool of sixteen and wait for one another until the pool's
    timeout. A connection of its own (opened, used and closed: ``NullPool``) cannot be
    held up by the pool.
    """
    side = _SIDE_ENGINES.get(engine)
    if side is None:
        side = make_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
        _SIDE_ENGINES[engine] = side
    return side


def refuse_unstorable_text(values: Any) -> None:
    """Raise :class:`~skillsprogram.errors.ValidationFailed` (``unstorable-text``) when any
    string among ``values`` (a row, a mapping, a list of rows, nested) holds a NUL or a lone
    surrogate.

    PostgreSQL refuses NUL in text where SQLite would store it, and no driver encodes a lone
    surrogate, so without this guard the same service call would be stored on one database
    and fail with a driver error on the other. The refusal never quotes the value.
    """
    found = unstorable_character("".join(_strings(values)))
    if found is not None:
        raise ValidationFailed(
            f"text may not hold the character {found} (NUL or half of a surrogate pair)",
            code="unstorable-text",
            character=found,
        )


def _strings(values: Any) -> list[str]:
    """Every string among ``values``, at any depth of mappings, lists and tuples (a loop
    over levels rather than recursion: a wave-sized insert is 100,000 rows)."""
    strings: list[str] = []
    level: list[Any] = [values]
    while level:
        nested: list[Any] = []
        for container in level:
            if type(container) is str:
                strings.append(container)
                continue
            items: Iterable[Any]
            if isinstance(container, Mapping):
                items = container.values()
            elif type(container) is tuple or type(container) is list:
                items = container
            else:
                continue
            for value in items:
                kind = type(value)
                if kind is str:
                    strings.append(value)
                elif kind is tuple or kind is list or kind is dict:
                    nested.append(value)
        level = nested
    return strings


def _refuse_unstorable_parameters(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _executemany: bool
) -> None:
    refuse_unstorable_text(parameters)


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
