"""Digitalisierung in Zahlen (issue 7): exact figures, missing stays missing, ranking.

The fixture dataset below is small enough that every expected figure can be
counted by hand; the comments next to each record say what it contributes.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import QUELLE, RECHTLICHES, write_yaml

from lotse import bericht as b
from lotse.bericht import page as bericht_page
from lotse.cli import main
from lotse.site.context import SiteContext
from lotse.validator import load_valid

CONFIG = {
    "stadt": "Teststadt",
    # Fixtures are dated 2026; a limit of a century keeps "bitte prüfen" out of these tests
    # whatever the day they run (tests/test_frische.py covers the rule).
    "frische": {"pruefen_nach_tagen": 36500},
    "ars": "147130000000",
    "portale": {
        "amt24": "https://amt24.sachsen.de/",
        "amt24_name": "Amt24",
        "bundesportal": "https://verwaltung.bund.de/leistungsverzeichnis/de/leistung/{id}",
    },
    "rechtliches": RECHTLICHES,
    "stand": "2026-01-01",
}


def office(oid: str, name: str, traeger: str = "stadt") -> dict:
    return {"id": oid, "name": name, "traeger": traeger, "stand": "2026-01-01", "quelle": QUELLE}


def kanal(typ: str) -> dict:
    return {"typ": typ, "bezeichnung": f"Kanal {typ}"}


def service(sid: str, name: str, amt: str, kanaele: list[str], level: str, **fields) -> dict:
    record = {
        "id": sid,
        "name": name,
        "kurzbeschreibung": "Eine kurze Beschreibung für Tests.",
        "zielgruppe": ["buerger"],
        "zustaendig": amt,
        "kanaele": [kanal(t) for t in kanaele],
        "digitalisierung": level,
        "stand": "2026-01-01",
        "quelle": QUELLE,
    }
    record.update(fields)
    return record


def write_dataset(root: Path, services: list[dict], lebenslagen: dict[str, list[str]] | None = None) -> Path:
    write_yaml(root / "lotse.yml", CONFIG)
    for oid, name, traeger in (
        ("amt-buergerservice", "Amt Bürgerservice", "stadt"),
        ("ordnungsamt", "Ordnungsamt", "stadt"),
        ("familienkasse", "Familienkasse", "bund"),
    ):
        write_yaml(root / "aemter" / f"{oid}.yml", office(oid, name, traeger))
    for record in services:
        write_yaml(root / "services" / f"{record['id']}.yml", record)
    (root / "lebenslagen").mkdir(parents=True, exist_ok=True)
    for ll_id, members in (lebenslagen or {}).items():
        write_yaml(root / "lebenslagen" / f"{ll_id}.yml", {
            "id": ll_id, "titel": ll_id.capitalize(), "kurzbeschreibung": "Eine Lebenslage für Tests.",
            "schritte": [{"titel": "Alles erledigen", "leistungen": members}], "stand": "2026-01-01", "quelle": QUELLE,
        })
    return root


FIXTURE_SERVICES = [
    # digital, main channel Amt24; two years of figures: only 2024 may be used.
    service("s-amt24", "Ausweis beantragen", "amt-buergerservice", ["amt24", "vor-ort"], "digital", kennzahlen=[
        {"jahr": 2023, "faelle_analog": 9000, "faelle_digital": 3000, "quelle": "Bilanz 2023"},
        {"jahr": 2024, "faelle_analog": 8000, "faelle_digital": 5000,
         "mindestbearbeitungszeit_analog": {"wert": 20, "einheit": "minuten"},
         "mindestbearbeitungszeit_digital": {"wert": 1, "einheit": "minuten"},
         "rueckstand": 0, "durchlauf_pro_monat": 1083.5, "quelle": "Bilanz 2024"},
    ]),
    # form first, Amt24 second: main channel "formular", but it also counts as "with Amt24".
    service("s-formular", "Bewohnerparken beantragen", "amt-buergerservice", ["formular", "amt24"], "digital"),
    service("s-efa", "Elterngeld beantragen", "ordnungsamt", ["efa"], "ende-zu-ende"),
    # only digital cases known: reach unknown, coverage "analog oder digital" yes.
    service("s-portal", "Fahrzeug zulassen", "amt-buergerservice", ["portal", "vor-ort"], "digital",
            kennzahlen=[{"jahr": 2024, "faelle_digital": 400, "quelle": "KBA"}]),
    # analog with a PDF by e-mail and a backlog; everything else checked and "no".
    service("s-email", "Wohngeld beantragen", "ordnungsamt", ["email-pdf", "post"], "analog",
            kennzahlen=[{"jahr": 2024, "faelle_analog": 2000, "faelle_digital": 0, "rueckstand": 150, "quelle": "Sozialamt"}],
            planung={"digital_bis": "2026", "ende_zu_ende": False, "quelle": "Fahrplan"},
            professionelle_nutzer=[], efa_loesung={"verfuegbar": False}),
    # analog, nothing known except a plan without the end-to-end answer.
    service("s-analog", "Umzugsschild aufstellen", "amt-buergerservice", ["vor-ort"], "analog",
            planung={"digital_bis": "2027-06"}),
    # not a city service: listed as excluded, counted nowhere.
    service("s-kindergeld", "Kindergeld beantragen", "familienkasse", ["efa"], "digital",
            kennzahlen=[{"jahr": 2024, "faelle_digital": 99999, "quelle": "BA"}]),
]
FIXTURE_LEBENSLAGEN = {"geburt": ["s-amt24", "s-email", "s-kindergeld"], "umzug": ["s-formular", "s-portal", "s-analog"]}


@pytest.fixture
def bericht_data(tmp_path) -> Path:
    return write_dataset(tmp_path / "data", FIXTURE_SERVICES, FIXTURE_LEBENSLAGEN)


@pytest.fixture
def rep(bericht_data) -> b.Bericht:
    return b.compute(load_valid(bericht_data))


def row(rep, sid):
    return next(r for r in rep.zeilen if r.id == sid)


# --------------------------------------------------------------------------- exact figures


def test_scope_is_city_services(rep):
    assert rep.gesamt == 6
    assert rep.ausserhalb == [("s-kindergeld", "familienkasse", "Familienkasse")]
    assert rep.ausserhalb_je_stelle == [("familienkasse", "Familienkasse", 1)]
    assert "s-kindergeld" not in {r.id for r in rep.zeilen}


def test_channel_split(rep):
    split = {k.key: (k.hauptkanal, k.mit_kanal) for k in rep.kanaele}
    assert split == {"amt24": (1, 2), "formular": (1, 1), "andere": (2, 2)}
    assert sum(k.hauptkanal for k in rep.kanaele) + rep.nur_analog == rep.gesamt
    assert rep.nur_analog == 2
    assert rep.analog_mit_email_pdf == 1


def test_levels(rep):
    assert rep.stufen == {"analog": 2, "digital": 3, "ende-zu-ende": 1}
    assert rep.digital == 4


def test_shares_per_lebenslage_and_office(rep):
    # Kindergeld is in "geburt" but belongs to the Familienkasse: not counted.
    assert [(a.key, a.digital, a.gesamt, a.prozent) for a in rep.je_lebenslage] == [
        ("geburt", 1, 2, "50,0\u00a0%"),
        ("umzug", 2, 3, "66,7\u00a0%"),
    ]
    assert [(a.label, a.digital, a.gesamt, a.prozent) for a in rep.je_amt] == [
        ("Amt Bürgerservice", 3, 4, "75,0\u00a0%"),
        ("Ordnungsamt", 1, 2, "50,0\u00a0%"),
    ]


def test_roadmap(rep):
    assert [(j.jahr, [r.id for r in j.zeilen], j.ende_zu_ende, j.nicht_ende_zu_ende, j.ohne_angabe) for j in rep.fahrplan] == [
        ("2026", ["s-email"], 0, 1, 0),
        ("2027", ["s-analog"], 0, 0, 1),
    ]
    assert rep.analog_ohne_planung == 0


def test_coverage_counts(rep):
    assert [(a.label, a.bekannt, a.von) for a in rep.abdeckung] == [
        ("Fallzahlen (analog oder digital)", 3, 6),
        ("Fallzahlen analog und digital", 2, 6),
        ("Mindestbearbeitungszeit (analog oder digital)", 1, 6),
        ("Bearbeitungsstau", 2, 6),
        ("Durchlauf pro Monat", 1, 6),
        ("Planung der Digitalisierung", 2, 2),
        ("Professionelle Nutzergruppen", 1, 2),
        ("EfA-Lösung", 1, 2),
    ]
    assert "Fallzahlen sind für 3 von 6 städtischen Leistungen bekannt." in b.coverage_sentence(rep)


def test_latest_year_only(rep):
    r = row(rep, "s-amt24")
    assert (r.jahr, r.faelle_analog, r.faelle_digital, r.kennzahl_quelle) == (2024, 8000, 5000, "Bilanz 2024")
    assert r.min_analog.text() == "20\u00a0Minuten" and r.min_digital.text() == "1\u00a0Minute"
    assert r.durchlauf == 1083.5 and r.rueckstand == 0


# --------------------------------------------------------------------------- missing stays missing


def test_missing_is_none_not_zero(rep):
    r = row(rep, "s-formular")
    assert (r.jahr, r.faelle_analog, r.faelle_digital, r.min_analog, r.rueckstand, r.durchlauf) == (None,) * 6
    assert r.known_cases is None
    p = row(rep, "s-portal")
    assert p.faelle_analog is None and p.faelle_digital == 400


def csv_rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_missing_in_csv_is_empty_and_zero_is_zero(rep):
    rows = {r["Kennung"]: r for r in csv_rows(b.to_csv(rep))}
    assert list(rows) == [r.id for r in rep.zeilen]
    assert rows["s-formular"]["Fälle analog pro Jahr"] == ""
    assert rows["s-formular"]["Bearbeitungsstau (Fälle)"] == ""
    assert rows["s-portal"]["Fälle analog pro Jahr"] == ""
    assert rows["s-portal"]["Fälle digital pro Jahr"] == "400"
    assert rows["s-email"]["Fälle digital pro Jahr"] == "0"  # a real zero stays a zero
    assert rows["s-amt24"]["Bearbeitungsstau (Fälle)"] == "0"
    assert rows["s-amt24"]["Durchlauf pro Monat"] == "1083,5"
    assert rows["s-analog"]["Ende-zu-Ende geplant"] == ""
    assert rows["s-email"]["Ende-zu-Ende geplant"] == "nein"
    assert rows["s-efa"]["Ende-zu-Ende geplant"] == b.ALREADY_E2E
    assert "s-kindergeld" not in rows


def test_missing_in_markdown_is_keine_angabe(rep):
    text = b.to_markdown(rep)
    line = next(ln for ln in text.splitlines() if ln.startswith("| s-formular |"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    header = next(ln for ln in text.splitlines() if ln.startswith("| Kennung |"))
    cols = [c.strip() for c in header.strip("|").split("|")]
    got = dict(zip(cols, cells))
    for col in ("Fälle analog pro Jahr", "Fälle digital pro Jahr", "Bearbeitungsstau (Fälle)", "Durchlauf pro Monat"):
        assert got[col] == b.MISSING
    email = dict(zip(cols, [c.strip() for c in next(ln for ln in text.splitlines() if ln.startswith("| s-email |")).strip("|").split("|")]))
    assert email["Fälle digital pro Jahr"] == "0"
    assert email["Fälle analog pro Jahr"] == "2.000"


# --------------------------------------------------------------------------- ranking

BASE = dict(  # every criterion checked and "nicht erfüllt"
    kennzahlen=[{"jahr": 2024, "faelle_analog": 100, "faelle_digital": 0, "rueckstand": 0, "quelle": "Test"}],
    professionelle_nutzer=[],
    efa_loesung={"verfuegbar": False},
)


def variant(sid: str, name: str, **changes) -> dict:
    fields = {k: v for k, v in BASE.items()}
    fields["kennzahlen"] = [dict(BASE["kennzahlen"][0])]
    kz = changes.pop("kz", {})
    fields["kennzahlen"][0].update(kz)
    for key in [k for k, v in kz.items() if v is None]:
        del fields["kennzahlen"][0][key]
    kanaele = changes.pop("kanaele", ["vor-ort"])
    fields.update(changes)
    for key in [k for k, v in fields.items() if v is None]:
        del fields[key]
    return service(sid, name, "amt-buergerservice", kanaele, "analog", **fields)


def ranked(tmp_path, services) -> list[b.Prioritaet]:
    root = write_dataset(tmp_path / "rank", services)
    return b.compute(load_valid(root)).prioritaet


def statuses(p: b.Prioritaet) -> dict[str, str]:
    return {m.kriterium.key: m.status for m in p.bewertungen}


def test_each_criterion_alone_lifts_a_service(tmp_path):
    services = [
        variant("base", "A Basis"),
        variant("reach", "Z Reichweite", kz={"faelle_analog": 9999, "faelle_digital": 2}),  # 10.001 > 10.000
        variant("prof", "D Professionell", professionelle_nutzer=["Bestatter"]),
        variant("efa", "C EfA", efa_loesung={"verfuegbar": True, "bezeichnung": "EfA-Test"}),
        variant("relief", "B Entlastung", kz={"rueckstand": 5}),
    ]
    result = ranked(tmp_path, services)
    by_id = {p.zeile.id: p for p in result}
    assert statuses(by_id["base"]) == {"reichweite": b.NOT_MET, "professionell": b.NOT_MET, "efa": b.NOT_MET, "entlastung": b.NOT_MET}
    for sid, key in (("reach", "reichweite"), ("prof", "professionell"), ("efa", "efa"), ("relief", "entlastung")):
        expected = {k: b.NOT_MET for k in ("reichweite", "professionell", "efa", "entlastung")} | {key: b.MET}
        assert statuses(by_id[sid]) == expected, sid
        assert by_id[sid].punkte == 1
    # Equal points: more known cases first (reach has 10.001), then by name; base (0 points) last.
    assert [p.zeile.id for p in result] == ["reach", "relief", "efa", "prof", "base"]
    assert [p.rang for p in result] == [1, 2, 3, 4, 5]


def test_more_criteria_rank_higher_and_ties_are_deterministic(tmp_path):
    services = [
        variant("two", "Y Zwei", professionelle_nutzer=["Autohäuser"], efa_loesung={"verfuegbar": True}),
        variant("one-b", "M Eins", kanaele=["email-pdf"]),
        variant("one-a", "M Eins", kanaele=["email-pdf"]),  # same name and cases: id decides
    ]
    first = [p.zeile.id for p in ranked(tmp_path, services)]
    assert first == ["two", "one-a", "one-b"]


@pytest.mark.parametrize("kz, expected", [
    ({"faelle_analog": 9998, "faelle_digital": 2}, b.NOT_MET),  # exactly 10.000 is not "more than"
    ({"faelle_analog": 9998, "faelle_digital": 3}, b.MET),
    ({"faelle_analog": 5000, "faelle_digital": None}, b.UNKNOWN),  # the missing part could be anything
    ({"faelle_analog": 10001, "faelle_digital": None}, b.MET),  # the known part alone proves it
])
def test_reach_boundaries(tmp_path, kz, expected):
    (p,) = ranked(tmp_path, [variant("x", "Testleistung", kz=kz)])
    assert statuses(p)["reichweite"] == expected


@pytest.mark.parametrize("changes, expected", [
    ({"kz": {"faelle_analog": 10000}}, b.MET),  # the city's "at least ten thousand a year"
    ({"kz": {"faelle_analog": 9999}}, b.NOT_MET),
    ({"kanaele": ["email-pdf", "vor-ort"]}, b.MET),  # manual re-typing of the PDF
    ({"kz": {"rueckstand": None}}, b.UNKNOWN),
    ({"kz": {"faelle_analog": None}}, b.UNKNOWN),
])
def test_relief_boundaries(tmp_path, changes, expected):
    (p,) = ranked(tmp_path, [variant("x", "Testleistung", **changes)])
    assert statuses(p)["entlastung"] == expected


def test_unknown_criteria_are_unknown_not_failed(tmp_path):
    (p,) = ranked(tmp_path, [service("x", "Testleistung", "amt-buergerservice", ["vor-ort"], "analog")])
    assert statuses(p) == {k: b.UNKNOWN for k in ("reichweite", "professionell", "efa", "entlastung")}
    assert p.punkte == 0 and p.offen == 4


def test_priority_reasons_are_shown(rep):
    (first, second) = rep.prioritaet
    assert first.zeile.id == "s-email" and first.punkte == 1
    reasons = dict((m.kriterium.key, m.grund) for m in first.bewertungen)
    assert "PDF per E-Mail" in reasons["entlastung"] and "150" in reasons["entlastung"]
    assert reasons["reichweite"] == "2.000 Fälle im Jahr 2024"
    assert second.zeile.id == "s-analog" and second.offen == 4
    md = b.to_markdown(rep)
    assert "erfüllt: PDF per E-Mail wird von Hand übertragen; Bearbeitungsstau 150 Fälle" in md
    assert b.priority_sentence(rep) == (
        "Nach den vorhandenen Daten erfüllen 1 von 2 analogen Leistungen mindestens ein Kriterium. "
        "Bei 1 Leistung ist noch keines der vier Kriterien bekannt; dort folgt die Reihenfolge nur dem Namen "
        "und sagt nichts über die Priorität."
    )


def test_ranking_only_lists_analog_services(rep):
    assert {p.zeile.id for p in rep.prioritaet} == {r.id for r in rep.zeilen if r.verfuegbarkeit == "analog"}


# --------------------------------------------------------------------------- CLI


def test_cli_csv_is_the_download(bericht_data, rep):
    result = CliRunner().invoke(main, ["bericht", "--data", str(bericht_data), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b.to_csv(rep).encode("utf-8")


def test_cli_markdown(bericht_data, rep):
    result = CliRunner().invoke(main, ["bericht", "--data", str(bericht_data)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode("utf-8") == b.to_markdown(rep)
    assert "| Amt24 | 1 | 2 |" in result.output


def test_cli_refuses_invalid_data(bericht_data):
    path = bericht_data / "services" / "s-efa.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("digitalisierung: ende-zu-ende", "digitalisierung: halb"), encoding="utf-8")
    result = CliRunner().invoke(main, ["bericht", "--data", str(bericht_data)])
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "digitalisierung" in result.output
    assert "# Digitalisierung in Zahlen" not in result.output


# --------------------------------------------------------------------------- page = CSV = CLI


class Tables(HTMLParser):
    """Every <table> of a page as [header cells, *rows] of plain text; aria-hidden marks dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.order: list[list[list[str]]] = []
        self._table = self._row = self._cell = None
        self._hidden = 0
        self._id = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._hidden or attrs.get("aria-hidden") == "true":
            self._hidden += 1 if tag not in VOID else 0
            return
        if tag == "table":
            self._table, self._id = [], attrs.get("id")
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if self._hidden:
            self._hidden -= 1
            return
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).replace("\u00a0", " ").split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.order.append(self._table)
            if self._id:
                self.tables[self._id] = self._table
            self._table = None

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


VOID = {"br", "img", "input", "link", "meta", "hr"}


def page_tables(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


def markdown_tables(text: str) -> list[list[list[str]]]:
    tables, current = [], None
    for line in text.splitlines():
        if line.startswith("| "):
            cells = [" ".join(c.replace("\\|", "|").replace("\u00a0", " ").split()) for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            if all(set(c) <= set("-:") for c in cells):
                continue
            if current is None:
                current = []
                tables.append(current)
            current.append(cells)
        else:
            current = None
    return tables


def provider_output(data_dir: Path) -> dict[str, object]:
    ctx = SiteContext(load_valid(data_dir))
    return {f.path: f for f in bericht_page.files(ctx)}


def german_number(text: str):
    """Parse "8.000", "1.083,5" (page) and "8000", "1083,5" (CSV); missing -> None."""
    if text in ("", b.MISSING):
        return None
    value = float(text.replace(".", "").replace(",", "."))
    return int(value) if value.is_integer() else value


def test_page_shows_every_markdown_table(bericht_data, rep):
    out = provider_output(bericht_data)
    page = page_tables(out["digitalisierung/index.md"].html)
    md = markdown_tables(b.to_markdown(rep))
    assert len(md) == len(page.order) == 10  # headline, channels, levels, 2 shares, 2 roadmap, coverage, priorities, overview
    for table in md:
        assert table in page.order, table[0]


def test_page_csv_and_cli_agree_on_every_figure(bericht_data, rep):
    out = provider_output(bericht_data)
    csv_bytes = out["digitalisierung/digitalisierung.csv"].content
    cli = CliRunner().invoke(main, ["bericht", "--data", str(bericht_data), "--format", "csv"])
    assert cli.stdout_bytes == csv_bytes  # the download is exactly what `lotse bericht` prints
    table = page_tables(out["digitalisierung/index.md"].html).tables["lotse-bericht-tabelle"]
    header, body = table[0], table[1:]
    assert header == [c.header for c in b.COLUMNS]
    from_csv = csv_rows(csv_bytes.decode("utf-8"))
    assert [r["Kennung"] for r in from_csv] == [r[0] for r in body] == [r.id for r in rep.zeilen]
    numeric = [c for c in b.COLUMNS if c.kind in ("int", "decimal")]
    for page_row, csv_row, zeile in zip(body, from_csv, rep.zeilen):
        cells = dict(zip(header, page_row))
        for c in numeric:
            assert german_number(cells[c.header]) == german_number(csv_row[c.header]) == c.value(zeile), (zeile.id, c.key)
        for c in b.COLUMNS:
            if c.kind not in ("int", "decimal"):
                expected = csv_row[c.header] or b.MISSING
                assert cells[c.header] == expected, (zeile.id, c.key)


def test_page_marks_missing_as_missing(bericht_data):
    html = provider_output(bericht_data)["digitalisierung/index.md"].html
    row = re.search(r'<tr data-verfuegbarkeit="digital"><td>s-formular</td>.*?</tr>', html).group(0)
    assert row.count('class="lotse-zahl lotse-fehlt">keine Angabe<') == 4  # cases x2, backlog, throughput
    assert ">0<" not in row


def test_charts_are_accessible_svg(bericht_data):
    html = provider_output(bericht_data)["digitalisierung/index.md"].html
    charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(charts) == 5
    for svg in charts:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        uid = re.search(r'aria-labelledby="([^ "]+)-title', svg).group(1)
        assert f'id="{uid}-title"' in svg and f'id="{uid}-desc"' in svg
    roadmap = next(s for s in charts if "lotse-fahrplan" in s)
    # Segments differ by pattern, not only by colour, and the desc spells out the numbers.
    assert "url(#lotse-fahrplan-hatch)" in roadmap and "url(#lotse-fahrplan-dots)" in roadmap
    assert "<desc id=\"lotse-fahrplan-desc\">2026: 1 (0 / 1 / 0); 2027: 1 (0 / 0 / 1)</desc>" in roadmap
    assert "<script" not in "".join(charts)


def test_page_is_deterministic(bericht_data):
    first = provider_output(bericht_data)
    second = provider_output(bericht_data)
    assert {p: (f.html, f.content) for p, f in first.items()} == {p: (f.html, f.content) for p, f in second.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The fixture data built into a real site once for this module: (data dir, site dir)."""
    from lotse.site.build import build_site

    root = tmp_path_factory.mktemp("bericht-site")
    data = write_dataset(root / "data", FIXTURE_SERVICES, FIXTURE_LEBENSLAGEN)
    return data, build_site(data, root / "site")


def test_built_site_matches_cli(built):
    data, site = built
    rep = b.compute(load_valid(data))
    page = (site / "digitalisierung" / "index.html").read_text(encoding="utf-8")
    tables = page_tables(page)
    for table in markdown_tables(b.to_markdown(rep)):
        assert table in tables.order, table[0]
    cli = CliRunner().invoke(main, ["bericht", "--data", str(data), "--format", "csv"])
    assert (site / "digitalisierung" / "digitalisierung.csv").read_bytes() == cli.stdout_bytes
    # In the main navigation, and the page's scripts are its own (no third-party host).
    start = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="digitalisierung/"[^>]*>\s*Digitalisierung\s*</a>', start)
    assert not re.search(r'<script[^>]+src="(https?:)?//', page)
    assert "<h1>Digitalisierung in Zahlen</h1>" in page


@pytest.fixture(scope="module")
def served(built):
    """The built site over real HTTP on 127.0.0.1."""
    _data, site = built
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_table_sorts_and_filters_in_a_browser(served, browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"{req.url} fehlgeschlagen"))
    page.goto(served + "digitalisierung/")
    page.locator("details.lotse-aufklappen summary", has_text="Tabelle je Leistung").click()  # collapsed by default
    ids = lambda: page.locator("#lotse-bericht-tabelle tbody tr:not([hidden]) td:first-child").all_inner_texts()  # noqa: E731
    status = page.locator(".lotse-filter-status")
    assert status.inner_text() == "6 von 6 Leistungen angezeigt"
    # axe-core on the page content, with the script's controls in place.
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page, context={"include": [[".md-content"]]}).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []

    page.select_option("#lotse-filter-stufe", "analog")
    assert sorted(ids()) == ["s-analog", "s-email"]
    page.select_option("#lotse-filter-stufe", "")
    page.select_option("#lotse-filter-stelle", "Ordnungsamt")
    assert sorted(ids()) == ["s-efa", "s-email"]
    page.select_option("#lotse-filter-stelle", "")
    page.fill("#lotse-filter-text", "wohngeld")
    assert ids() == ["s-email"] and status.inner_text() == "1 von 6 Leistungen angezeigt"
    page.fill("#lotse-filter-text", "")

    # Sorting by analog cases: known values in order, "keine Angabe" last in BOTH directions.
    header = page.locator('th[data-spalte="faelle_analog"]')
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert ids()[:2] == ["s-email", "s-amt24"]
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert ids()[:2] == ["s-amt24", "s-email"]
    assert set(ids()[2:]) == {"s-formular", "s-efa", "s-portal", "s-analog"}
    page.locator('th[data-spalte="name"] button').click()  # text column: German A–Z
    assert ids() == ["s-amt24", "s-formular", "s-efa", "s-portal", "s-analog", "s-email"]
    assert errors == []
    page.close()


def test_page_works_without_javascript(served, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + "digitalisierung/")
    assert page.locator("#lotse-bericht-tabelle tbody tr").count() == 6
    assert page.locator(".lotse-filter").count() == 0  # no dead controls without the script
    assert page.locator("svg.lotse-chart").count() == 5
    context.close()


@pytest.mark.parametrize("fields, expected", [
    ({"efa_loesung": {"bezeichnung": "Elterngeld Digital"}}, "Pflichtfeld „verfuegbar“"),
    ({"efa_loesung": {"verfuegbar": "ja"}}, "efa_loesung.verfuegbar"),
    ({"professionelle_nutzer": "Bestatter"}, "professionelle_nutzer"),
])
def test_new_criteria_fields_are_validated(tmp_path, fields, expected):
    from lotse.validator import load

    root = write_dataset(tmp_path / "data", [service("x", "Testleistung", "amt-buergerservice", ["vor-ort"], "analog", **fields)])
    _ds, problems = load(root)
    assert len(problems) == 1 and expected in problems[0].message
    assert problems[0].path.endswith("x.yml") and problems[0].line > 1
