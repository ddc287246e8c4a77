"""Text normalisation shared by index and query.

Every step here has a twin in ``static/suche-kern.js``; the rules that can be
data (fold table, stop words, lengths) live in ``settings.json`` so they are
literally the same on both sides. The stemmer is Snowball German from the
``snowballstemmer`` package, imported from its pure-Python module on purpose:
``snowballstemmer.stemmer()`` would switch to PyStemmer's C library when that
is installed, and that may be a different Snowball version than the JavaScript
port in ``static/stemmer-de.js``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

from snowballstemmer.german_stemmer import GermanStemmer

from . import SETTINGS_FILE

# Letters the stemmer handles itself (it folds ä/ö/ü and ae/oe/ue, ß -> ss);
# everything else outside ASCII goes through the fold table or becomes a space.
_KEEP = "äöüß"
_OTHER = re.compile(rf"[^\x00-\x7f{_KEEP}]")
_WORD = re.compile(rf"[a-z0-9{_KEEP}]+")
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1)
def settings() -> dict:
    return json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _stemmer() -> GermanStemmer:
    return GermanStemmer()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball German stem of one folded word; words with digits stay as they are."""
    if _DIGIT.search(word):
        return word
    return _stemmer().stemWord(word)


def fold(text: str) -> str:
    """Lower case, NFC, accents folded by the shared table, other symbols to spaces."""
    table = settings()["fold"]
    text = unicodedata.normalize("NFC", text).lower()
    return _OTHER.sub(lambda m: table.get(m.group(), " "), text)


def words(text: str) -> list[str]:
    """Folded words (not stemmed) of at least ``minTokenLength`` characters."""
    minimum = settings()["minTokenLength"]
    return [w for w in _WORD.findall(fold(text)) if len(w) >= minimum]


@lru_cache(maxsize=1)
def stop_stems() -> frozenset[str]:
    return frozenset(stem(w) for word in settings()["stopwords"] for w in words(word))


def terms(text: str) -> list[str]:
    """Index terms of a text: stems of its words without stop words."""
    stops = stop_stems()
    out = []
    for word in words(text):
        s = stem(word)
        if s not in stops:
            out.append(s)
    return out


def pairs(stems: list[str]) -> list[str]:
    """Neighbouring terms of one text as sorted pairs ("anmeld_auto"); the query side builds the same."""
    joiner = settings()["phrases"]["joiner"]
    return [joiner.join(sorted((a, b))) for a, b in zip(stems, stems[1:]) if a != b]


def whole(stems: list[str]) -> str | None:
    """All terms of one text as one sorted term: the query matches a name or synonym as a whole.

    None for texts of more than ``wholeMaxTerms`` different terms.
    """
    phrases = settings()["phrases"]
    distinct = sorted(set(stems))
    if not distinct or len(distinct) > phrases["wholeMaxTerms"]:
        return None
    return phrases["joiner"].join(distinct)
