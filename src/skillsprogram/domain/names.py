"""Is an account held in this person's name? The rule banks' answers are judged by.

A rail answers an account check with the holder's name as its records spell it,
which is rarely the programme's spelling: in capitals, with a title (``MR``,
``Bapak``, ``លោក``/``นาย``: each programme lists its own, see :class:`Titles`), without
the diacritics, with other spacing or punctuation, or romanised where the programme
holds the name in Khmer, Thai, Lao or Arabic script. The same person must still match,
and a different person must never match, whatever the script.

Two names are compared in three steps:

1. :func:`fold` gives each name's canonical form: NFKC, case folded, titles at the
   front removed, punctuation and spacing reduced to single spaces, Latin letters
   without their diacritics, Arabic without its optional vowel marks and with the
   letter variants writers use interchangeably. Nothing of a non-Latin script is
   dropped: a Khmer name folds to Khmer, never to an empty string.
2. Names written in the same script match only when their folds are the same
   letters in the same order (spaces aside: Thai, Khmer and Lao are written without
   spaces between words, so the bank's word breaks carry no meaning).
3. A name in Latin letters and a name in another script match when both reduce to
   the same consonant skeleton (:func:`skeleton`) of at least
   ``MIN_SKELETON`` consonants: the romanisation is made with ``anyascii``, and the
   skeleton leaves out what romanisations disagree on (vowels, aspiration marks,
   voiced/unvoiced pairs). Two native-script names are never compared this way.

An empty name, or one made only of titles, matches nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii

MIN_SKELETON = 2
"""Fewer consonants than this (``علي`` is ``l``) say too little to match across scripts."""

LATIN = "LATIN"

# Characters that are neither letters nor separators: joiners, the BOM, the Arabic tatweel.
_INVISIBLE = frozenset("\u200c\u200d\u2060\ufeff\u0640")

# Arabic letters written interchangeably in names: alef with hamza or madda, teh
# marbuta and heh, alef maksura and yeh.
_ALEF, _HEH, _YEH = "\u0627", "\u0647", "\u064a"
_ARABIC_VARIANTS = str.maketrans(
    {"\u0623": _ALEF, "\u0625": _ALEF, "\u0622": _ALEF, "\u0671": _ALEF, "\u0629": _HEH, "\u0649": _YEH}
)

# Consonant classes that romanisations of the same sound disagree on.
_DIGRAPHS = (("ph", "p"), ("th", "t"), ("kh", "k"), ("ch", "c"), ("sh", "s"), ("gh", "k"), ("dh", "t"))
_CLASSES = str.maketrans({"j": "c", "q": "k", "g": "k", "d": "t", "f": "p", "z": "s", "x": "s"})
_NOT_CONSONANTS = re.compile(r"[^bcdfgjklmnpqrstxz]")
_REPEATS = re.compile(r"(.)\1+")
_THAI_KARAN = "\u0e4c"  # thanthakhat: the letter (and its vowel) before it is silent
_LAO_NYO = "\u0e8d"  # ຍ: "ny" before a vowel, "y" at the end of a syllable


def script_of(char: str) -> str | None:
    """The script a letter, mark or digit belongs to (``"LATIN"``, ``"KHMER"`` ...); ``None`` otherwise."""
    if unicodedata.category(char)[0] not in "LMN":
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _latin(char: str) -> str:
    """A Latin letter without its diacritics (``ø`` is ``o``, ``ß`` is ``ss``), or nothing."""
    return "".join(c for c in anyascii(char).casefold() if c.isascii() and c.isalnum())


def _tokens(text: str) -> list[str]:
    """Case-folded words of ``text``: runs of letters, marks and digits."""
    words: list[str] = []
    word: list[str] = []
    latin_base = False
    for char in unicodedata.normalize("NFKC", text):
        if char in _INVISIBLE:
            continue
        category = unicodedata.category(char)
        if category[0] not in "LMN":
            words.append("".join(word))
            word = []
            continue
        if category == "Mn" and (latin_base or "\u064b" <= char <= "\u065f" or char == "\u0670"):
            continue  # a diacritic on a Latin letter, or an optional Arabic vowel mark
        if category == "Nd":
            word.append(str(unicodedata.digit(char)))
            continue
        latin_base = script_of(char) == LATIN
        word.append(_latin(char) if latin_base else char.casefold())
    words.append("".join(word))
    return [w.translate(_ARABIC_VARIANTS) for w in words if w]


# Scripts that write a title against the name, without a space (``นายสมชาย``).
_ATTACHING_SCRIPTS = frozenset({"THAI"})


@dataclass(frozen=True, slots=True)
class Titles:
    """The titles and honorifics a country's names may start with (``Bapak``, ``លោក``).

    The core knows none: a programme lists its own in ``[identity] name_titles``, and
    :func:`fold` removes them from the front of a name. Build one with :meth:`of`.
    """

    words: tuple[tuple[str, ...], ...] = ()
    """Each title as the words :func:`fold` splits it into, the longest first."""
    attached: tuple[str, ...] = ()
    """The one-word titles of a script that writes them against the name, the longest first."""

    @staticmethod
    @cache
    def of(titles: tuple[str, ...]) -> Titles:
        """The titles ``titles`` as :func:`fold` looks for them."""
        words = {tuple(_tokens(title)) for title in titles} - {()}
        attached = {
            only
            for (only,) in (w for w in words if len(w) == 1)
            if {script_of(c) for c in only} <= _ATTACHING_SCRIPTS
        }
        return Titles(
            tuple(sorted(words, key=lambda w: (-len(w), w))),
            tuple(sorted(attached, key=lambda w: (-len(w), w))),
        )


NO_TITLES = Titles()
"""The core's default: no word is a title."""


def _strip_title(words: list[str], titles: Titles) -> list[str] | None:
    """``words`` without one leading title, or ``None`` when they do not start with one."""
    for title in titles.words:
        if tuple(words[: len(title)]) == title:
            return words[len(title) :]
    if words:
        for prefix in titles.attached:
            rest = words[0][len(prefix) :]
            if words[0].startswith(prefix) and rest and unicodedata.category(rest[0]) == "Lo":
                return [rest, *words[1:]]
    return None


def fold(name: str, titles: Titles = NO_TITLES) -> str:
    """The canonical form of a holder name: its words, case folded, without the leading
    ``titles``.

    ``fold`` is idempotent, and the empty string means the name has nothing
    personal in it (empty, punctuation, or titles only).
    """
    words = _tokens(name)
    while (rest := _strip_title(words, titles)) is not None:
        words = rest
    return " ".join(words)


def scripts(folded: str) -> frozenset[str]:
    """The scripts the letters of a folded name are written in."""
    found = {script_of(c) for c in folded if unicodedata.category(c)[0] == "L"}
    return frozenset(s for s in found if s is not None)


def skeleton(folded: str) -> str:
    """The consonants of a folded name's romanisation, for comparing across scripts."""
    text = re.sub(r"[\u0e01-\u0e2e][\u0e30-\u0e3a\u0e47-\u0e4b]*" + _THAI_KARAN, "", folded)
    text = re.sub(_LAO_NYO + r"(?=\s|$)", "y", text)
    roman = anyascii(text).casefold()
    for digraph, plain in _DIGRAPHS:
        roman = roman.replace(digraph, plain)
    roman = _NOT_CONSONANTS.sub("", roman.replace("h", "")).translate(_CLASSES)
    return _REPEATS.sub(r"\1", roman)


def same_name(a: str, b: str, titles: Titles = NO_TITLES) -> bool:
    """Do ``a`` and ``b`` name the same holder, as far as a bank's spelling can tell?

    ``titles`` (the programme's, ``Titles.of(...)``) are left out of both names first.
    Symmetric; never true when either name is empty or only titles.
    """
    x, y = fold(a, titles), fold(b, titles)
    if not x or not y:
        return False
    if x.replace(" ", "") == y.replace(" ", ""):
        return True
    in_x, in_y = scripts(x), scripts(y)
    if in_x == in_y or (in_x != {LATIN} and in_y != {LATIN}):
        return False
    key = skeleton(x)
    return len(key) >= MIN_SKELETON and key == skeleton(y)
