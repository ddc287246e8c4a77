"""Search quality on the shipped data: hit@1, hit@3 and MRR, Lotse against Material's default search.

Usage::

    .venv/bin/python benchmarks/search_eval.py                 # both rows
    .venv/bin/python benchmarks/search_eval.py --ohne-material # only Lotse (no site build)
    .venv/bin/python benchmarks/search_eval.py --details       # every query with its rank

The evaluation set is tests/search_eval.yml: realistic queries (colloquial,
typos, compounds, numbers) and the service each must find. A query counts as a
hit@k when that service's page is among the first k results.

Lotse's row runs :func:`lotse.search.query.run` on the index exactly as the
site ships it (the same query logic the browser runs; tests/test_search.py
and tests/test_search_browser.py check that both agree).

Material's row is Material for MkDocs' built-in search with ``lang: de`` and
its default pipeline, rebuilt faithfully in Python: a throwaway build of the
same site with the ``search`` plugin switched on writes search/search_index.json
the way Material does; it is indexed with lunr.py the way Material's search
worker does it (title boost 1000, b = 0, separator ``[\\s\\-]+``, German stop
word filter from lunr-languages, no stemmer: Material's default pipeline for
German is ``stopWordFilter`` only), queried the way Material's query transform
does it (every word becomes a prefix query ``word*``), re-ranked with
Material's post-query boost and grouped by page.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASES_FILE = ROOT / "tests" / "search_eval.yml"
TAGS = ("umgangssprache", "tippfehler", "zahl", "wortteil", "amtlich", "mehrwort", "tippen")


@dataclass(frozen=True)
class Case:
    query: str
    expected: str  # service id
    tags: tuple[str, ...]


@dataclass
class Result:
    query: str
    expected: str
    rank: int | None  # 1-based; None = not among the results
    top: list[str] = field(default_factory=list)


@dataclass
class Report:
    name: str
    results: list[Result]
    seconds: float = 0.0

    def hit_at(self, k: int) -> float:
        return sum(1 for r in self.results if r.rank and r.rank <= k) / len(self.results)

    @property
    def mrr(self) -> float:
        return sum(1 / r.rank for r in self.results if r.rank) / len(self.results)


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for item in data["anfragen"]:
        tags = tuple(item.get("art") or ())
        unknown = [t for t in tags if t not in TAGS]
        if unknown:
            raise ValueError(f"{path}: unknown tag(s) {unknown} for {item['q']!r}")
        cases.append(Case(str(item["q"]), item["leistung"], tags))
    return cases


def load_intents(path: Path = CASES_FILE) -> list[Case]:
    """The ``absichten`` list: short queries for common tasks whose FIRST result must be the primary service."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Case(str(item["q"]), item["leistung"], ("absicht",)) for item in data.get("absichten") or []]


def service_of(url: str) -> str | None:
    """``leistungen/<id>/`` (or with ``#anchor``/``index.html``) -> id."""
    m = re.match(r"^/?leistungen/([a-z0-9-]+)/", url)
    return m.group(1) if m else None


def _score(name: str, cases: list[Case], ranked_urls, started: float) -> Report:
    results = []
    for case in cases:
        urls = ranked_urls(case.query)
        services = [service_of(u) for u in urls]
        rank = services.index(case.expected) + 1 if case.expected in services else None
        results.append(Result(case.query, case.expected, rank, [u for u in urls[:3]]))
    return Report(name, results, time.perf_counter() - started)


# --------------------------------------------------------------------------- Lotse


def evaluate_lotse(data_dir: Path, cases: list[Case]) -> Report:
    from lotse.search import query
    from lotse.search.index import build, dumps
    from lotse.validator import load_valid

    started = time.perf_counter()
    ds = load_valid(data_dir)
    payload, entries = build(ds)
    payload = json.loads(dumps(payload))  # exactly the bytes the browser parses
    index = query.load_index(payload)
    return _score("Lotse", cases, lambda q: [entries[int(ref)]["u"] for ref, _ in query.run(index, q)], started)


# --------------------------------------------------------------------------- Material's default search


def material_search_index(data_dir: Path, workdir: Path) -> dict:
    """search/search_index.json from a throwaway build of the site with Material's search on."""
    from material.plugins.search.plugin import SearchPlugin

    import lotse.site.build as site_build

    original = site_build.mkdocs_config

    def with_material_search(site_dir, **overrides):
        config = original(site_dir, **overrides)
        plugin = SearchPlugin()
        errors, warnings = plugin.load_config({"lang": ["de"]}, config.config_file_path)
        if errors:
            raise RuntimeError(f"search plugin config: {errors}")
        plugin.is_dirty = False
        config.plugins["material/search"] = plugin
        return config

    site_build.mkdocs_config = with_material_search
    try:
        site = site_build.build_site(data_dir, workdir / "site")
    finally:
        site_build.mkdocs_config = original
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def material_stop_words() -> list[str]:
    """The German stop words of lunr-languages as Material ships them (lunr.de.min.js)."""
    import material

    path = Path(material.__file__).parent / "templates" / "assets" / "javascripts" / "lunr" / "min" / "lunr.de.min.js"
    m = re.search(r'stopWordFilter=e\.generateStopWordFilter\("([^"]*)"\.split\(" "\)\)', path.read_text(encoding="utf-8"))
    if not m:
        raise RuntimeError(f"no stop word list found in {path}")
    return m.group(1).split(" ")


class MaterialSearch:
    """Material's search worker (integrations/search/_/index.ts) on lunr.py."""

    def __init__(self, search_index: dict):
        from lunr.builder import Builder
        from lunr.stop_word_filter import generate_stop_word_filter

        config = search_index["config"]
        self.separator = re.compile(config["separator"])
        if config["lang"] != ["de"] or config["pipeline"] != ["stopWordFilter"]:
            raise RuntimeError(f"expected Material's German default (lang de, pipeline stopWordFilter), got {config}")
        self.docs = search_index["docs"]
        self.parent: dict[str, str | None] = {}
        seen = set()
        for doc in self.docs:
            path = doc["location"].split("#")[0]
            self.parent[doc["location"]] = path if path in seen else None
            seen.add(path)
        builder = Builder()
        builder.pipeline.reset()
        builder.search_pipeline.reset()
        builder.pipeline.add(generate_stop_word_filter(material_stop_words(), language="de"))
        builder.b(0)
        builder.ref("location")
        for name, spec in config["fields"].items():
            builder.field(name, boost=spec.get("boost", 1))
        for doc in self.docs:
            record = {"location": doc["location"]}
            for name in config["fields"]:
                value = doc.get(name)
                record[name] = self.tokens(value) if value is not None else None
            builder.add(record, {"boost": doc.get("boost", 1)})
        self.index = builder.build()
        from lunr.stop_word_filter import stop_word_filter

        self.english_stop = stop_word_filter  # lunr.stopWordFilter, used by getSearchQueryTerms

    def tokens(self, value) -> list[str]:
        """Material's tokenizer: text between HTML tags, split at the separator, lower case."""
        values = value if isinstance(value, list) else [value]
        out = []
        for text in values:
            for block in re.split(r"<[^>]*>", str(text)):
                out += [t.lower() for t in self.separator.split(block) if t]
        return out

    def terms(self, query: str) -> list[str]:
        """transform() + parseSearchQuery(): every word a lower-case prefix term.

        Quotes and the +/- operators (required/prohibited terms) are not
        reproduced: the evaluation set has none, and nobody types them.
        """
        query = query.strip()
        query = re.sub(r'"|(?:^|\s+)[*+\-:^~]+(?=\s+|$)', "", query)
        terms = []
        for part in re.split(r"\s+", query):
            for term in self.separator.split(part):
                term = term.strip(":^~+").lower()  # lunr's lexer treats these as operators
                if term and not term.startswith("-"):
                    terms.append(term.rstrip("*"))
        return terms

    def search(self, query: str) -> list[str]:
        from lunr.query import Query

        terms = self.terms(query)
        if not terms:
            return []
        q = self.index.create_query()
        for term in terms:
            q.term(term, use_pipeline=False, wildcard=Query.WILDCARD_TRAILING)
        results = self.index.query(q)
        items = []
        for r in results:
            matched = list(r["match_data"].metadata)
            found: dict[str, bool] = {}
            pending = list(dict.fromkeys(terms))
            for t in matched:
                for term in list(pending):
                    if t.startswith(term):
                        found[term] = True
                        pending.remove(term)
            for term in pending:
                if self.english_stop(_Tok(term)):
                    found[term] = False
            boost = (0 if self.parent[r["ref"]] else 1) + sum(found.values()) / len(found)
            items.append((r["score"] * (1 + boost ** 2), r["ref"]))
        items.sort(key=lambda item: -item[0])  # stable, as V8's sort
        pages: list[str] = []
        for _score, ref in items:
            page = self.parent[ref] or ref.split("#")[0]
            if page not in pages:
                pages.append(page)
        return pages


class _Tok:
    """lunr.py's stop word filter expects a token object."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


def evaluate_material(data_dir: Path, cases: list[Case]) -> Report:
    with tempfile.TemporaryDirectory(prefix="lotse-material-") as tmp:
        search_index = material_search_index(data_dir, Path(tmp))
    started = time.perf_counter()
    engine = MaterialSearch(search_index)
    return _score("Material (Standard, lang: de)", cases, engine.search, started)


# --------------------------------------------------------------------------- output


def table(reports: list[Report], cases: list[Case]) -> str:
    lines = [f"{len(cases)} Anfragen aus {CASES_FILE.relative_to(ROOT)}", "",
             f"{'Suche':<32} {'hit@1':>6} {'hit@3':>6} {'MRR':>6}"]
    for r in reports:
        lines.append(f"{r.name:<32} {r.hit_at(1):>6.3f} {r.hit_at(3):>6.3f} {r.mrr:>6.3f}")
    for tag in TAGS:
        chosen = [i for i, c in enumerate(cases) if tag in c.tags]
        if not chosen:
            continue
        cells = []
        for r in reports:
            sub = [r.results[i] for i in chosen]
            cells.append(f"{sum(1 for x in sub if x.rank and x.rank <= 3) / len(sub):.2f}")
        lines.append(f"  hit@3 {tag:<18} (n={len(chosen):>2}) " + "  ".join(cells))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--cases", type=Path, default=CASES_FILE)
    parser.add_argument("--ohne-material", action="store_true", help="only Lotse's row (no site build)")
    parser.add_argument("--details", action="store_true", help="print every query with its rank")
    parser.add_argument("--absichten", action="store_true", help="print the intent queries whose first result is not the primary service")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    reports = [evaluate_lotse(args.data, cases)]
    if not args.ohne_material:
        reports.append(evaluate_material(args.data, cases))
    print(table(reports, cases))
    intents = load_intents(args.cases)
    intent_report = evaluate_lotse(args.data, intents) if intents else None
    if intent_report:
        print(f"\n{len(intents)} Absichten (erster Treffer muss die Hauptleistung sein): "
              f"hit@1 {intent_report.hit_at(1):.3f}  hit@3 {intent_report.hit_at(3):.3f}  MRR {intent_report.mrr:.3f}")
    if args.details:
        for i, case in enumerate(cases):
            ranks = "  ".join(f"{str(r.results[i].rank or '-'):>3}" for r in reports)
            print(f"{ranks}  {case.query!r} -> {case.expected}  [{', '.join(case.tags)}]  Lotse top: {reports[0].results[i].top}")
    if intent_report and (args.details or args.absichten):
        for r in intent_report.results:
            if args.details or r.rank != 1:
                print(f"{str(r.rank or '-'):>3}  {r.query!r} -> {r.expected}  Lotse top: {r.top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
