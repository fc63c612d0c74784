"""Khmer numerals: applicants may type ០-៩ as well as 0-9."""

from __future__ import annotations

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def to_ascii_digits(text: str) -> str:
    """``text`` with Khmer digits replaced by ASCII ones."""
    return text.translate(_KHMER_DIGITS)


def strip_separators(text: str) -> str:
    """Drop the spaces, dots and dashes people type inside numbers."""
    return "".join(ch for ch in text if ch not in " .-/\u00a0")
