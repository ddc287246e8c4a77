"""The colloquial dictionary ``data/synonyme.yml``.

Each entry maps what people type (``Perso``) to words or phrases the records
use (``Personalausweis``). At build time every record whose name, synonyms or
their compound parts contain one of those phrases gets the entry's word in its
``u`` field, so the browser needs no dictionary and no query expansion.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..yamlload import Document, Problem
from .text import terms


@dataclass(frozen=True)
class Entry:
    word: str  # what people type
    phrases: tuple[str, ...]  # what records say
    line: int


def entries(doc: Document | None) -> list[Entry]:
    if doc is None:
        return []
    woerter = doc.data.get("woerter")
    if not isinstance(woerter, dict):
        return []
    out = []
    for word, phrases in woerter.items():
        if isinstance(word, str) and isinstance(phrases, list):
            out.append(Entry(word, tuple(p for p in phrases if isinstance(p, str)), doc.line_of(("woerter", word))))
    return out


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def expansions(dictionary: list[Entry], texts: list[list[str]]) -> list[str]:
    """Dictionary words whose phrases occur (as stem sequences) in one of ``texts``."""
    found = []
    for entry in dictionary:
        for phrase in entry.phrases:
            needle = terms(phrase)
            if any(_contains(text, needle) for text in texts):
                found.append(entry.word)
                break
    return found


def problems(doc: Document) -> list[Problem]:
    """Rules the schema cannot express; used by the validator for data/synonyme.yml."""
    out: list[Problem] = []
    first_line: dict[tuple, tuple[str, int]] = {}
    for entry in entries(doc):
        key_terms = tuple(terms(entry.word))
        if not key_terms:
            out.append(Problem(doc.path, entry.line, f"„{entry.word}“ enthält kein suchbares Wort (nur Füllwörter wie „der“ oder „und“, oder nur ein Buchstabe). So findet die Suche nichts; bitte ein aussagekräftiges Wort eintragen."))
            continue
        if key_terms in first_line:
            other, line = first_line[key_terms]
            out.append(Problem(doc.path, entry.line, f"„{entry.word}“ steht schon als „{other}“ in Zeile {line}; die Suche unterscheidet Groß-/Kleinschreibung, Umlaute und Endungen nicht. Bitte die beiden Einträge zusammenführen."))
        else:
            first_line[key_terms] = (entry.word, entry.line)
        for i, phrase in enumerate(entry.phrases):
            where = doc.line_of(("woerter", entry.word, i))
            if not terms(phrase):
                out.append(Problem(doc.path, where, f"„{entry.word}“: „{phrase}“ enthält kein suchbares Wort, der Eintrag kann so nichts finden."))
            elif tuple(terms(phrase)) == key_terms:
                out.append(Problem(doc.path, where, f"„{entry.word}“: „{phrase}“ ist dasselbe Wort wie der Eintrag selbst und bewirkt nichts. Bitte entfernen oder ein anderes Wort eintragen."))
    return out

