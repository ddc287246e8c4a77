"""Compound parts, so "ausweis" finds the Personalausweis.

German glues nouns together; a person types the part they think of. We split
against the vocabulary of the data itself instead of a dictionary download:

* every word of the corpus (names, synonyms, descriptions, the colloquial
  dictionary) with at least ``minPart`` letters is a known part;
* so is an ending of at least ``minSharedTail`` letters that two corpus words
  share, starting where they differ, when one of them starts with a known
  word (Schwerbehinderten|ausweis, Personal|ausweis -> "ausweis"): this finds
  parts that never stand alone in the data, but not shared suffixes such as
  "ierung", which never follow a whole word.

A word is split only at known parts, and heads lose a linking ending
(Hunde|steuer -> hund), so parts are always real words of the corpus.
Splitting happens at build time only; the index holds the parts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from .text import settings


class Splitter:
    def __init__(self, vocabulary: Iterable[str]):
        cfg = settings()["compounds"]
        self.min_word = cfg["minWord"]
        self.min_part = cfg["minPart"]
        self.min_head = cfg["minHead"]
        self.linking = sorted(cfg["linkingEndings"], key=len, reverse=True)
        self.vocabulary = {w for w in vocabulary if len(w) >= self.min_part and w.isalpha()}
        self.parts = set(self.vocabulary) | self._shared_tails(cfg["minSharedTail"])

    def _known_head(self, head: str) -> bool:
        if head in self.vocabulary:
            return True
        return any(head.endswith(end) and head[: -len(end)] in self.vocabulary for end in self.linking)

    def _shared_tails(self, min_tail: int) -> set[str]:
        owners: dict[str, set[str]] = defaultdict(set)
        before: dict[str, set[str]] = defaultdict(set)
        for word in self.vocabulary:
            for i in range(self.min_head, len(word) - min_tail + 1):
                owners[word[i:]].add(word)
                before[word[i:]].add(word[i - 1])
        found = set()
        for tail, ws in owners.items():
            # The ending must start where words differ (genehmigung, not ehmigung)
            # and follow a known word at least once (Bau|genehmigung); endings
            # shared only by suffix (ierung, lichkeit) never do.
            if len(ws) >= 2 and len(before[tail]) >= 2 and any(self._known_head(w[: len(w) - len(tail)]) for w in ws):
                found.add(tail)
        # "sausweis" is "ausweis" with the linking s of the word before it
        return {t for t in found if not (t[0] == "s" and (t[1:] in found or t[1:] in self.vocabulary))}

    def split(self, word: str) -> list[str]:
        """Known parts inside ``word`` (not the word itself), longest first, no repeats."""
        if len(word) < self.min_word or not word.isalpha():
            return []
        found: list[str] = []
        for i in range(self.min_head, len(word) - self.min_part + 1):
            tail = word[i:]
            if tail in self.parts:
                found.append(tail)
        for i in range(len(word) - self.min_head, self.min_part - 1, -1):
            head = word[:i]
            if head in self.vocabulary:
                found.append(head)
            else:
                for end in self.linking:
                    if head.endswith(end) and len(head) - len(end) >= self.min_part and head[: -len(end)] in self.vocabulary:
                        found.append(head[: -len(end)])
                        break
        out: list[str] = []
        for part in found:
            if part not in out and part != word:
                out.append(part)
        return out
