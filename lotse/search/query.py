"""The query logic, in Python, exactly as ``static/suche-kern.js`` runs it in the browser.

A query becomes clauses by the rules in ``settings.json``: an exact clause
per word, a prefix clause for the word being typed, fuzzy clauses for longer
words, the two parts of a compound the index only knows in parts, and one
clause per pair of neighbouring words (:func:`clauses`). They are expanded
against the index into exact terms (:func:`plan`), lunr scores the documents,
and results that match more of the query's words move up (``coverage``).
:func:`clauses`, :func:`plan` and :func:`run` are what both sides must agree
on; tests/test_search.py compares them with the JavaScript output, and the
browser test compares the ranked results in Chromium.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

from lunr.index import Index
from lunr.token_set import TokenSet

from .text import pairs, settings, stem, stop_stems, whole, words

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Clause:
    """One rule applied to one query word: a term, how to match it, how much it counts."""

    term: str
    boost: float
    wildcard: bool = False  # trailing wildcard (prefix match)
    edit_distance: int = 0
    word: int = -1  # which query word it stands for (coverage); -1 for phrases

    def as_dict(self) -> dict:
        return {"term": self.term, "boost": self.boost, "wildcard": self.wildcard,
                "editDistance": self.edit_distance, "word": self.word}


def _split(word: str, known: Callable[[str], bool]) -> tuple[str, str] | None:
    """Two index terms a compound query word consists of, longest ending first."""
    cfg = settings()
    min_part = cfg["compounds"]["minPart"]
    endings = cfg["compounds"]["linkingEndings"]
    for i in range(min_part, len(word) - min_part + 1):
        tail = stem(word[i:])
        if not known(tail):
            continue
        head = word[:i]
        for candidate in [head] + [head[: -len(e)] for e in endings if head.endswith(e) and len(head) - len(e) >= min_part]:
            if known(stem(candidate)):
                return stem(candidate), tail
    return None


def clauses(raw: str, known: Callable[[str], bool]) -> list[Clause]:
    """The clauses for what a person typed into the search box.

    ``known(term)`` says whether the index has a term: a word the index does
    not know is probably mistyped or half typed, so its fuzzy and prefix
    matches count more (``boostUnknown``) and it may be a compound the index
    only knows in parts (``split``).
    """
    cfg = settings()
    stops = stop_stems()
    query_words = words(raw)
    typing = bool(raw) and raw[-1] not in " \t\n\r"
    out: list[Clause] = []
    seen: set[tuple] = set()

    def add(clause: Clause) -> None:
        key = (clause.term, clause.wildcard, clause.edit_distance, clause.word)
        if key not in seen:
            seen.add(key)
            out.append(clause)

    def fuzzy(term: str, length: int, i: int, scale: float) -> None:
        for rule in cfg["clauses"]:
            if rule["kind"] == "fuzzy" and rule.get("minLength", 0) <= length <= rule.get("maxLength", 10**6):
                boost = rule["boost"] if known(term) else rule["boostUnknown"]
                if boost > 0:
                    add(Clause(term, boost * scale, edit_distance=rule["editDistance"], word=i))

    content: list[str] = []  # stems of the words that are not stop words, for phrases
    extra_words = 0  # compound parts, numbered after the query's own words
    for i, word in enumerate(query_words):
        last_typed = typing and i == len(query_words) - 1
        term = stem(word)
        is_stop = term in stops
        if not is_stop:
            content.append(term)
        for rule in cfg["clauses"]:
            if len(word) < rule.get("minLength", 0) or len(word) > rule.get("maxLength", 10**6):
                continue
            if rule["kind"] == "exact" and not is_stop:
                add(Clause(term, rule["boost"], word=i))
            elif rule["kind"] == "prefix" and (last_typed or rule.get("only") != "last-while-typing"):
                # a stop word may be the start of the word being typed ("um" -> "umzug")
                add(Clause(term, rule["boost"] if known(term) else rule["boostUnknown"], wildcard=True, word=i))
        if is_stop or _DIGIT.search(word):
            continue  # a LeiKa key with a typo is another key
        fuzzy(term, len(word), i, 1)
        split = cfg["split"]
        if word.isalpha() and len(word) >= split["minLength"] and not known(term):
            for part in _split(word, known) or ():
                # each part counts as a word of its own: results with both parts come first
                extra_words += 1
                part_word = len(query_words) + extra_words - 1
                add(Clause(part, split["boost"], word=part_word))
                fuzzy(part, len(part), part_word, split["boost"])
    phrases = cfg["phrases"]
    if whole(content):
        add(Clause(whole(content), phrases["wholeBoost"]))  # first: for two words it is also the pair
    for pair in pairs(content):
        add(Clause(pair, phrases["pairBoost"]))
    return out


def decode(encoded: dict) -> dict:
    """lunr's serialised index from :func:`lotse.search.index.encode`'s form.

    ``loadIndex`` in ``static/suche-kern.js`` builds the same postings and
    vectors, lazily; the scores are integers divided by 1000 on both sides,
    so the vectors are bit for bit the ones lunr.py built (tests compare them).
    """
    import lunr as lunr_package

    fields = encoded["felder"]
    inverted = []
    vector_of: dict[tuple[int, int], list] = {}
    parts = [encoded[key].split(sep) if encoded[key] else [] for key, sep in (("terme", " "), ("postings", ";"), ("gewichte", ";"))]
    rows = zip(*parts, strict=True)
    for t, (term, row_text, weights_text) in enumerate(rows):
        row = [int(x) for x in row_text.split(",")] if row_text else []
        weights = [int(x, 36) for x in weights_text.split(",")] if weights_text else []
        posting: dict = {"_index": t}
        for name in fields:
            posting[name] = {}
        i = w = 0
        while i < len(row):
            fi, n = row[i], row[i + 1]
            doc = 0
            for delta in row[i + 2 : i + 2 + n]:
                doc += delta
                posting[fields[fi]][str(doc)] = {}
                # terms arrive in order, so each vector's elements are sorted by term number
                vector_of.setdefault((doc, fi), []).extend([t, weights[w] / 1000])
                w += 1
            i += 2 + n
        if w != len(weights):
            raise ValueError(f"search index is damaged: the scores of {term!r} do not match its postings")
        inverted.append([term, posting])
    vectors = [[f"{name}/{doc}", vector_of[(doc, fi)]]
               for doc in range(encoded["dokumente"]) for fi, name in enumerate(fields) if (doc, fi) in vector_of]
    return {"version": lunr_package.__TARGET_JS_VERSION__, "fields": fields, "fieldVectors": vectors, "invertedIndex": inverted, "pipeline": []}


def load_index(payload: dict) -> Index:
    """A lunr.py index from the shipped index file's content (parsed JSON)."""
    return Index.load(decode(payload["index"]))


def _token_set(clause: Clause) -> TokenSet:
    if clause.edit_distance:
        return TokenSet.from_fuzzy_string(clause.term, clause.edit_distance)
    return TokenSet.from_string(clause.term + ("*" if clause.wildcard else ""))


def plan(index: Index, raw: str) -> list[tuple[int, str, float]]:
    """(word, index term, boost) for every term the query reaches, sorted.

    Prefix and fuzzy clauses are expanded against the index here, and a term
    reached by several clauses of one word counts once, with its best boost:
    lunr would add them up, so a correctly spelled word would outweigh a
    mistyped one just by matching its own exact, prefix and fuzzy clauses.
    """
    joiner = settings()["phrases"]["joiner"]
    best: dict[tuple[int, str], float] = {}
    for c in clauses(raw, lambda term: term in index.inverted_index):
        if c.wildcard or c.edit_distance:
            reached = index.token_set.intersect(_token_set(c)).to_list()
        else:
            reached = [c.term] if c.term in index.inverted_index else []
        for term in reached:
            if c.word >= 0 and joiner in term:
                continue  # word pairs are matched by their own clauses only
            key = (c.word, term)
            if best.get(key, 0) < c.boost:
                best[key] = c.boost
    return sorted((word, term, boost) for (word, term), boost in best.items())


def run(index: Index, raw: str, limit: int | None = None) -> list[tuple[str, float]]:
    """Ranked (ref, score) pairs for a query, as the browser ranks them."""
    cfg = settings()
    terms_ = plan(index, raw)
    if not terms_:
        return []
    pair_field = cfg["phrases"]["field"]
    word_fields = [f for f in index.fields if f != pair_field]
    query = index.create_query()
    reach: dict[int, set[str]] = {}
    for word, term, boost in terms_:
        # pair terms ("anmeld_auto") live in their own field; word clauses must not meet them
        query.term(term, use_pipeline=False, boost=boost, fields=[pair_field] if word < 0 else word_fields)
        if word >= 0:
            reach.setdefault(word, set()).add(term)
    coverage = cfg["coverage"]
    scored = []
    for r in index.query(query):
        matched = r["match_data"].metadata
        share = sum(1 for ts in reach.values() if any(t in matched for t in ts)) / len(reach) if reach else 1
        scored.append((r["ref"], r["score"] * (1 + coverage["weight"] * share ** coverage["exponent"])))
    return rank(scored)[: limit or cfg["maxResults"]]


def rank(scored: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Score descending; equal scores (to 1e-6) by document number, so both sides agree on ties.

    ``floor(x * 1e6 + 0.5)`` is what JavaScript's ``Math.round`` does.
    """
    return sorted(scored, key=lambda p: (-math.floor(p[1] * 1e6 + 0.5), int(p[0])))
