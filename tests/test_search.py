"""Search: German text handling, the index, the dictionary, and Python/JavaScript parity.

The browser runs lotse/search/static/*.js; the evaluation runs lotse/search/*.py.
Tests marked "parity" run both on the same input (JavaScript through Node) and
compare the output, so the evaluation's numbers are the browser's numbers.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from snowballstemmer.german_stemmer import GermanStemmer

from conftest import DATA, ROOT, MINI_CONFIG, QUELLE, mini_service, write_yaml
from lotse.search import index as search_index, query
from lotse.search.compounds import Splitter
from lotse.search.provider import bundle, lunr_js_path
from lotse.search.text import settings, terms, words
from lunr.token_set import TokenSet
from lotse.validator import load

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js fehlt (wird für den Vergleich mit dem Browser-Code gebraucht)")

# Runs the browser's code under Node: stemmer, clauses, ranking, and a dump of the loaded index.
NODE_RUNNER = r"""
const fs = require("fs");
const vm = require("vm");
const [bundlePath, mode, payloadPath] = process.argv.slice(2);
// The very file the site ships (lunr.js + stemmer + core, minified), run as a browser would:
// one script, top-level "this" as the global object.
const sandbox = {};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(bundlePath, "utf8"), sandbox);
const lunr = sandbox.lunr;
const stemDe = sandbox.lotseStemDe;
const { Kern } = sandbox.lotseSucheKern;
const input = JSON.parse(fs.readFileSync(0, "utf8"));
let out;
if (mode === "stem") {
  out = input.map(stemDe);
} else {
  const payload = JSON.parse(fs.readFileSync(payloadPath, "utf8"));
  const kern = new Kern(payload.einstellungen);
  const terms = new Set(payload.index.terme.split(" "));
  if (mode === "stops") {
    const { stopStems, ...rest } = payload.einstellungen;
    out = [Array.from(new Kern(rest).stopStems).sort(), Array.from(kern.stopStems).sort()];
  } else if (mode === "clauses") {
    out = input.map(q => kern.clauses(q, t => terms.has(t)));
  } else if (mode === "terms") {
    out = input.map(t => kern.terms(t));
  } else {
    const idx = kern.loadIndex(lunr, payload.index);
    if (mode === "run") {
      out = input.map(q => kern.run(lunr, idx, q));
    } else if (mode === "plan") {
      out = input.map(q => kern.plan(lunr, idx, q));
    } else if (mode === "expand") {
      out = input.map(([term, editDistance, wildcard]) => idx.lotseExpand(term, editDistance, wildcard).sort());
    } else if (mode === "dump") {
      out = {
        postings: payload.index.terme.split(" ").map(t => {
          const p = idx.invertedIndex[t];
          const fields = {};
          idx.fields.forEach(f => { fields[f] = Object.keys(p[f]); });
          return [p._index, fields];
        }),
        vectors: input.map(ref => idx.fieldVectors[ref].elements),
      };
    }
  }
}
process.stdout.write(JSON.stringify(out));
"""


def run_node(tmp_path: Path, mode: str, data, payload: dict | None = None):
    runner = tmp_path / "runner.js"
    runner.write_text(NODE_RUNNER, encoding="utf-8")
    shipped = tmp_path / "lunr-suche.js"
    shipped.write_bytes(bundle())
    args = [NODE, str(runner), str(shipped), mode]
    if payload is not None:
        path = tmp_path / "index.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        args.append(str(path))
    done = subprocess.run(args, input=json.dumps(data), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- fixture data

SERVICES = {
    "personalausweis-beantragen": dict(
        name="Personalausweis beantragen", leika="99008001012000",
        kurzbeschreibung="Den Personalausweis beantragen Sie persönlich im Bürgerbüro.",
        kanaele=[{"typ": "vor-ort", "bezeichnung": "Persönlich im Bürgerbüro"}]),
    "schwerbehindertenausweis-beantragen": dict(
        name="Schwerbehindertenausweis beantragen", leika="99015007012000",
        kurzbeschreibung="Nachweis über eine Schwerbehinderung und den Grad der Behinderung.",
        kanaele=[{"typ": "amt24", "bezeichnung": "Online-Antrag", "url": "https://amt24.sachsen.de/zufi/leistungen/1"}],
        digitalisierung="digital"),
    "hundesteuer-anmeldung": dict(
        name="Hundesteuer Anmeldung", leika="99102013104000", synonyme=["Hund anmelden"],
        kurzbeschreibung="Wer einen Hund hält, meldet ihn zur Hundesteuer an.",
        kanaele=[{"typ": "formular", "bezeichnung": "Online-Formular", "url": "https://www.leipzig.de/formular/hund"},
                 {"typ": "post", "bezeichnung": "Per Post"}],
        digitalisierung="digital"),
    "kita-platz": dict(
        name="Betreuungsplatz in einer Kindertagesstätte beantragen", leika="99041004034000",
        kurzbeschreibung="Anmeldung für einen Platz in Krippe oder Kindergarten.",
        kanaele=[{"typ": "portal", "bezeichnung": "Elternportal", "url": "https://kita.leipzig.de/"}],
        digitalisierung="digital"),
    "fuehrerschein-umtausch": dict(
        name="Führerschein umtauschen", synonyme=["Fahrerlaubnis umschreiben"],
        kurzbeschreibung="Alte Führerscheine aus Papier werden gegen den Kartenführerschein getauscht."),
    "strassensondernutzung": dict(
        name="Straßensondernutzung beantragen",
        kurzbeschreibung="Erlaubnis für Gerüste, Container oder Stände auf der Straße."),
    "cafe-erlaubnis": dict(
        name="Freisitz für ein Café beantragen",
        kurzbeschreibung="Tische und Stühle vor einem Café auf dem Gehweg."),
}

DICTIONARY = {"woerter": {
    "Perso": ["Personalausweis"],
    "Ausweis verloren": ["Personalausweis", "Verlust"],  # also makes "ausweis" a known word part
    "Kita": ["Kindertagesstätte"],
    "Lappen": ["Führerschein"],
}}


@pytest.fixture(scope="module")
def suche_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("suche") / "data"
    write_yaml(root / "lotse.yml", {**MINI_CONFIG, "hervorgehoben": ["hundesteuer-anmeldung"], "buergertelefon": "115"})
    write_yaml(root / "aemter" / "testamt.yml", {"id": "testamt", "name": "Bürgerbüro Mitte", "traeger": "stadt", "stand": "2026-01-01", "quelle": QUELLE})
    for sid, fields in SERVICES.items():
        write_yaml(root / "services" / f"{sid}.yml", mini_service(sid, **fields))
    write_yaml(root / "lebenslagen" / "umzug.yml", {
        "id": "umzug", "titel": "Umzug", "kurzbeschreibung": "Was beim Umzug zu erledigen ist.",
        "schritte": [{"titel": "Hund ummelden", "leistungen": ["hundesteuer-anmeldung"]}], "stand": "2026-01-01", "quelle": QUELLE})
    write_yaml(root / "synonyme.yml", DICTIONARY)
    return root


@pytest.fixture(scope="module")
def built(suche_data):
    ds, problems = load(suche_data)
    assert not problems, [str(p) for p in problems]
    payload, entries = search_index.build(ds)
    payload = json.loads(search_index.dumps(payload))  # exactly what the browser receives
    return ds, payload, entries, query.load_index(payload)


def ids(built, q: str) -> list[str]:
    _ds, _payload, entries, idx = built
    return [entries[int(ref)]["u"].split("/")[1] for ref, _ in query.run(idx, q)]


# --------------------------------------------------------------------------- German text


@pytest.mark.parametrize("a, b", [
    ("Führerschein", "Fuehrerschein"),
    ("Führerschein", "fuhrerschein"),
    ("Straße", "Strasse"),
    ("STRASSE", "straße"),
    ("Café", "Cafe"),
    ("Bürgerbüro", "buergerbuero"),
    ("Personalausweise", "personalausweis"),
    ("Fu\u0308hrerschein", "Führerschein"),  # decomposed ü (macOS input)
])
def test_folding_and_stemming_make_spellings_equal(a, b):
    assert terms(a) == terms(b)
    assert terms(a)  # and they are not dropped


def test_no_trimmer_mangles_words_or_drops_numbers():
    # lunr-languages' trimmer cut "Personalausweis" to "ersonalausweis" and dropped pure numbers
    assert terms("Personalausweis Quittung Pass") == ["personalausweis", "quittung", "pass"]
    assert terms("LeiKa 99008001012000, PLZ 04109") == ["leika", "99008001012000", "plz", "04109"]


def test_stop_words_are_dropped_after_stemming():
    assert terms("Ich möchte meinen Hund anmelden") == ["hund", "anmeld"]
    assert terms("für fuer") == []


def test_words_split_on_symbols_and_hyphens():
    assert words("Kfz-Zulassung (i-Kfz) – 5 € / Jahr") == ["kfz", "zulassung", "kfz", "jahr"]


def test_compound_parts_come_from_the_corpus():
    splitter = Splitter(["personalausweis", "schwerbehindertenausweis", "schwerbehinderten", "hund", "hundesteuer", "steuer", "ausweise"])
    assert "ausweis" in splitter.split("personalausweis")  # shared tail after a known word
    assert "hund" in splitter.split("hundesteuer")  # head without the linking -e
    assert "steuer" in splitter.split("hundesteuer")
    assert splitter.split("hund") == []  # short words stay whole
    assert all(len(p) >= settings()["compounds"]["minPart"] for p in splitter.split("schwerbehindertenausweis"))


# --------------------------------------------------------------------------- ranking on the fixture


def test_name_matches_rank_first(built):
    assert ids(built, "Personalausweis")[0] == "personalausweis-beantragen"
    assert ids(built, "Hundesteuer")[0] == "hundesteuer-anmeldung"


def test_compound_part_finds_both_ausweise(built):
    assert set(ids(built, "ausweis")[:2]) == {"personalausweis-beantragen", "schwerbehindertenausweis-beantragen"}


def test_colloquial_dictionary_and_record_synonyms(built):
    assert ids(built, "Perso")[0] == "personalausweis-beantragen"
    assert ids(built, "perso verloren")[0] == "personalausweis-beantragen"
    assert ids(built, "Kita Platz")[0] == "kita-platz"
    assert ids(built, "Lappen umschreiben")[0] == "fuehrerschein-umtausch"
    assert ids(built, "hund anmelden")[0] == "hundesteuer-anmeldung"


def test_typos_in_long_words_are_tolerated(built):
    assert ids(built, "Persnalausweis")[0] == "personalausweis-beantragen"  # 1 edit
    assert ids(built, "Personalauswies ")[0] == "personalausweis-beantragen"  # 2 edits, long word
    assert ids(built, "Hundestuer")[0] == "hundesteuer-anmeldung"


def known_in(built):
    index = built[3]
    return lambda term: term in index.inverted_index


def test_short_words_get_no_fuzzy_matching(built):
    known = known_in(built)
    # "hunf" would otherwise reach "hund"; four letters are too short to guess
    assert all(c.edit_distance == 0 for c in query.clauses("hunf ", known))
    assert [c.edit_distance for c in query.clauses("Personalausweis ", known) if c.edit_distance] == [2]
    assert [c.edit_distance for c in query.clauses("Ausweis ", known) if c.edit_distance] == [1]


def test_unknown_words_lean_on_near_matches(built):
    known = known_in(built)
    fuzzy_known = [c.boost for c in query.clauses("Personalausweis ", known) if c.edit_distance]
    fuzzy_unknown = [c.boost for c in query.clauses("Persnalausweis ", known) if c.edit_distance]
    assert fuzzy_unknown[0] > fuzzy_known[0]


def test_a_term_reached_twice_counts_once(built):
    index = built[3]
    plan = query.plan(index, "Hundesteuer")  # exact, prefix and fuzzy clauses all reach "hundesteu"
    reached = [(word, term) for word, term, _ in plan]
    assert len(reached) == len(set(reached))
    assert ("hundesteu", 1) in [(term, boost) for word, term, boost in plan if word == 0]


def test_compound_query_words_are_split_against_the_index(built):
    known = known_in(built)
    # the index knows "Straße" and "Gerüste" from a description, but not "Straßengerüst"
    assert not known(terms("Straßengerüst")[0])
    parts = [c.term for c in query.clauses("Straßengerüst ", known) if c.word > 0 and not c.edit_distance]
    assert parts == ["strass", "gerust"]
    assert ids(built, "Straßengerüst")[0] == "strassensondernutzung"


def test_phrases_match_in_any_order(built):
    known = known_in(built)
    phrases = [(c.term, c.boost) for c in query.clauses("anmelden Hund", known) if c.word < 0]
    assert phrases == [("anmeld_hund", settings()["phrases"]["wholeBoost"])]  # two words: pair and whole are one
    assert ids(built, "anmelden Hund")[0] == "hundesteuer-anmeldung"


def test_results_with_all_words_come_first(built):
    # "Hund" alone would rank the Lebenslage with the step "Hund ummelden" high; both words win
    assert ids(built, "Hund Steuer")[0] == "hundesteuer-anmeldung"


def test_prefix_only_for_the_word_being_typed(built):
    known = known_in(built)
    assert ids(built, "Schwerbeh")[0] == "schwerbehindertenausweis-beantragen"
    assert ids(built, "Straßensonder")[0] == "strassensondernutzung"
    assert [c.term for c in query.clauses("hund anm", known) if c.wildcard] == ["anm"]
    assert not [c for c in query.clauses("hund anm ", known) if c.wildcard]  # a space ends the word


def test_numbers_stay_searchable(built):
    assert ids(built, "99102013104000") == ["hundesteuer-anmeldung"]
    assert ids(built, "9910201310")[0] == "hundesteuer-anmeldung"  # typing a key: prefix
    assert not [c for c in query.clauses("99102013104001 ", known_in(built)) if c.edit_distance]  # no "near" keys


def test_offices_and_lebenslagen_are_found(built):
    _ds, _p, entries, idx = built
    urls = [entries[int(r)]["u"] for r, _ in query.run(idx, "Bürgerbüro Mitte")]
    assert urls[0] == "aemter/testamt/"
    urls = [entries[int(r)]["u"] for r, _ in query.run(idx, "Umzug")]
    assert "lebenslagen/umzug/" in urls


def test_nothing_found_is_empty(built):
    assert ids(built, "Raumschiff") == []
    assert ids(built, "   ") == []
    assert ids(built, "und oder") == []


def test_entries_carry_what_results_show(built):
    _ds, _p, entries, _idx = built
    by_url = {e["u"]: e for e in entries}
    hund = by_url["leistungen/hundesteuer-anmeldung/"]
    assert hund["t"] == "Hundesteuer Anmeldung" and hund["k"] == "l"
    assert hund["c"] == ["formular", "post"]
    assert hund["o"] == "https://www.leipzig.de/formular/hund"
    assert "o" not in by_url["leistungen/personalausweis-beantragen/"]
    assert by_url["aemter/testamt/"]["k"] == "a"


def test_entries_file_has_a_line_per_entry_in_index_order(built):
    from lotse.search.provider import entries_payload
    from lotse.site.context import SiteContext

    ds, _payload, entries, _idx = built
    evil = dict(entries[0], t="Titel mit\tTab\nund Zeilenumbruch")
    payload = entries_payload(SiteContext(ds), [evil, *entries[1:]])
    lines = payload["eintraege"].split("\n")
    assert len(lines) == len(entries)
    assert lines[0].split("\t")[0] == "Titel mit Tab und Zeilenumbruch"  # separators cannot leak in
    for line, entry in zip(lines[1:], entries[1:]):
        t, u, k, c, o = line.split("\t")
        assert (t, u, k, c.split() if c else [], o) == (entry["t"], entry["u"], entry["k"], entry.get("c", []), entry.get("o", ""))
    assert payload["arten"]["l"] == "Leistung" and payload["telefon"] == "115"


# --------------------------------------------------------------------------- the shipped index format


def test_transport_form_is_lossless(built):
    ds, payload, _entries, _idx = built
    original = search_index.build_index(search_index.documents(ds)).serialize()
    decoded = query.decode(payload["index"])
    position = {term: i for i, (term, _) in enumerate(original["invertedIndex"])}
    renumber = {posting["_index"]: position[term] for term, posting in original["invertedIndex"]}
    assert [t for t, _ in decoded["invertedIndex"]] == [t for t, _ in original["invertedIndex"]]
    for (_, got), (_, want) in zip(decoded["invertedIndex"], original["invertedIndex"]):
        assert {f: sorted(got[f]) for f in original["fields"]} == {f: sorted(want[f]) for f in original["fields"]}
    want_vectors = {}
    for ref, el in original["fieldVectors"]:
        if el:
            want_vectors[ref] = sorted((renumber[el[i]], el[i + 1]) for i in range(0, len(el), 2))
    got_vectors = {ref: [(el[i], el[i + 1]) for i in range(0, len(el), 2)] for ref, el in decoded["fieldVectors"]}
    assert got_vectors == want_vectors  # exact floats, not approximately


def test_same_data_same_bytes(suche_data):
    ds, _ = load(suche_data)
    first = search_index.build(ds)
    ds2, _ = load(suche_data)
    second = search_index.build(ds2)
    assert search_index.dumps(first[0]) == search_index.dumps(second[0])
    assert search_index.dumps(first[1]) == search_index.dumps(second[1])


def test_bundle_ships_lunr_with_its_licence():
    text = bundle().decode("utf-8")
    original = lunr_js_path().read_text(encoding="utf-8")
    assert text.startswith(original[: original.index("*/") + 2])  # lunr's header, verbatim
    assert "@license MIT" in text[:300]
    assert "Snowball German stemmer" in text and "BSD 3-Clause" in text  # the port's licence header
    assert "lotseSucheKern" in text
    assert len(text) < len(original)  # comments and whitespace went


# --------------------------------------------------------------------------- parity with the browser code


def _stem_corpus() -> list[str]:
    """Every word the shipped index was built from and every term in it, plus real and random words."""
    ds, _problems = load(DATA)
    vocab = set(words(" ".join(search_index._raw_texts(ds))))
    for doc in search_index.documents(ds):
        for values in doc.fields.values():
            vocab.update(v for v in values if "_" not in v)  # phrase terms are joined stems
    catalogue = sorted({w for path in sorted((ROOT / "benchmarks" / "ozg-katalog-2019").glob("*.tsv"))
                        for w in words(path.read_text(encoding="utf-8"))})
    rnd = random.Random(4)
    vocab.update(rnd.sample(catalogue, min(3000, len(catalogue))))
    alphabet = "aeiouyäöüßqnrsltdgkmhbfcpwz'"
    vocab.update("".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 14))) for _ in range(2000))
    return sorted(vocab)


@needs_node
def test_parity_stemmer(tmp_path):
    corpus = _stem_corpus()
    assert len(corpus) > 5000
    js = run_node(tmp_path, "stem", corpus)
    reference = GermanStemmer()  # the module lotse.search.text uses, called directly
    mismatches = [(w, py, j) for w, j in zip(corpus, js) if (py := reference.stemWord(w)) != j]
    assert not mismatches, mismatches[:10]


PARITY_QUERIES = [
    "Perso", "perso verloren", "Personalausweis", "Persnalausweis", "Personalauswies ", "ausweis",
    "Kita Platz", "kita", "Hund anmelden", "hund anm", "Hundestuer", "Führerschein umschreiben",
    "Fuehrerschein", "FÜHRERSCHEIN ", "Lappen", "Straßensonder", "strasse", "Café", "cafe",
    "99102013104000", "9910201310", "04109", "Ich möchte meinen Hund anmelden", "und", "", "   ",
    "Bürgerbüro Mitte", "Umzug", "x", "Fu\u0308hrerschein", "Kfz-Zulassung", "Grad der Behinderung",
    "Strassensondernutzung", "anmelden Hund", "Hund Steuer", "Schwerbehindertenausweiss", "um",
]


@needs_node
def test_parity_terms_clauses_and_plan(tmp_path, built):
    _ds, payload, _entries, idx = built
    js_terms = run_node(tmp_path, "terms", PARITY_QUERIES, payload)
    assert js_terms == [terms(q) for q in PARITY_QUERIES]
    known = set(payload["index"]["terme"].split(" "))
    js_clauses = run_node(tmp_path, "clauses", PARITY_QUERIES, payload)
    assert js_clauses == [[c.as_dict() for c in query.clauses(q, known.__contains__)] for q in PARITY_QUERIES]
    js_plan = run_node(tmp_path, "plan", PARITY_QUERIES, payload)
    assert js_plan == [[list(p) for p in query.plan(idx, q)] for q in PARITY_QUERIES]
    # index.json ships the stop words stemmed; the browser's own stemming agrees
    computed, shipped = run_node(tmp_path, "stops", [], payload)
    assert computed == shipped == payload["einstellungen"]["stopStems"] and "und" in shipped


@needs_node
def test_parity_prefix_and_fuzzy_expansion_on_the_shipped_index(tmp_path):
    """The browser expands prefix and fuzzy words by walking the sorted term list;
    lunr.py intersects with a trie of all terms. Same terms for real words,
    mistyped words (every kind of edit) and prefixes, on the shipped index."""
    ds, _problems = load(DATA)
    payload = json.loads(search_index.dumps(search_index.build(ds)[0]))
    idx = query.load_index(payload)
    joiner = settings()["phrases"]["joiner"]
    words_ = sorted(t for t in payload["index"]["terme"].split(" ") if joiner not in t and t.isalpha())
    rnd = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    cases = []
    for word in rnd.sample(words_, 150):
        typo = list(word)
        for _ in range(rnd.randint(1, 2)):
            i = rnd.randrange(len(typo))
            edit = rnd.choice("dist")
            if edit == "d" and len(typo) > 1:
                del typo[i]
            elif edit == "i":
                typo.insert(i, rnd.choice(letters))
            elif edit == "s":
                typo[i] = rnd.choice(letters)
            elif i + 1 < len(typo):
                typo[i], typo[i + 1] = typo[i + 1], typo[i]
        typo = "".join(typo)
        cases += [[word, 1, False], [typo, 1, False], [typo, 2, False], [word[: max(2, len(word) // 2)], 0, True]]
    cases += [["ausweis", 2, False], ["hund", 1, False], ["kfz", 1, False], ["a", 1, False], ["zzzzzz", 2, False]]
    js = run_node(tmp_path, "expand", cases, payload)

    def lunr_py(term, edit_distance, wildcard):
        token_set = TokenSet.from_fuzzy_string(term, edit_distance) if edit_distance else TokenSet.from_string(term + "*" * wildcard)
        return sorted(t for t in idx.token_set.intersect(token_set).to_list() if joiner not in t)

    expected = [lunr_py(*case) for case in cases]
    assert sum(len(e) for e in expected) > len(cases)  # the cases do reach terms
    mismatches = [(case, got, want) for case, got, want in zip(cases, js, expected) if got != want]
    assert not mismatches, mismatches[:5]


@needs_node
def test_parity_ranking_and_loaded_index(tmp_path, built):
    _ds, payload, _entries, idx = built
    js = run_node(tmp_path, "run", PARITY_QUERIES, payload)
    for q, js_hits in zip(PARITY_QUERIES, js):
        py_hits = query.run(idx, q)
        assert [r for r, _ in js_hits] == [r for r, _ in py_hits], q
        assert [s for _, s in js_hits] == pytest.approx([s for _, s in py_hits], abs=1e-12), q
    decoded = query.decode(payload["index"])
    refs = [ref for ref, _ in decoded["fieldVectors"]]
    dump = run_node(tmp_path, "dump", refs, payload)
    for (term, posting), (js_index, js_fields) in zip(decoded["invertedIndex"], dump["postings"]):
        assert js_index == posting["_index"], term
        assert js_fields == {f: list(posting[f]) for f in decoded["fields"]}, term
    assert dump["vectors"] == [el for _, el in decoded["fieldVectors"]]


# --------------------------------------------------------------------------- the dictionary file


def test_shipped_dictionary_is_valid():
    ds, problems = load(DATA)
    assert not [p for p in problems if p.path.endswith("synonyme.yml")]
    assert "synonyme" in ds.extra
    assert len(ds.extra["synonyme"].data["woerter"]) >= 20


def test_dictionary_documents_itself_for_editors():
    text = (DATA / "synonyme.yml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/synonyme.schema.json")
    assert "Perso:" in text and "Regeln:" in text
    schema = json.loads((ROOT / "schemas" / "synonyme.schema.json").read_text(encoding="utf-8"))

    def walk(node, where):
        if isinstance(node, dict) and ("type" in node or "properties" in node):
            for key in ("title", "description", "examples"):
                assert node.get(key), f"{where}: {key} fehlt"
        if isinstance(node, dict):
            for key in ("properties",):
                for name, child in node.get(key, {}).items():
                    walk(child, f"{where}.{name}")
            for key in ("additionalProperties", "items"):
                if isinstance(node.get(key), dict):
                    walk(node[key], f"{where}[{key}]")

    for name, child in schema["properties"].items():
        walk(child, name)


@pytest.mark.parametrize("text, expected", [
    ("woerter:\n  Perso: []\n", "mindestens 1"),
    ("woerter:\n  Perso:\n    - ''\n", "zu kurz"),
    ("woerter:\n  Perso: Personalausweis\n", "muss Liste"),
    ("woerter:\n  Perso:\n    - Personalausweis\n  perso:\n    - Ausweis\n", "steht schon als „Perso“ in Zeile 2"),
    ("woerter:\n  die:\n    - Personalausweis\n", "kein suchbares Wort"),
    ("woerter:\n  Perso:\n    - und\n", "kein suchbares Wort"),
    ("woerter:\n  Ausweise:\n    - Ausweis\n", "dasselbe Wort"),
    ("wörter:\n  Perso: [Personalausweis]\n", "Unbekanntes Feld „wörter“"),
])
def test_dictionary_problems_are_reported_in_german(mini_data, text, expected):
    (mini_data / "synonyme.yml").write_text(text, encoding="utf-8")
    _ds, problems = load(mini_data)
    lines = [str(p) for p in problems]
    assert any(expected in line and "synonyme.yml:" in line for line in lines), lines


def test_dictionary_is_optional(mini_data):
    assert not (mini_data / "synonyme.yml").exists()
    ds, problems = load(mini_data)
    assert not problems
    payload, entries = search_index.build(ds)
    assert entries and payload["index"]["terme"]


# --------------------------------------------------------------------------- quality on the shipped data


def _eval_module():
    spec = importlib.util.spec_from_file_location("search_eval", ROOT / "benchmarks" / "search_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_evaluation_set_is_realistic_and_resolvable():
    ev = _eval_module()
    cases = ev.load_cases()
    assert len(cases) >= 80
    kinds = {tag for case in cases for tag in case.tags}
    assert {"umgangssprache", "tippfehler", "zahl", "wortteil"} <= kinds
    ds, _ = load(DATA)
    missing = [c.query for c in cases if c.expected not in ds.leistungen]
    assert not missing, f"Erwartete Leistungen fehlen in data/services/: {missing}"


def test_hit_at_3_on_the_shipped_data():
    ev = _eval_module()
    report = ev.evaluate_lotse(DATA, ev.load_cases())
    misses = [f"{r.query!r} -> {r.expected} (Rang {r.rank})" for r in report.results if not r.rank or r.rank > 3]
    assert report.hit_at(3) >= 0.95, misses


def test_intents_find_the_primary_service_first():
    """Issue 14: short queries for common tasks; the FIRST result must be the primary service."""
    ev = _eval_module()
    intents = ev.load_intents()
    assert len(intents) >= 60
    ds, _ = load(DATA)
    assert not [c.query for c in intents if c.expected not in ds.leistungen]
    report = ev.evaluate_lotse(DATA, intents)
    misses = [f"{r.query!r} -> {r.expected} (Rang {r.rank}, zuerst {r.top[:1]})" for r in report.results if r.rank != 1]
    assert report.hit_at(1) >= 0.95, misses


def test_demand_prior_is_part_of_the_shipped_index(tmp_path):
    """The prior lives in the index vectors (document boost), so Python and browser rank alike;
    without it the rarer relative wins the short query."""
    from lotse.search.index import SearchDoc, doc_boost

    assert doc_boost(SearchDoc("leistung", "x", "X", demand="hoch")) > doc_boost(SearchDoc("leistung", "x", "X"))
    ev = _eval_module()
    import shutil

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    case = [c for c in ev.load_intents() if c.query == "personalausweis"]
    with_prior = ev.evaluate_lotse(data, case).results[0]
    for path in (data / "services").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        if "\nnachfrage:" in text:
            head, _, rest = text.partition("\nnachfrage:\n")
            tail = rest.split("\n")
            while tail and (tail[0].startswith(" ") or not tail[0]):
                tail.pop(0)
            path.write_text(head + "\n" + "\n".join(tail), encoding="utf-8")
    without = ev.evaluate_lotse(data, case).results[0]
    assert with_prior.rank == 1 and without.rank != 1


def test_index_built_in_a_second_process_is_the_same(monkeypatch):
    """prepare() builds the index while pages render; the result must not depend on where it was built."""
    from lotse.search import provider
    from lotse.site.context import SiteContext

    ds, problems = load(DATA)
    assert problems == []
    alone = {f.path: f.content for f in provider.files(SiteContext(ds))}
    ctx = SiteContext(ds)
    provider.prepare(ctx)
    if sys.platform.startswith("linux") and (__import__("os").cpu_count() or 1) >= 2:
        assert ctx.search_job is not None  # a second process is at work
    parallel = {f.path: f.content for f in provider.files(ctx)}
    assert parallel == alone
    assert getattr(ctx, "search_job", None) is None  # collected, process joined


def test_a_failing_index_process_falls_back_to_building_here(monkeypatch):
    from lotse.search import provider
    from lotse.site.context import SiteContext

    ds, _ = load(DATA)
    expected = {f.path: f.content for f in provider.files(SiteContext(ds))}
    ctx = SiteContext(ds)
    real = provider._data_files
    monkeypatch.setattr(provider, "_data_files", lambda c: (_ for _ in ()).throw(RuntimeError("kaputt")))
    provider.prepare(ctx)  # the forked child inherits the broken function and sends None
    monkeypatch.setattr(provider, "_data_files", real)
    if getattr(ctx, "search_job", None) is not None:
        job = ctx.search_job
        assert provider._collect(ctx) is None  # the child reported its failure ...
        assert job[0].exitcode == 0
    assert {f.path: f.content for f in provider.files(ctx)} == expected  # ... and files() built it here
