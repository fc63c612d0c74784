"""Wave-sized inserts without per-row SQL compilation.

SQLAlchemy's ``executemany`` renders and binds every row through its compiler; at a
few hundred thousand rows per wave that, and psycopg's per-row pipeline messages,
cost more than the database's own work. Here each value goes through its column
type's bind processor exactly as SQLAlchemy would store it, and the rows then go
to the driver in one call: PostgreSQL's ``COPY ... FROM STDIN``, and SQLite's
``executemany`` of plain tuples. Stored values are identical either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError

from skillsprogram.storage.db import refuse_unstorable_text

Processor = Callable[[Any], Any] | None


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (mappings with the same keys) into ``table`` in one driver call.

    Columns left out get their server-side default (an identity, ``now()``...).
    A left-out column with a Python-side default is filled by SQLAlchemy instead,
    through an ordinary ``executemany``, as are the rows of a driver that binds
    other than with ``?`` (only SQLite's and PostgreSQL's take the short way).
    Driver errors come back as SQLAlchemy's (``IntegrityError`` for a broken
    constraint), like any other statement's.
    """
    if not rows:
        return
    names = list(rows[0])
    dialect = connection.dialect
    left_out_defaults = any(_filled_by_sqlalchemy(c) for c in table.columns if c.name not in names)
    if left_out_defaults or (dialect.name != "postgresql" and dialect.paramstyle != "qmark"):
        connection.execute(table.insert(), list(rows))
        return
    processors = [_remembering(_bind_processor(table.c[name], dialect)) for name in names]
    pairs = list(zip(names, processors, strict=True))
    values = [
        tuple([row[name] if process is None else process(row[name]) for name, process in pairs])
        for row in rows
    ]
    preparer = dialect.identifier_preparer
    target = preparer.format_table(table)
    column_list = ", ".join(preparer.quote(name) for name in names)
    if dialect.name == "postgresql":
        _copy(connection, f"COPY {target} ({column_list}) FROM STDIN", values)
        return
    marks = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f"INSERT INTO {target} ({column_list}) VALUES ({marks})", values)


def _filled_by_sqlalchemy(column: Column[Any]) -> bool:
    return column.default is not None and column.server_default is None


def _bind_processor(column: Column[Any], dialect: Dialect) -> Processor:
    processor: Processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _remembering(process: Processor) -> Processor:
    """``process``, reusing its last result while a column repeats the very same object
    (a batch's one timestamp, its programme id: every audit row of a step shares them)."""
    if process is None:
        return None
    last_value: Any = _NOTHING
    last_result: Any = None

    def remembered(value: Any) -> Any:
        nonlocal last_value, last_result
        if value is not last_value:
            last_result = process(value)
            last_value = value
        return last_result

    return remembered


_NOTHING = object()


def _copy(connection: Connection, statement: str, values: list[tuple[Any, ...]]) -> None:
    """Stream ``values`` through ``COPY ... FROM STDIN`` on the connection's transaction."""
    driver_connection = connection.connection.driver_connection
    assert driver_connection is not None
    driver_error = connection.dialect.loaded_dbapi.Error
    refuse_unstorable_text(values)  # COPY bypasses the engine's own check
    try:
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except driver_error as error:
        raise DBAPIError.instance(statement, None, error, driver_error) from error
