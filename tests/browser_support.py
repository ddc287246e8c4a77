"""Shared pieces of the browser, accessibility and privacy tests (issue 8).

* a test data set that has every page type worth a visit (offices of all
  kinds, every channel type, Lebenslagen with several steps, Markdown, fees,
  figures), written from plain dicts so each test can see what it contains;
* the built site served over real HTTP on 127.0.0.1 under a sub-path
  (``/lotse/``, by the ``site_server`` fixture), like a city's web server;
* Debian's Chromium driven by Playwright, never a downloaded browser.

Loaded as a pytest plugin by tests/conftest.py, so one Chromium and one built
site serve test_browser.py, test_a11y.py and test_privacy.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import MINI_CONFIG, QUELLE, mini_service, write_yaml

CHROMIUM = os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-extensions",
]
PREFIX = "/lotse/"  # the site lives under a sub-path, as on a city's server

# Every page type of the site, as (name, site-relative URL). Record pages use the
# ids of the data set below.
PAGE_TYPES = [
    ("start", ""),
    ("leistungen-az", "leistungen/"),
    ("leistung", "leistungen/wohnsitz-anmelden/"),
    ("leistung-analog", "leistungen/hundesteuer-anmelden/"),
    ("lebenslagen", "lebenslagen/"),
    ("lebenslage", "lebenslagen/geburt/"),
    ("aemter", "aemter/"),
    ("amt", "aemter/testamt/"),
    ("amt-extern", "aemter/familienkasse-test/"),
    ("kanaele", "kanaele/"),
    ("kanal", "kanaele/amt24/"),
    ("suche", "suche/"),
    ("suche-treffer", "suche/?q=wohnsitz"),
    ("digitalisierung", "digitalisierung/"),
    ("feldreferenz", "mitmachen/felder/"),
    ("open-data", "open-data/"),
    ("ueber", "ueber/"),
    # the pages the law asks for (lotse/site/rechtliches.py, issue 13)
    ("impressum", "impressum/"),
    ("datenschutz", "datenschutz/"),
    ("barrierefreiheit", "barrierefreiheit/"),
    ("leichte-sprache", "leichte-sprache/"),
    ("gebaerdensprache", "gebaerdensprache/"),
]


def _amt(aid: str, name: str, traeger: str = "stadt", **extra) -> dict:
    return {"id": aid, "name": name, "traeger": traeger, **extra, "stand": "2026-01-01", "quelle": QUELLE}


def write_rich_data(root: Path) -> Path:
    """A small but complete data folder (fictional Teststadt; never shipped)."""
    config = dict(MINI_CONFIG)
    config["hervorgehoben"] = ["wohnsitz-anmelden", "elterngeld-beantragen"]
    config["buergertelefon"] = "115"
    write_yaml(root / "lotse.yml", config)
    write_yaml(root / "aemter" / "testamt.yml", _amt(
        "testamt", "Testamt für Bürgerdienste",
        beschreibung="Das Testamt betreibt die **Bürgerbüros** der Teststadt.",
        adresse={"strasse": "Musterstraße 1", "plz": "04109", "ort": "Teststadt"},
        kontakt={"telefon": "115", "email": "buergerdienste@example.org"},
        oeffnungszeiten={"zeiten": [{"tage": ["mo", "di", "do"], "von": "08:00", "bis": "18:00"}, {"tage": ["fr"], "von": "08:00", "bis": "12:00"}], "termin": True},
        website="https://www.example.org/testamt",
    ))
    write_yaml(root / "aemter" / "buergerbuero-mitte.yml", _amt("buergerbuero-mitte", "Bürgerbüro Mitte", uebergeordnet="testamt"))
    write_yaml(root / "aemter" / "familienkasse-test.yml", _amt("familienkasse-test", "Familienkasse Test", "bund"))
    services = [
        mini_service(
            "wohnsitz-anmelden", name="Wohnsitz anmelden", leika="99115005104000", synonyme=["ummelden", "Umzug melden"],
            kurzbeschreibung="Wer in die Teststadt zieht, meldet die neue Wohnung innerhalb von zwei Wochen an.",
            beschreibung="Die Anmeldung ist **innerhalb von zwei Wochen** nötig.\n\n- Ausweis\n- Wohnungsgeberbestätigung\n\nMehr bei [Amt24](https://amt24.sachsen.de/).",
            kanaele=[
                {"typ": "amt24", "bezeichnung": "Online-Anmeldung bei Amt24", "url": "https://amt24.sachsen.de/zufi/leistungen/6007623", "eid": True, "nutzerkonto": ["bundid"]},
                {"typ": "vor-ort", "bezeichnung": "Persönlich im Bürgerbüro", "amt": "buergerbuero-mitte", "hinweis": "Termin vorher buchen."},
            ],
            digitalisierung="digital", amt24_id="6007623",
            unterlagen=["Personalausweis oder Reisepass", "Wohnungsgeberbestätigung"],
            gebuehren=[{"bezeichnung": "Anmeldung", "betrag": 0}],
            frist="innerhalb von zwei Wochen nach dem Einzug",
            rechtsgrundlage=[{"titel": "§ 17 Bundesmeldegesetz (BMG)", "url": "https://www.gesetze-im-internet.de/bmg/__17.html"}],
            kennzahlen=[{"jahr": 2024, "faelle_analog": 5000, "faelle_digital": 1200, "quelle": "Testzahlen"}],
        ),
        mini_service(
            "hundesteuer-anmelden", name="Hundesteuer anmelden",
            kanaele=[{"typ": "email-pdf", "bezeichnung": "PDF-Formular per E-Mail"}, {"typ": "post", "bezeichnung": "Per Brief"}],
            planung={"digital_bis": "2027", "ende_zu_ende": False, "kanal": "amt24", "quelle": "Testplanung"},
        ),
        mini_service(
            "elterngeld-beantragen", name="Elterngeld beantragen", zustaendig="familienkasse-test",
            kanaele=[{"typ": "efa", "bezeichnung": "Elterngeld Digital", "url": "https://www.example.org/elterngeld"}],
            digitalisierung="ende-zu-ende",
        ),
        mini_service(
            "geburtsurkunde-beantragen", name="Geburtsurkunde beantragen",
            kanaele=[{"typ": "formular", "bezeichnung": "Online-Formular der Stadt", "url": "https://www.example.org/formular"}, {"typ": "vor-ort", "bezeichnung": "Im Standesamt"}],
            digitalisierung="digital",
        ),
        mini_service(
            "gewerbe-anmelden", name="Gewerbe anmelden", zielgruppe=["unternehmen"],
            kanaele=[{"typ": "portal", "bezeichnung": "Gewerbeportal", "url": "https://www.example.org/gewerbe"}],
            digitalisierung="digital",
        ),
        mini_service("kindergeld-beantragen", name="Kindergeld beantragen", zustaendig="familienkasse-test"),
    ]
    for record in services:
        write_yaml(root / "services" / f"{record['id']}.yml", record)
    write_yaml(root / "lebenslagen" / "geburt.yml", {
        "id": "geburt", "titel": "Geburt eines Kindes", "kurzbeschreibung": "Was Eltern nach der Geburt erledigen, Schritt für Schritt.",
        "beschreibung": "Drei Schritte, die meisten gehen online.",
        "schritte": [
            {"titel": "Geburt beurkunden lassen", "leistungen": ["geburtsurkunde-beantragen"], "hinweis": "Das übernimmt oft die Klinik."},
            {"titel": "Elterngeld beantragen", "leistungen": ["elterngeld-beantragen"]},
            {"titel": "Kindergeld beantragen", "art": "optional", "leistungen": ["kindergeld-beantragen"]},
        ],
        "buendel": {"bezeichnung": "Umschlag für Eltern", "typ": "vor-ort", "beschreibung": "Alle Unterlagen in einen Umschlag.", "status": "produktiv", "seit": "2023"},
        "stand": "2026-01-01", "quelle": QUELLE,
    })
    write_yaml(root / "lebenslagen" / "umzug.yml", {
        "id": "umzug", "titel": "Umzug in die Teststadt", "kurzbeschreibung": "Alles rund um den Umzug.",
        "schritte": [{"titel": "Wohnung anmelden", "leistungen": ["wohnsitz-anmelden"]}, {"titel": "Hund anmelden", "art": "optional", "leistungen": ["hundesteuer-anmelden"]}],
        "stand": "2026-01-01", "quelle": QUELLE,
    })
    return root


def build(data_dir: Path, site_dir: Path) -> Path:
    from lotse.site.build import build_site

    return build_site(data_dir, site_dir)


@pytest.fixture(scope="session")
def rich_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reich")
    data = write_rich_data(root / "data")
    return build(data, root / "site")


@pytest.fixture(scope="session")
def rich_url(rich_site, site_server):
    """The test site over real HTTP under /lotse/ (site_server: tests/conftest.py)."""
    return site_server(rich_site, PREFIX)


# Module scope, not session: Playwright's sync API allows one running instance per
# thread, and other test modules (e.g. the search tests) start their own.
@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} fehlt: `make test` installiert Chromium über scripts/install-test-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def has_page(site_dir: Path, url: str) -> bool:
    path = url.split("?")[0]
    return (site_dir / path / "index.html").is_file() if path else (site_dir / "index.html").is_file()
