"""Log lines of the API: one JSON object a line, with no personal text in any of them.

Names, national ids, phone numbers and complaints reach a log in three ways: in the
message of an exception (a driver error quotes its SQL parameters, a parser quotes the
value it could not read), in the arguments of a log call, and in a URL's query string
(uvicorn's access log). :class:`Redaction` closes all three on every record of the
loggers it is installed on, before any handler (a file, a collector, pytest's capture)
sees it: exceptions keep their type and their frames but lose their messages, arguments
that are exceptions become their type's name, ``[parameters: ...]`` blocks, query strings,
long digit runs and e-mail addresses are masked. The engine itself is built with
``hide_parameters`` (:func:`skillsprogram.storage.db.make_engine`).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

#: The loggers the API and its server write to.
LOGGERS = (
    "skillsprogram",
    "skillsprogram.api.problems",
    "skillsprogram.hooks",
    "skillsprogram.notifications",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
)

_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background|\n|$))", re.DOTALL)
_QUERY = re.compile(r"\?[^\s\"'?]*=[^\s\"']*")
_LONG_NUMBER = re.compile(r"(?<!\w)\+?\d{6,}(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def redact(text: str) -> str:
    """``text`` with SQL parameters, query strings, long numbers and e-mail addresses masked."""
    text = _PARAMETERS.sub("[parameters hidden]", text)
    text = _QUERY.sub("?[query hidden]", text)
    text = _EMAIL.sub("[e-mail hidden]", text)
    return _LONG_NUMBER.sub("[number hidden]", text)


def frames(error: BaseException) -> str:
    """A traceback of ``error`` and its causes with types, files, lines and functions, and
    none of the messages (they may quote personal values)."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.extract_tb(current.__traceback__)
        parts.append(
            "\n".join(f'  File "{f.filename}", line {f.lineno}, in {f.name}' for f in stack)
            + f"\n{type(current).__module__}.{type(current).__qualname__}"
        )
        current = current.__cause__ or current.__context__
    return "\n(caused by)\n".join(reversed(parts))


class Redaction(logging.Filter):
    """Takes personal text out of every record (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_shown(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _shown(v) for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = frames(record.exc_info[1])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _shown(arg: Any) -> Any:
    if isinstance(arg, BaseException):
        return type(arg).__name__
    return arg


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message and, for errors, the
    frames of the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            line["traceback"] = frames(record.exc_info[1])
        elif record.exc_text:
            line["traceback"] = record.exc_text
        for key in ("method", "route", "status", "error"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        return json.dumps(line, ensure_ascii=False)


_REDACTION = Redaction()


def install_redaction() -> None:
    """Put the redaction filter on every logger the API and its server write to (once):
    whatever handlers a government's own stack attaches then receive clean records."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, Redaction) for f in logger.filters):
            logger.addFilter(_REDACTION)


def log_config(level: str = "info") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for ``skillsprogram serve`` (uvicorn's
    ``log_config``): JSON lines on standard error, redacted, from the server and the API."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redaction"]}
    loggers = {
        name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
        for name in ("uvicorn", "uvicorn.access", "skillsprogram")
    }
    loggers["uvicorn.error"] = {"level": level.upper()}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redaction": {"()": Redaction}},
        "formatters": {"json": {"()": JsonLines}},
        "handlers": {"stderr": {**handler, "stream": "ext://sys.stderr"}},
        "loggers": loggers,
    }
