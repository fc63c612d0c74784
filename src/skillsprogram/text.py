"""Which characters a programme's text may hold.

PostgreSQL refuses NUL in ``text`` columns while SQLite stores it, and neither driver can
encode a lone surrogate (half of a UTF-16 pair, which a JSON ``\\ud800`` escape decodes to)
as UTF-8. Control characters have no place in a name, a code or a complaint either: they
hide text from the officer who reads it and break the files it is exported to. One rule,
read by the API's request types and by the storage guard alike.
"""

from __future__ import annotations

import re

#: Every C0 control character, DEL, every C1 control character, the bidirectional
#: embeddings, overrides and isolates (they make a text read otherwise than it is stored)
#: and lone surrogates.
_NOT_IN_A_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: The same but tab, line feed and carriage return, which running text may hold.
_NOT_IN_PROSE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
#: What no database of ours can store at all.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character ``value`` may not hold, as ``U+XXXX``, or ``None`` when it is clean.

    A single line (a name, a code, a number) holds no control character at all; running
    text (``multiline``) may hold tabs and line breaks.
    """
    if value.isascii() and value.isprintable():
        return None
    found = (_NOT_IN_PROSE if multiline else _NOT_IN_A_LINE).search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def unstorable_character(value: str) -> str | None:
    """The first character of ``value`` that no database can store (NUL, a lone surrogate)."""
    if value.isascii() and "\x00" not in value:
        return None
    found = _UNSTORABLE.search(value)
    return f"U+{ord(found.group()):04X}" if found else None
