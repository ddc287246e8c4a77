"""The directory site (issue 3): pages, open data, safety and sub-path hosting.

Two real builds are inspected: the shipped data/ (``built_site``, once per
session) and a small rich data set made here, with offices in and outside the
city, every kind of channel, a bundled Lebenslage and a record full of XSS
payloads.
"""

from __future__ import annotations

import csv
import json
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner

from conftest import DATA, MINI_CONFIG, QUELLE, mini_service, write_yaml
from lotse.cli import main
from lotse.site.build import build_site
from lotse.site.opendata import CSV_COLUMNS
from lotse.site.publish import unhashed
from lotse.validator import load, load_valid
from sync.pvog import parse_detail
from sync.pvog import render as render_pvog

COUNCIL_COLUMNS = ["name", "leika", "digitalisierung", "kennzahlen_jahr", "faelle_analog", "faelle_digital",
                   "mindestbearbeitungszeit_analog", "mindestbearbeitungszeit_digital", "rueckstand",
                   "durchlauf_pro_monat", "kennzahlen_quelle", "planung_digital_bis", "planung_ende_zu_ende"]

XSS_NAME = '<script>alert("name")</script> Hund & "Katze" anmelden'
XSS_BESCHREIBUNG = (
    "Text mit **Fett** <script>alert('beschreibung')</script>\n\n"
    "<img src=x onerror=alert('img')>\n\n"
    "[Klick mich](javascript:alert('link')) und [gut](https://example.org/gut) und [rel](../online-leistung/)\n\n"
    '<a href="javascript:alert(\'roh\')">roh</a>\n'
)


PVOG_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pvog" / "detail"

# --------------------------------------------------------------------------- data


def rich_data(root: Path) -> Path:
    config = dict(MINI_CONFIG, hervorgehoben=["online-leistung"], website="https://www.teststadt.example/", buergertelefon="0341 1234-0")
    config["portale"] = dict(MINI_CONFIG["portale"], amt24_name="Amt24")
    write_yaml(root / "lotse.yml", config)
    write_yaml(root / "aemter" / "testamt.yml", {
        "id": "testamt", "name": "Testamt", "traeger": "stadt",
        "beschreibung": "Das **Testamt** hilft.",
        "adresse": {"strasse": "Teststraße 1", "plz": "01234", "ort": "Teststadt"},
        "kontakt": {"telefon": "0341 123-0", "email": "testamt@example.org"},
        "oeffnungszeiten": {"zeiten": [{"tage": ["mo", "di", "mi"], "von": "08:00", "bis": "18:00"},
                                       {"tage": ["fr"], "von": "08:00", "bis": "12:00"}],
                            "stunden_pro_woche": 41.5, "tage_pro_woche": 4, "lange_tage": 3,
                            "spaetestens": "18:00", "termin": True, "quelle": "Testvorlage"},
        "termin_url": "https://termine.example.org/testamt",
        "stand": "2026-01-01", "quelle": QUELLE})
    write_yaml(root / "aemter" / "familienkasse.yml", {
        "id": "familienkasse", "name": "Familienkasse", "traeger": "bund", "zuordnung_redaktionell": True,
        "stand": "2026-01-01", "quelle": QUELLE})
    write_yaml(root / "aemter" / "xss-amt.yml", {
        "id": "xss-amt", "name": "<svg onload=alert('amt')>Amt", "traeger": "sonstige", "stand": "2026-01-01", "quelle": QUELLE})
    services = {
        "online-leistung": mini_service(
            "online-leistung", name="Online-Leistung", leika="99115005104000", amt24_id="6007623",
            kanaele=[{"typ": "amt24", "bezeichnung": "Online beantragen bei Amt24", "url": "https://amt24.example.org/antrag/1",
                      "eid": True, "nutzerkonto": ["bundid"], "epayment": True},
                     {"typ": "vor-ort", "bezeichnung": "Persönlich im Testamt"}],
            digitalisierung="digital", unterlagen=["Personalausweis"],
            gebuehren=[{"bezeichnung": "Ausstellung", "betrag": 12.5,
                        "quelle": {"titel": "§ 1 Testgebührenverordnung", "url": "https://www.gesetze-im-internet.de/test/__1.html", "stand": "2026-02-03"}},
                       {"bezeichnung": "Anmeldung", "betrag": 0}],
            frist="innerhalb von zwei Wochen", bearbeitungsdauer="sofort",
            rechtsgrundlage=[{"titel": "§ 17 BMG", "url": "https://www.gesetze-im-internet.de/bmg/__17.html"}],
            kennzahlen=[{"jahr": 2024, "faelle_analog": 12000, "faelle_digital": 3456, "quelle": "Bilanz 2024"},
                        {"jahr": 2023, "faelle_digital": 2000, "rueckstand": 15, "quelle": "Bilanz 2023"}]),
        "ohne-url": mini_service(
            "ohne-url", name="Ohne Adresse", amt24_id="6000384",
            kanaele=[{"typ": "amt24", "bezeichnung": "Online bei Amt24"}], digitalisierung="digital"),
        "ohne-amt24-id": mini_service(
            "ohne-amt24-id", name="Ohne Kennung",
            kanaele=[{"typ": "amt24", "bezeichnung": "Online bei Amt24"}, {"typ": "efa", "bezeichnung": "EfA-Dienst", "url": "https://efa.example.org/"},
                     {"typ": "formular", "bezeichnung": "Formular der Stadt"}],
            digitalisierung="digital"),
        "kindergeld": mini_service("kindergeld", name="Kindergeld beantragen", zustaendig="familienkasse",
                                   kanaele=[{"typ": "post", "bezeichnung": "Per Post an die Familienkasse"}]),
        "analoge-leistung": mini_service(
            "analoge-leistung", name="Ärger melden",
            kanaele=[{"typ": "email-pdf", "bezeichnung": "PDF per E-Mail"}],
            planung={"digital_bis": "2026-06", "ende_zu_ende": False, "kanal": "formular"}),
        "xss-leistung": mini_service(
            "xss-leistung", name=XSS_NAME, zustaendig="xss-amt",
            kurzbeschreibung="<img src=x onerror=alert('kurz')> kurze Beschreibung",
            beschreibung=XSS_BESCHREIBUNG, hinweise="[x](JaVaScRiPt:alert('hinweis'))",
            synonyme=["<script>alert('synonym')</script>", "\"><svg onload=alert('synonym2')>"],
            unterlagen=["</li><script>alert('unterlage')</script>"],
            kanaele=[{"typ": "vor-ort", "bezeichnung": "<b onmouseover=alert('kanal')>Vor Ort</b>"}],
            quelle=[{"titel": "</title><script>alert('quelle')</script>"}]),
    }
    for sid, record in services.items():
        write_yaml(root / "services" / f"{sid}.yml", record)
    # Texts from the state directory for "ohne-url", written the way `lotse sync pvog` writes them.
    detail = parse_detail((PVOG_FIXTURES / "B100019.LB.100001.json").read_bytes(), "B100019.LB.100001", None, "Leistungsverzeichnis Testland")
    (root / "pvog").mkdir()
    (root / "pvog" / "ohne-url.yml").write_text(render_pvog("ohne-url", detail.content), encoding="utf-8")
    write_yaml(root / "lebenslagen" / "geburt.yml", {
        "id": "geburt", "titel": "Geburt eines Kindes", "kurzbeschreibung": "Alles rund um die Geburt.",
        "buendel": {"bezeichnung": "Umschlag Elternexpress", "typ": "vor-ort", "beschreibung": "Alles in **einen** Umschlag.",
                    "abgabeorte": ["Klinikum"], "status": "produktiv", "seit": "2023"},
        "schritte": [
            {"titel": "Geburt anzeigen", "leistungen": ["online-leistung"]},
            {"titel": "Geld beantragen", "art": "eine-von", "leistungen": ["kindergeld", "ohne-url"]},
            {"titel": "Extras", "art": "optional", "leistungen": ["analoge-leistung", "xss-leistung"]},
        ],
        "stand": "2026-01-01", "quelle": QUELLE})
    write_yaml(root / "lebenslagen" / "xss-lage.yml", {
        "id": "xss-lage", "titel": "<script>alert('lage')</script>", "kurzbeschreibung": "<i onclick=alert(1)>kurz</i> genug",
        "beschreibung": "[böse](javascript:alert('lage'))",
        "schritte": [{"titel": "<b>Schritt</b>", "hinweis": "<script>alert('hinweis')</script>", "leistungen": ["xss-leistung"]}],
        "stand": "2026-01-01", "quelle": QUELLE})
    assert [str(p) for p in load(root)[1]] == []
    return root


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    """(data dir, site dir) of the rich fixture, built once for this module."""
    base = tmp_path_factory.mktemp("rich")
    data = rich_data(base / "data")
    return data, build_site(data, base / "site")


# --------------------------------------------------------------------------- helpers


class Elements(HTMLParser):
    """Every start tag with its attributes, plus the text of script elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self._script, self._text = attrs, []

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None


def parse(path: Path) -> Elements:
    parser = Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def article(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<article"):text.index("</article>")]


def resolve(site: Path, page: Path, href: str) -> Path | None:
    """The file a relative link from ``page`` points at, or None for other schemes/anchors."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = (page.parent / unquote(parts.path)).resolve()
    if href.split("#")[0].endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


LINK_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src", "iframe": "src",
              "form": "action", "video": "src", "audio": "src", "embed": "src", "object": "data"}


# --------------------------------------------------------------------------- pages


def test_every_service_has_a_page(built_site):
    ds = load_valid(DATA)
    for sid, doc in ds.leistungen.items():
        page = built_site / "leistungen" / sid / "index.html"
        assert page.is_file(), sid
        assert "<h1>" in article(page)
    az = article(built_site / "leistungen" / "index.html")
    assert az.count("<li data-kanal=") == len(ds.leistungen)
    for amt_id in ds.aemter:
        assert (built_site / "aemter" / amt_id / "index.html").is_file()
    for ll_id in ds.lebenslagen:
        assert (built_site / "lebenslagen" / ll_id / "index.html").is_file()
    for typ in ("amt24", "formular", "efa", "portal", "email-pdf", "post", "vor-ort"):
        assert (built_site / "kanaele" / typ / "index.html").is_file()


@pytest.mark.parametrize("which", ["shipped", "rich"])
def test_lebenslage_steps_link_to_existing_pages(which, built_site, rich):
    site = built_site if which == "shipped" else rich[1]
    data = DATA if which == "shipped" else rich[0]
    ds = load_valid(data)
    for ll_id, doc in ds.lebenslagen.items():
        page = site / "lebenslagen" / ll_id / "index.html"
        steps = article(page).split('<ol class="lotse-schritte">', 1)[1].split("</ol>", 1)[0]
        hrefs = re.findall(r'href="([^"]+)"', steps)
        expected = [sid for s in doc.data["schritte"] for sid in s["leistungen"]]
        assert len(hrefs) == len(expected)
        for href, sid in zip(hrefs, expected):
            target = resolve(site, page, href)
            assert target == (site / "leistungen" / sid / "index.html").resolve()
            assert target.is_file()


def test_start_page_and_header_search(rich):
    data, site = rich
    start = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="leistungen/online-leistung/"' in start  # featured service from lotse.yml
    assert 'href="lebenslagen/geburt/"' in start  # Lebenslage tile
    assert "<caption>Leistungen nach Antragsweg</caption>" in start
    # council split: online-leistung and ohne-url via Amt24, ohne-amt24-id too (first online channel)
    assert re.search(r'Online über Amt24</a></th><td>3</td>', start)
    assert re.search(r'Nur analog[^<]*</th><td>3</td>', start)
    for page in html_pages(site):
        doc = parse(page)
        forms = [a for t, a in doc.tags if t == "form" and a.get("role") == "search"]
        assert forms, page
        assert resolve(site, page, forms[0]["action"]) == (site / "suche" / "index.html").resolve()
        assert forms[0].get("method") == "get"
        inputs = [a for t, a in doc.tags if t == "input" and a.get("id") == "lotse-suchfeld"]
        assert inputs and inputs[0]["type"] == "search" and inputs[0]["name"] == "q"
        assert ("label", {"for": "lotse-suchfeld", "class": "lotse-sr"}) in doc.tags
    suche = (site / "suche" / "index.html").read_text(encoding="utf-8")
    assert '<div id="suchergebnisse" aria-live="polite"></div>' in suche
    assert "<noscript>" in suche and 'href="../leistungen/"' in suche


CITIZEN_SECTIONS = ("online", "voraussetzungen", "unterlagen", "kosten", "bearbeitungsdauer", "fristen", "ablauf",
                    "zustaendig", "rechtsgrundlagen")


def body_text(page: str) -> str:
    """What a citizen reads: the article without the collapsed "Für Fachleute" part and scripts."""
    page = re.sub(r'<details class="lotse-fachleute".*?</details>', "", page, flags=re.S)
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_service_page_shows_the_record(rich):
    _data, site = rich
    page = article(site / "leistungen" / "online-leistung" / "index.html")
    assert '<a class="lotse-start" href="https://amt24.example.org/antrag/1"' in page
    assert "Online beantragen bei Amt24" in page
    assert "Online-Ausweis" in page and "Nutzerkonto: BundID" in page and "online bezahlen" in page
    assert "Teststraße 1" in page and "Mo–Mi" in page and "08:00–18:00" in page  # where and when
    assert '<a class="lotse-knopf" href="https://termine.example.org/testamt">Termin online buchen</a>' in page
    assert "12,50\u00a0€" in page and "gebührenfrei" in page
    # a fee shows its source and date; the section says where the rest comes from
    kosten = page.split('id="kosten"', 1)[1].split("</section>", 1)[0]
    assert 'Quelle: <a href="https://www.gesetze-im-internet.de/test/__1.html">§ 1 Testgebührenverordnung</a>, Stand 03.02.2026' in kosten
    assert "Angabe der Redaktion, Stand 01.01.2026" in kosten
    assert "innerhalb von zwei Wochen" in page and "sofort" in page and "§ 17 BMG" in page
    assert 'href="https://amt24.sachsen.de/zufi/leistungen/6007623"' in page
    assert 'href="https://verwaltung.bund.de/leistungsverzeichnis/de/leistung/99115005104000"' in page
    assert 'href="../../lebenslagen/geburt/"' in page and "Testdaten" in page
    # the sections answer in the order; unknown ones say so and whom to ask
    positions = [page.index(f'id="{anchor}"') for anchor in CITIZEN_SECTIONS]
    assert positions == sorted(positions)
    voraussetzungen = page.split('id="voraussetzungen"', 1)[1].split("</section>", 1)[0]
    assert "Die Voraussetzungen sind hier nicht bekannt." in voraussetzungen and '<a href="tel:034112340">0341 1234-0</a>' in voraussetzungen
    # keys, ids, figures and sources: one collapsed part at the end, nothing of it in the body
    fachleute = page.split('<details class="lotse-fachleute"', 1)[1]
    assert "99115005104000" in fachleute and "Testvorlage" in fachleute and "Bilanz 2024" in fachleute
    assert "99115005104000" not in body_text(page).replace("leistung/99115005104000", "")
    assert "Testvorlage" not in body_text(page)
    # Kennzahlen: only columns that exist anywhere; a missing figure is "k. A.", never 0
    table = page.split('id="kennzahlen"', 1)[1].split("</table>", 1)[0]
    assert "Fälle analog" in table and "Fälle digital" in table and "Bearbeitungsstau" in table
    assert "Mindestbearbeitungszeit" not in table and "Durchlauf" not in table
    assert "12.000" in table and "3.456" in table and "Bilanz 2023" in table
    row_2023 = table.split("<th scope=\"row\">2023</th>", 1)[1].split("</tr>", 1)[0]
    assert row_2023.count("k.\u00a0A.") == 1 and ">0<" not in row_2023
    # an Amt24 channel without url: no start button, but where the application is found
    ohne = article(site / "leistungen" / "ohne-url" / "index.html")
    assert '<a class="lotse-start" href="https://amt24.sachsen.de/zufi/leistungen/6000384"' not in ohne
    assert 'Die <a href="https://amt24.sachsen.de/zufi/leistungen/6000384">Leistungsbeschreibung bei Amt24</a> führt zum Antrag.' in ohne
    # ... and without amt24_id: a search hint, still no button
    ohne_id = article(site / "leistungen" / "ohne-amt24-id" / "index.html")
    assert '<a class="lotse-start" href="https://amt24.sachsen.de/"' not in ohne_id and 'bei <a href="https://amt24.sachsen.de/">Amt24</a> nach' in ohne_id
    assert '<a class="lotse-start" href="https://efa.example.org/"' in ohne_id
    assert '<a class="lotse-start" href="https://www.teststadt.example/"' not in ohne_id and 'Website der Stadt</a> nach' in ohne_id
    # an office assigned by the editors says so where the service names it
    kindergeld = article(site / "leistungen" / "kindergeld" / "index.html")
    assert "die Redaktion hat sie zugeordnet" in kindergeld.split('id="zustaendig"', 1)[1]
    # JSON-LD GovernmentService with the LeiKa key
    scripts = [text for attrs, text in parse(site / "leistungen" / "online-leistung" / "index.html").scripts
               if attrs.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    ld = json.loads(scripts[0])
    assert ld["@type"] == "GovernmentService" and ld["identifier"] == "99115005104000"
    assert ld["provider"]["name"] == "Testamt" and ld["areaServed"]["name"] == "Teststadt"
    assert ld["provider"]["address"]["streetAddress"] == "Teststraße 1"
    # no LeiKa key, no identifier (never invented)
    ld_ohne = json.loads([t for a, t in parse(site / "leistungen" / "ohne-url" / "index.html").scripts
                          if a.get("type") == "application/ld+json"][0])
    assert "identifier" not in ld_ohne


def test_service_page_answers_from_the_state_directory(rich):
    _data, site = rich
    page = article(site / "leistungen" / "ohne-url" / "index.html")
    source = "Leistungsverzeichnis Testland, Stand 12.03.2026"
    # start buttons for the state's online services, with how to log in
    online = page.split('id="online"', 1)[1].split("</section>", 1)[0]
    assert '<a class="lotse-start" href="https://amt24.sachsen.de/zufi/onlinedienste/9001"' in online
    assert '<a class="lotse-start" href="https://wohnsitz.example.org/start"' in online
    assert "Anmeldung mit: eID, Nutzerkonto" in online and "Vertrauensniveau (Angabe der Quelle): 15" in online
    assert "Vertrauensniveau: substantiell" in online and source in online
    for anchor, expected in (("voraussetzungen", "Sie sind mindestens 16 Jahre alt."), ("unterlagen", "Wohnungsgeberbestätigung"),
                             ("kosten", "Anmeldung: gebührenfrei"), ("bearbeitungsdauer", "Bei persönlicher Vorsprache: sofort"),
                             ("fristen", "Meldefrist"), ("ablauf", "<ol>"),
                             ("rechtsgrundlagen", 'href="https://www.gesetze-im-internet.de/bmg/__17.html"')):
        section = page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
        assert expected in section, anchor
        assert source in section, anchor
        assert "nicht bekannt" not in section, anchor
    assert page.index('id="online"') < page.index('id="voraussetzungen"') < page.index('id="zustaendig"')
    assert "Informationen der Stadt" in page.split('id="weitere"', 1)[1]
    assert "B100019.LB.100001" in page.split('<details class="lotse-fachleute"', 1)[1]
    for word in ("PVOG", "Vorlage", "VII-DS", "pilotiert", "B100019"):
        assert word not in body_text(page), word
    ld = json.loads([t for a, t in parse(site / "leistungen" / "ohne-url" / "index.html").scripts if a.get("type") == "application/ld+json"][0])
    assert "https://wohnsitz.example.org/start" in [c.get("serviceUrl") for c in ld["availableChannel"]]
    records = {o["id"]: o for o in json.loads((site / "api" / "leistungen.json").read_text(encoding="utf-8"))}
    lv = records["ohne-url"]["leistungsverzeichnis"]
    assert lv["id_lb"] == "B100019.LB.100001" and lv["stand"] == "2026-03-12" and "voraussetzungen" in lv["module"]
    assert "leistungsverzeichnis" not in records["online-leistung"]


def test_lebenslage_is_a_step_by_step(rich):
    _data, site = rich
    page = article(site / "lebenslagen" / "geburt" / "index.html")
    assert page.index("Schritt 1") < page.index("Schritt 2") < page.index("Schritt 3")
    step2 = page.split("Schritt 2", 1)[1].split("Schritt 3", 1)[0]
    assert '<span class="lotse-verbinder">oder</span>' in step2 and "Eine dieser Leistungen genügt." in step2
    assert "Nicht die Stadt: Familienkasse (Bund)" in step2
    step3 = page.split("Schritt 3", 1)[1]
    assert '<span class="lotse-optional">optional</span>' in step3.split("</h3>")[0] or "optional" in page.split("Schritt 3", 1)[1][:200]
    assert '<span class="lotse-verbinder">und</span>' in step3
    assert "Umschlag Elternexpress" in page and "in Betrieb seit 2023" in page and "<strong>einen</strong>" in page
    amt = article(site / "aemter" / "familienkasse" / "index.html")
    assert "gehört nicht zur Stadtverwaltung" in amt and 'href="../../leistungen/kindergeld/"' in amt
    testamt = article(site / "aemter" / "testamt" / "index.html")
    assert "41,5 Stunden" in testamt and "Termin nötig" in testamt and "0341 123-0" in testamt


# --------------------------------------------------------------------------- safety


def test_xss_payloads_are_neutralised(rich):
    _data, site = rich
    for page in html_pages(site):
        doc = parse(page)
        for attrs, text in doc.scripts:
            if attrs.get("type") in ("application/ld+json", "application/json"):
                continue  # data, not code (the JSON-LD test below checks it cannot break out)
            assert "alert(" not in text, page  # no payload became a script
        for tag, attrs in doc.tags:
            handlers = [name for name in attrs if name.startswith("on")]
            assert not handlers, (page, tag, attrs)
            for value in attrs.values():
                assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), (page, tag, attrs)
            assert not (tag == "img" and attrs.get("src") == "x"), page
            assert tag not in ("svg",) or "onload" not in attrs
    xss = (site / "leistungen" / "xss-leistung" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in xss  # name shown as text
    assert "<title>&lt;script&gt;alert(&quot;name&quot;)" in xss
    assert "&lt;img src=x onerror=alert(&#x27;kurz&#x27;)&gt;" in xss
    assert "&lt;script&gt;alert('beschreibung')&lt;/script&gt;" in xss  # raw HTML in Markdown is text
    assert "&lt;a href=\"javascript:alert('roh')\"&gt;roh&lt;/a&gt;" in xss
    assert "<strong>Fett</strong>" in xss and 'href="https://example.org/gut"' in xss and 'href="../online-leistung/"' in xss
    assert ">Klick mich</a>" in xss  # the javascript: link lost its target, kept its text
    assert "&lt;/title&gt;&lt;script&gt;" in xss
    # JSON-LD cannot be closed from inside
    ld = xss.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in ld and json.loads(ld)["name"] == XSS_NAME
    # the A–Z list and the Lebenslage page escape too
    assert "&lt;script&gt;alert(&quot;name&quot;)" in (site / "leistungen" / "index.html").read_text(encoding="utf-8")
    lage = (site / "lebenslagen" / "xss-lage" / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Schritt&lt;/b&gt;" in lage and "<title>&lt;script&gt;" in lage


def test_nothing_is_loaded_from_other_hosts(built_site, rich):
    for site in (built_site, rich[1]):
        for page in sorted(site.rglob("*.html")):  # 404.html included
            doc = parse(page)
            for tag, attrs in doc.tags:
                if tag == "form":
                    assert not re.match(r"^(https?:)?//", attrs.get("action", "")), (page, attrs)
                if tag == "a" or tag == "form":
                    continue  # links the visitor follows are fine; loads are not
                for name in ("src", "href", "srcset", "data", "poster"):
                    value = (attrs.get(name) or "").strip()
                    assert not re.match(r"^(https?:)?//", value), (page, tag, attrs)
            text = page.read_text(encoding="utf-8")
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
        for sheet in site.rglob("*.css"):
            css = sheet.read_text(encoding="utf-8")
            assert not re.search(r"(url\(|@import)\s*['\"]?(https?:)?//", css), sheet


def test_all_internal_links_are_relative_and_resolve(rich):
    _data, site = rich
    for page in html_pages(site):
        for tag, attrs in parse(page).tags:
            name = LINK_ATTRS.get(tag)
            value = attrs.get(name) if name else None
            if not value or value.startswith("#") or re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
                continue
            assert not value.startswith("/"), (page, tag, value)  # root-relative breaks under a sub-path
            target = resolve(site, page, value)
            assert target is not None and target.is_file(), (page, tag, value)


def test_site_works_from_a_sub_path(rich, site_server):
    _data, site = rich
    base = site_server(site)
    assert urlsplit(base).path == "/lotse/"
    for path in ("", "leistungen/", "leistungen/online-leistung/", "lebenslagen/geburt/", "aemter/testamt/"):
        url = base + path
        with urllib.request.urlopen(url) as response:
            assert response.status == 200
            doc = Elements()
            doc.feed(response.read().decode("utf-8"))
        for tag, attrs in doc.tags:
            name = {"link": "href", "script": "src"}.get(tag)
            if name and attrs.get(name):
                with urllib.request.urlopen(urljoin(url, attrs[name])) as asset:
                    assert asset.status == 200
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(base.replace("/lotse/", "/assets/lotse.css"))  # the root itself is not the site


# --------------------------------------------------------------------------- open data


def test_csv_has_one_row_per_service(built_site):
    ds = load_valid(DATA)
    with (built_site / "api" / "leistungen.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(ds.leistungen)
    assert sorted(r["id"] for r in rows) == sorted(ds.leistungen)
    assert list(CSV_COLUMNS[:len(COUNCIL_COLUMNS)]) == COUNCIL_COLUMNS
    with (built_site / "api" / "leistungen.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle))[:len(COUNCIL_COLUMNS)] == COUNCIL_COLUMNS


def test_csv_uses_latest_figures_and_leaves_gaps_empty(rich):
    data, site = rich
    with (site / "api" / "leistungen.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    row = rows["online-leistung"]
    assert (row["kennzahlen_jahr"], row["faelle_analog"], row["faelle_digital"], row["rueckstand"]) == ("2024", "12000", "3456", "")
    assert rows["analoge-leistung"]["faelle_analog"] == "" and rows["analoge-leistung"]["planung_digital_bis"] == "2026-06"
    assert rows["xss-leistung"]["name"] == XSS_NAME


@pytest.mark.parametrize("which", ["shipped", "rich"])
def test_json_matches_the_data(which, built_site, rich):
    site = built_site if which == "shipped" else rich[1]
    ds = load_valid(DATA if which == "shipped" else rich[0])
    objects = json.loads((site / "api" / "leistungen.json").read_text(encoding="utf-8"))
    assert [o["id"] for o in objects] == sorted(ds.leistungen)
    for obj in objects:
        record = ds.leistungen[obj["id"]].data
        assert list(obj)[:7] == ["id", "name", "leika", "url", "kanaele", "digitalisierung", "zustaendig"]
        assert obj["url"] == f"leistungen/{obj['id']}/" and (site / obj["url"] / "index.html").is_file()
        # channels in operation only: a 2020 pilot (status) is not a way to apply today
        assert obj["kanaele"] == list(dict.fromkeys(k["typ"] for k in record["kanaele"] if not k.get("status")))
        assert obj["kanaele_details"] == record["kanaele"]
        assert obj["leika"] == record.get("leika")
        for key, value in record.items():
            if key != "kanaele":
                assert obj[key] == value, (obj["id"], key)


# --------------------------------------------------------------------------- build command


def test_invalid_data_is_refused_with_the_validators_lines(mini_data, tmp_path):
    write_yaml(mini_data / "services" / "kaputt.yml", mini_service("kaputt", digitalisierung="halb", zustaendig="gibt-es-nicht"))
    expected = [str(p) for p in load(mini_data)[1]]
    assert len(expected) >= 2
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--site-dir", str(tmp_path / "site")])
    assert result.exit_code == 1
    for line in expected:
        assert line in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


def test_build_command_builds_and_refuses_to_overwrite_data(mini_data, tmp_path):
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--site-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "leistungen" / "online-leistung" / "index.html").is_file()
    for bad in (mini_data, mini_data.parent):
        result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--site-dir", str(bad)])
        assert result.exit_code == 1 and "Zielordner" in result.output
    assert (mini_data / "lotse.yml").is_file()


def test_output_is_deterministic_and_the_cached_frame_is_exact(rich, tmp_path, monkeypatch):
    """Same input, same bytes; and pages built with the cached frame (lotse/site/frame.py)
    equal pages rendered one by one through Material's template."""
    data, site = rich
    again = build_site(data, tmp_path / "again")
    monkeypatch.setenv("LOTSE_FRAME", "0")
    slow = build_site(data, tmp_path / "slow")
    pages = [p.relative_to(site) for p in site.rglob("*.html")]
    assert len(pages) > 20
    for rel in pages:
        fast = (site / rel).read_bytes()
        assert (again / rel).read_bytes() == fast, rel
        assert (slow / rel).read_bytes() == fast, rel
    for rel in ("api/leistungen.json", "api/leistungen.csv"):
        assert (again / rel).read_bytes() == (site / rel).read_bytes()
    # every file, fingerprinted names, _headers and the .gz files included (lotse/site/publish.py)
    everything = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file()) == everything
    assert any(rel.suffix == ".gz" for rel in everything) and Path("_headers") in everything
    for rel in everything:
        assert (again / rel).read_bytes() == (site / rel).read_bytes(), rel
    # with site_url set (as in `lotse serve` or a deployment) every page has its own canonical URL
    monkeypatch.delenv("LOTSE_FRAME")
    options = {"site_url": "https://example.org/lotse/"}
    fast = build_site(data, tmp_path / "fast-url", mkdocs_options=options)
    monkeypatch.setenv("LOTSE_FRAME", "0")
    slow = build_site(data, tmp_path / "slow-url", mkdocs_options=options)
    page = (fast / "leistungen" / "ohne-url" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/lotse/leistungen/ohne-url/">' in page
    for rel in pages:
        assert (slow / rel).read_bytes() == (fast / rel).read_bytes(), rel


def test_providers_contract(mini_data):
    from lotse.site.context import SiteContext
    from lotse.site.providers import PROVIDERS, ProviderError, generate

    ctx = SiteContext(load_valid(mini_data))
    assert PROVIDERS[:2] == ["lotse.site.pages:files", "lotse.site.opendata:files"]
    paths = [f.path for f in generate(ctx, ["lotse.site.pages:files", "lotse.site.opendata:files"])]
    assert "leistungen/online-leistung/index.md" in paths and "api/leistungen.json" in paths
    assert ctx.url("leistung", "x") == "leistungen/x/" and ctx.href("leistungen/x/", "aemter/y/") == "../../aemter/y/"
    assert ctx.href("", "suche/") == "suche/" and ctx.href("leistungen/", "") == "../"
    with pytest.raises(ProviderError, match="nur einmal"):
        list(generate(ctx, ["lotse.site.opendata:files", "lotse.site.opendata:files"]))
    with pytest.raises(ProviderError, match="lässt sich nicht laden"):
        list(generate(ctx, ["lotse.site.gibt_es_nicht:files"]))


def test_a_to_z_filters_in_chromium(rich, site_server):
    """The filters appear with JavaScript, filter and count accessibly, and stay hidden without it."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium from Debian is installed by scripts/install-test-deps.sh (make test)")
    base = site_server(rich[1])
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        try:
            page = browser.new_page()
            page.goto(base + "leistungen/")
            assert page.is_visible("form[data-lotse-filter]")
            items = page.locator("li[data-kanal]")
            total = items.count()
            assert total == 6
            page.select_option("#filter-kanal", "amt24")
            assert page.locator("li[data-kanal]:visible").count() == 3
            assert page.inner_text("[data-lotse-status]") == f"3 von {total} Leistungen passen zu den Filtern"
            assert "kanal=amt24" in page.url
            page.select_option("#filter-amt", "familienkasse")
            assert page.locator("li[data-kanal]:visible").count() == 0
            assert page.is_visible("[data-lotse-leer]")
            page.click("button[type=reset]")
            page.wait_for_function("document.querySelectorAll('li[data-kanal]:not([hidden])').length === 6")
            page.goto(base + "leistungen/?stufe=analog")
            assert page.locator("li[data-kanal]:visible").count() == 3 and page.input_value("#filter-stufe") == "analog"
            nojs = browser.new_page(java_script_enabled=False)
            nojs.goto(base + "leistungen/")
            assert not nojs.is_visible("form[data-lotse-filter]")
            assert nojs.locator("li[data-kanal]:visible").count() == 6
            assert nojs.is_visible(".lotse-ohne-js")
        finally:
            browser.close()


def test_csv_cells_cannot_become_spreadsheet_formulas(mini_data, tmp_path):
    """Text from YAML that starts like a formula is opened as text, not executed."""
    from lotse.bericht import compute, to_csv

    formula = '=HYPERLINK("https://evil.example/","Klick")'
    write_yaml(mini_data / "services" / "formel.yml",
               mini_service("formel", name=formula, kurzbeschreibung="@SUMME(A1) ist keine Formel hier."))
    site = build_site(mini_data, tmp_path / "site")
    with (site / "api" / "leistungen.csv").open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["id"] == "formel")
    assert row["name"] == "'" + formula
    assert row["kurzbeschreibung"].startswith("'@SUMME")
    # the JSON keeps the editor's text unchanged: only spreadsheets need the guard
    api = json.loads((site / "api" / "leistungen.json").read_text(encoding="utf-8"))
    records = api if isinstance(api, list) else next(v for v in api.values() if isinstance(v, list))
    assert next(r for r in records if r["id"] == "formel")["name"] == formula
    report_csv = to_csv(compute(load_valid(mini_data)))
    assert "'" + formula.replace('"', '""') in report_csv and ";" + formula.replace('"', '""') not in report_csv


def test_results_page_starts_the_search_in_its_head(built_site):
    """/suche/ always searches at once, so its head starts downloading the index, the
    entries and the search script before the stylesheets (a script file: the CSP allows
    no inline script); the addresses are relative and lead to the shipped files, under
    their fingerprinted names. Other pages start nothing until someone searches."""
    head = (built_site / "suche" / "index.html").read_text(encoding="utf-8").split("</head>", 1)[0]
    starts = re.findall(r'<script src="([^"]*suche-start[^"]*)"', head)
    assert len(starts) == 1, starts
    assert not starts[0].startswith(("/", "http")), starts
    start = (built_site / "suche" / starts[0]).resolve()
    assert start.parent == (built_site / "assets" / "lotse-suche").resolve()
    script = start.read_text(encoding="utf-8")
    assert "lotseSucheStart" in script
    for name in ("index.json", "eintraege.json", "lunr-suche.js"):
        shipped = [n for n in re.findall(r'"([\w.-]+)"', script) if unhashed(n) == name and n != name]
        assert len(shipped) == 1, name
        assert (start.parent / shipped[0]).is_file(), name
    assert head.index("suche-start") < head.index('rel="stylesheet"')
    assert "suche-start" not in (built_site / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in head  # nothing inline


def test_simple_markdown_shortcut_equals_python_markdown():
    """The shortcut for plain paragraphs and flat lists must return exactly what Python-Markdown does."""
    import random

    from lotse.site.text import MarkdownRenderer, simple_markdown

    renderer = MarkdownRenderer()

    def reference(value: str) -> str:
        renderer._md.reset()
        return renderer._md.convert(value)

    pieces = ["- ", "1. ", "2. ", "10. ", "a", "Wort", " ", "  ", "\n", "\n\n", "\n\n\n", ":", ".", ",", "(", "\"", "€", "§",
              "-", "--", "- - -", "1)", "* ", "+ ", "    ", "x-y", "2 Fotos", "ä", "\xa0", "=", "==", "\n- ", "\n1. ", "**", "[x](y)", "<b>", "#"]
    rng = random.Random(3)
    shortcut = 0
    for _ in range(30000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 16)))
        fast = simple_markdown(value)
        if fast is not None:
            shortcut += 1
            assert fast == reference(value), repr(value)
    assert shortcut > 1000  # the shortcut is really taken
    ds = load_valid(DATA)
    for doc in ds.leistungen.values():
        for key in ("beschreibung", "hinweise"):
            value = doc.data.get(key)
            if value and simple_markdown(value) is not None:
                assert simple_markdown(value) == reference(value), (doc.path, key)
