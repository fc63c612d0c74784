"""Read an uploaded CSV or JSON file into pydantic row models, refusing hostile input.

Every file command goes through here, so one set of rules decides what a file may hold:

* the bytes are strict UTF-8 (a leading byte-order mark is allowed); anything else
  refuses the file, naming the byte offset and line of the first bad byte;
* no cell or string holds a control character (NUL, escape, line breaks inside a
  cell, ...) or a bidirectional override: they hide what a value says;
* a line, a cell, a file and a JSON document's nesting are bounded, and a number is
  written in the ASCII digits 0-9 with a bounded count of digits (Python's ``int()``
  would read Arabic-Indic or full-width digits, and spend seconds on a million);
* each row is validated by its pydantic model: what is wrong is reported as a
  :class:`Problem` naming the line and the column.

A problem of the whole file (its encoding, its header, its size, JSON that does not
parse) raises :class:`UnreadableFile`; problems of single rows are returned beside the
rows that are valid, and the command decides what to do with them (see
``services/uploads.py``). Values are data: a cell reading ``=HYPERLINK(...)`` is stored
as written and never evaluated.
"""

from __future__ import annotations

import csv
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
)
from pydantic import ValidationError as PydanticValidationError

from skillsprogram.errors import ValidationFailed
from skillsprogram.text import forbidden_character

M = TypeVar("M", bound=BaseModel)

#: The largest file a command reads.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: The longest line of a CSV file (a longer one is refused without being parsed).
MAX_LINE_CHARS = 131_072  # the csv module's own limit for one cell
#: The deepest nesting of arrays and objects in a JSON file.
MAX_JSON_DEPTH = 16
#: The most digits of a number in a JSON file (larger ones are refused before conversion).
MAX_JSON_DIGITS = 30


class UnreadableFile(ValidationFailed):
    """A file that cannot be read as a whole: nothing of it is used.

    ``details["reason"]`` says why, for a page to say it in words: ``too-large`` (with
    ``size`` and ``limit``), ``not-utf8`` (``offset``, ``line``), ``empty``, ``header``
    (a header that does not parse), ``columns`` (``missing``, ``unknown``, ``repeated``
    and the ``expected`` columns, each a list), ``too-many-rows`` (``rows``, ``limit``:
    a portal upload's own bound) or ``not-json``.
    """

    code = "unreadable-file"


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one row: its line (1 is the header), its column, and why."""

    line: int
    column: str | None
    message: str
    item: int | None = None
    """For a JSON list, the item's position (1 is the first), since several may share a line."""
    code: str | None = None
    """The broken rule's stable code: the row model's error type (``missing``,
    ``int_parsing``, ...), a line's own (``cell-count``, ``unclosed-quote``,
    ``line-too-long``) or the service's refusal code (``already-reported``)."""

    @property
    def detail(self) -> str:
        """The column and the message, without the line."""
        return f"column {self.column}: {self.message}" if self.column else self.message

    def __str__(self) -> str:
        where = f"line {self.line:,}" + (f" item {self.item:,}" if self.item is not None else "")
        return f"{where} {self.detail}" if self.column else f"{where}: {self.message}"


@dataclass
class Rows(Generic[M]):
    """The valid rows of a file with their line numbers, and the problems of the others."""

    rows: list[tuple[int, M]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refused: int = 0
    """How many rows (or items) have a problem; a row may have several."""

    @property
    def total(self) -> int:
        """How many rows the file holds (valid or not)."""
        return len(self.rows) + self.refused

    def refuse(self, *problems: Problem) -> None:
        """Record one refused row with its problems."""
        self.problems.extend(problems)
        self.refused += 1


# --- field types shared by the row models (and the API bodies built on them) ------------------


def _printable(value: str) -> str:
    found = forbidden_character(value)
    if found:
        char = chr(int(found[2:], 16))
        raise ValueError(f"holds a control character ({unicodedata.name(char, found)})")
    return value


PRINTABLE = AfterValidator(_printable)
"""Metadata for ``Annotated[str, ...]``: refuses control characters and bidirectional overrides."""


def ascii_digits(max_digits: int) -> BeforeValidator:
    """Metadata for ``Annotated[int, ...]``: a number read from text (a CSV cell) must be
    at most ``max_digits`` ASCII digits, with an optional minus. Only text read as text
    is converted: an API body still refuses a JSON string where it wants a number."""
    pattern = re.compile(rf"-?[0-9]{{1,{max_digits}}}", re.ASCII)

    def check(value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str) or info.mode != "string":
            return value
        if pattern.fullmatch(value):
            return int(value)
        if re.fullmatch(r"-?[0-9]+", value, re.ASCII):
            raise ValueError(f"has more than {max_digits} digits")
        raise ValueError("is not a whole number written with the digits 0-9")

    return BeforeValidator(check)


Month = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$"), PRINTABLE]
"""A calendar month written ``YYYY-MM`` in ASCII digits."""


class Row(BaseModel):
    """A row model: unknown columns or fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- reading -------------------------------------------------------------------------------------


def read_file(path: Path) -> bytes:
    """The bytes of the file at ``path``, or :class:`UnreadableFile` saying why not."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(
                f"{path}: {size:,} bytes, more than the {MAX_FILE_BYTES:,} a file may hold",
                reason="too-large",
                size=size,
                limit=MAX_FILE_BYTES,
            )
        return path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror or error})") from None


def decode(content: bytes, limit: int = MAX_FILE_BYTES) -> str:
    """``content`` as strict UTF-8 text (one leading byte-order mark is dropped), at most
    ``limit`` bytes."""
    if len(content) > limit:
        raise UnreadableFile(
            f"{len(content):,} bytes, more than the {limit:,} a file may hold",
            reason="too-large",
            size=len(content),
            limit=limit,
        )
    bom = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    try:
        return content[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + bom
        line = content.count(b"\n", 0, offset) + 1
        raise UnreadableFile(
            f"not UTF-8 text: byte {offset:,} (line {line:,}) is 0x{content[offset]:02x}",
            reason="not-utf8",
            offset=offset,
            line=line,
        ) from None


def _problems(
    line: int, model: type[BaseModel], error: PydanticValidationError, item: int | None
) -> list[Problem]:
    found = []
    for detail in error.errors(include_url=False, include_input=False, include_context=False):
        loc = [str(part) for part in detail["loc"]]
        column = None
        if loc:
            column = _column(model, loc[0])
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "missing":
            message = "a value is required"
        elif detail["type"] == "extra_forbidden":
            message = "is not a field of this file"
        found.append(Problem(line, column, message, item, str(detail["type"])))
    return found


def _column(model: type[BaseModel], name: str) -> str:
    return name if name in model.model_fields else _shown(name)


def _validate(
    rows: Rows[M], model: type[M], line: int, values: object, *, strings: bool, item: int | None = None
) -> None:
    try:
        row = model.model_validate_strings(values) if strings else model.model_validate(values)
    except PydanticValidationError as error:
        rows.refuse(*_problems(line, model, error, item))
        return
    rows.rows.append((line, row))


def read_csv(content: bytes, model: type[M], limit: int = MAX_FILE_BYTES) -> Rows[M]:
    """The rows of a CSV file (of at most ``limit`` bytes) with a header row naming
    ``model``'s fields.

    Cells are stripped of surrounding spaces (only U+0020); an empty cell is an absent value. The
    header must name every required field and nothing else; each line is parsed on its
    own, so a bad line never hides the next ones (and a cell cannot span lines).
    """
    lines = decode(content, limit).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header_at = next((i for i, line in enumerate(lines) if line.strip(" \r")), None)
    if header_at is None:
        raise UnreadableFile("the file is empty: it needs a header row", reason="empty")
    header = _cells(lines[header_at])
    if header is None or any(_printable_or_none(name) is None for name in header):
        raise UnreadableFile(
            f"line {header_at + 1}, the header: does not parse or holds a control character",
            reason="header",
        )
    names = [name.strip(" ") for name in header]
    fields = model.model_fields
    required = [name for name, info in fields.items() if info.is_required()]
    missing = [name for name in required if name not in names]
    unknown = [name for name in names if name not in fields]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if missing or unknown or repeated:
        said = [
            *([f"missing column(s) {', '.join(missing)}"] if missing else []),
            *([f"unknown column(s) {', '.join(map(_shown, unknown))}"] if unknown else []),
            *([f"repeated column(s) {', '.join(repeated)}"] if repeated else []),
        ]
        raise UnreadableFile(
            f"line {header_at + 1}, the header: {'; '.join(said)} (the columns are {', '.join(fields)})",
            reason="columns",
            missing=missing,
            unknown=[_shown(name) for name in unknown],
            repeated=repeated,
            expected=list(fields),
        )
    rows: Rows[M] = Rows()
    for index in range(header_at + 1, len(lines)):
        number, line = index + 1, lines[index]
        if not line.strip(" \r"):
            continue
        if len(line) > MAX_LINE_CHARS:
            rows.refuse(
                Problem(number, None, f"longer than {MAX_LINE_CHARS:,} characters", code="line-too-long")
            )
            continue
        cells = _cells(line)
        if cells is None:
            rows.refuse(
                Problem(
                    number,
                    None,
                    "a quoted cell is not closed (a cell holds no line break)",
                    code="unclosed-quote",
                )
            )
            continue
        if len(cells) != len(names):
            rows.refuse(
                Problem(
                    number, None, f"{len(cells)} cells where the header has {len(names)}", code="cell-count"
                )
            )
            continue
        # Only spaces are stripped: ``str.strip()`` would also drop tabs and other control
        # characters at either end of a cell, where they must be refused instead.
        values = {name: cell.strip(" ") for name, cell in zip(names, cells, strict=True) if cell.strip(" ")}
        _validate(rows, model, number, values, strings=True)
    return rows


def _cells(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line.removesuffix("\r")], strict=True), [])
    except csv.Error:
        return None


def _printable_or_none(value: str) -> str | None:
    try:
        return _printable(value)
    except ValueError:
        return None


def _shown(value: str) -> str:
    return repr(value[:40] + ("..." if len(value) > 40 else ""))


def _check_depth(text: str) -> None:
    depth, in_string, escaped = 0, False, False
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = text.count("\n", 0, position) + 1
                column = position - (text.rfind("\n", 0, position) + 1) + 1
                raise UnreadableFile(
                    f"line {line:,} column {column:,}: nested deeper than {MAX_JSON_DEPTH} levels",
                    reason="not-json",
                )
        elif char in "]}":
            depth -= 1


class _HugeNumber:
    """Stands for a JSON number of too many digits, so that only its item is refused."""


_HUGE = _HugeNumber()


def _int(digits: str) -> int | _HugeNumber:
    if len(digits.lstrip("-")) > MAX_JSON_DIGITS:
        return _HUGE
    return int(digits)


def _float(digits: str) -> float | _HugeNumber:
    value = float(digits) if len(digits) <= MAX_JSON_DIGITS + 10 else math.inf
    return value if math.isfinite(value) else _HUGE


def _constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the field {_shown(key)} is given twice")
        result[key] = value
    return result


_DECODER = json.JSONDecoder(
    parse_int=_int, parse_float=_float, parse_constant=_constant, object_pairs_hook=_object
)
_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


def read_json_list(content: bytes, model: type[M]) -> Rows[M]:
    """The items of a JSON file holding one list of objects, each validated by ``model``.

    A problem's line is the line on which its item starts; its column is the field.
    """
    text = decode(content)
    _check_depth(text)
    rows: Rows[M] = Rows()
    position = _skip(text, 0)
    if text[position : position + 1] != "[":
        raise UnreadableFile("the file is not a JSON list (it must start with '[')", reason="not-json")
    position = _skip(text, position + 1)
    if text[position : position + 1] == "]":
        position += 1
    else:
        index = 0
        while True:
            line, index = text.count("\n", 0, position) + 1, index + 1
            try:
                item, position = _DECODER.raw_decode(text, position)
            except json.JSONDecodeError as error:
                raise UnreadableFile(
                    f"line {error.lineno:,} column {error.colno:,}: {error.msg}", reason="not-json"
                ) from None
            except ValueError as error:
                raise _unreadable_at(text, position, str(error)) from None
            huge = [key for key, value in item.items() if value is _HUGE] if isinstance(item, dict) else []
            if not isinstance(item, dict):
                rows.refuse(Problem(line, None, "the item is not a JSON object", index))
            elif huge:
                message = f"a number of more than {MAX_JSON_DIGITS} digits"
                rows.refuse(*(Problem(line, _column(model, key), message, index) for key in huge))
            else:
                _validate(rows, model, line, item, strings=False, item=index)
            position = _skip(text, position)
            separator = text[position : position + 1]
            if separator == "]":
                position += 1
                break
            if separator != ",":
                raise _unreadable_at(text, position, "expected ',' or ']' after an item")
            position = _skip(text, position + 1)
    if _skip(text, position) != len(text):
        raise _unreadable_at(text, position, "something follows the list")
    return rows


def _unreadable_at(text: str, position: int, message: str) -> UnreadableFile:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return UnreadableFile(f"line {line:,} column {column:,}: {message}", reason="not-json")
