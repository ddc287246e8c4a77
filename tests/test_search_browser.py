"""The search in real Chromium: header suggestions, /suche/?q=, filter, keyboard, parity with Python.

The shipped data is built into a site and served over HTTP (with gzip) from
127.0.0.1 under the sub-path /lotse/, as a city's web server would; Debian's
Chromium is driven by Playwright. Nothing here reaches the internet.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from lotse.site.publish import unhashed

from conftest import DATA, MINI_CONFIG, write_yaml

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium fehlt ({CHROMIUM}); make test installiert es")

# Queries whose top results Chromium must rank exactly as the Python evaluation does.
PARITY_SAMPLE = ["perso", "Perso verloren", "Kita Platz", "Hund anmelden", "Führerschein umschreiben",
                 "Persnalausweis", "Strassensondernutzung", "99115005104000", "ummel", "Miete zu hoch",
                 "Schwerbehinderten Ausweis", "Fuehrerschein verloren"]


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory):
    from lotse.site.build import build_site

    return build_site(DATA, tmp_path_factory.mktemp("suche-site") / "site")


@pytest.fixture(scope="module")
def server(shipped_site):
    from lotse.search.serve import SiteServer

    with SiteServer(shipped_site) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def python_side():
    """The evaluation's view of the shipped data: ranked entry URLs per query."""
    from lotse.search import query
    from lotse.search.index import build, dumps
    from lotse.validator import load_valid

    payload, entries = build(load_valid(DATA))
    index = query.load_index(json.loads(dumps(payload)))
    return lambda q: [entries[int(ref)]["u"] for ref, _ in query.run(index, q)]


def site_path(server, href_absolute: str) -> str:
    """``http://127.0.0.1:port/lotse/leistungen/x/`` -> ``leistungen/x/``."""
    path = urlsplit(href_absolute).path
    assert path.startswith(server.prefix), href_absolute
    return path[len(server.prefix):]


def result_links(page):
    page.wait_for_selector("#suchergebnisse .lotse-suche__status")
    return page.eval_on_selector_all("#suchergebnisse a.lotse-treffer__titel", "els => els.map(e => [e.getAttribute('href'), e.href])")


# --------------------------------------------------------------------------- results page


def test_shared_link_renders_ranked_links(page, server, python_side):
    page.goto(server.url("suche/?q=perso"))
    links = result_links(page)
    assert links, "keine Treffer für „perso“"
    assert all(raw.startswith("../") for raw, _ in links)  # relative: works under any sub-path
    assert [site_path(server, absolute) for _, absolute in links] == python_side("perso")
    assert site_path(server, links[0][1]) == "leistungen/personalausweis-beantragen/"
    assert page.input_value("#lotse-suchfeld-seite") == "perso"
    assert "perso" in page.inner_text("#suchergebnisse .lotse-suche__status")
    # the page head had started the search: the first results are the ones it computed
    assert page.evaluate("() => window.lotseSucheStart.bereit.then(r => r.q + ':' + r.antwort.nummern.length)") == f"perso:{len(links)}"
    # the short descriptions follow the first results
    first_text = page.locator("#suchergebnisse li.lotse-treffer__eintrag").first.locator(".lotse-treffer__text")
    first_text.wait_for()
    assert "Personalausweis" in first_text.inner_text()


def test_chromium_ranks_like_the_python_evaluation(page, server, python_side):
    page.goto(server.url("suche/?q=" + quote(PARITY_SAMPLE[0])))
    result_links(page)
    for q in PARITY_SAMPLE:
        page.fill("#lotse-suchfeld-seite", q)
        page.wait_for_function(
            "q => (document.querySelector('#suchergebnisse .lotse-suche__status') || {}).textContent.includes('„' + q + '“')", arg=q)
        links = page.eval_on_selector_all("#suchergebnisse a.lotse-treffer__titel", "els => els.map(e => e.href)")
        assert [site_path(server, absolute) for absolute in links][:5] == python_side(q)[:5], q


def test_online_services_link_straight_to_the_application(page, server):
    page.goto(server.url("suche/?q=" + quote("Wohnsitz anmelden")))
    result_links(page)
    first = page.locator("#suchergebnisse li.lotse-treffer__eintrag").first
    assert first.locator("a.lotse-treffer__titel").get_attribute("href") == "../leistungen/wohnsitz-anmelden/"
    assert first.locator(".lotse-kanal--online").count() >= 1
    online = first.locator("a.lotse-treffer__online")
    assert online.inner_text().startswith("Online beantragen")
    assert online.get_attribute("href") == "https://amt24.sachsen.de/zufi/leistungen/6007623"


def test_channel_filter(page, server):
    page.goto(server.url("suche/?q=anmelden"))
    before = len(result_links(page))
    page.get_by_label("Online", exact=True).check()
    page.wait_for_url("**kanal=online**")
    items = page.locator("#suchergebnisse li.lotse-treffer__eintrag")
    shown = items.count()
    assert 0 < shown < before
    for i in range(shown):
        assert items.nth(i).locator(".lotse-kanal--online").count() >= 1
    assert "ausgeblendet" in page.inner_text("#suchergebnisse .lotse-suche__status")
    # the filter is part of the shared link
    page.goto(server.url("suche/?q=anmelden&kanal=online"))
    assert len(result_links(page)) == shown
    assert page.get_by_label("Online", exact=True).is_checked()


def test_nothing_found_gives_hints(page, server):
    page.goto(server.url("suche/?q=xyzzyq"))
    page.wait_for_selector("#suchergebnisse .lotse-nichts")
    text = page.inner_text("#suchergebnisse")
    assert "Keine Treffer für „xyzzyq“" in text
    az = page.locator("#suchergebnisse a", has_text="Liste von A bis Z")
    assert site_path(server, az.evaluate("a => a.href")) == "leistungen/"
    assert not page.locator(".lotse-suchfilter").is_visible()


def test_typing_on_the_results_page_updates_results_and_address(page, server):
    page.goto(server.url("suche/"))
    page.fill("#lotse-suchfeld-seite", "Kita Platz")
    page.wait_for_url("**q=Kita+Platz**")
    links = result_links(page)
    assert site_path(server, links[0][1]) == "leistungen/kita-platz-beantragen/"


# --------------------------------------------------------------------------- header search


def test_index_loads_only_when_someone_searches(page, server):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(server.url("leistungen/"))
    page.wait_for_load_state("networkidle")
    # file names carry a content hash (lotse/site/publish.py); compare without it
    names = lambda: [unhashed(u) for u in requested]  # noqa: E731
    assert not [u for u in names() if u.endswith(("/index.json", "/lunr-suche.js"))]
    with page.expect_request(lambda r: unhashed(r.url).endswith("/assets/lotse-suche/index.json"), timeout=10000):
        page.focus("#lotse-suchfeld")
    assert [u for u in names() if u.endswith("/assets/lotse-suche/lunr-suche.js")]
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requested)  # nothing from other hosts


def test_header_suggestions_follow_the_combobox_pattern(page, server):
    page.goto(server.url("lebenslagen/"))
    box = page.locator("#lotse-suchfeld")
    box.click()
    page.keyboard.type("perso", delay=20)
    listbox_id = box.get_attribute("aria-controls")
    listbox = page.locator(f"#{listbox_id}")
    listbox.locator("[role=option]").first.wait_for()
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "true"
    assert listbox.get_attribute("role") == "listbox"
    options = listbox.locator("[role=option]")
    assert options.count() >= 3
    assert "Personalausweis" in options.first.inner_text()
    page.keyboard.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first_id
    assert options.first.get_attribute("aria-selected") == "true"
    assert page.evaluate("document.activeElement.id") == "lotse-suchfeld"  # focus stays in the box
    page.keyboard.press("ArrowUp")
    assert options.last.get_attribute("aria-selected") == "true"  # wraps to "Alle Treffer"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert listbox.is_hidden()
    page.keyboard.press("Escape")
    assert box.input_value() == ""


def test_enter_without_a_choice_opens_the_results_page(page, server):
    page.goto(server.url("aemter/"))
    page.click("#lotse-suchfeld")
    page.keyboard.type("Hund anmelden", delay=10)
    page.keyboard.press("Enter")
    page.wait_for_url("**/lotse/suche/?q=Hund+anmelden")
    links = result_links(page)
    assert site_path(server, links[0][1]) == "leistungen/hund-anmelden/"


def test_keyboard_only_from_page_load_to_a_service(page, server):
    page.goto(server.url(""))
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "lotse-suchfeld":
            break
    assert page.evaluate("document.activeElement.id") == "lotse-suchfeld", "Suchfeld per Tabulator nicht erreichbar"
    page.keyboard.type("hund anm", delay=20)
    page.locator(".lotse-vorschlaege [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/lotse/leistungen/hund-anmelden/")


def test_keyboard_only_on_the_results_page(page, server):
    page.goto(server.url("suche/?q=anmelden"))
    result_links(page)
    page.focus("#lotse-kanal-alle")
    page.keyboard.press("ArrowRight")  # radio group: arrows move and select
    page.wait_for_url("**kanal=online**")
    assert page.evaluate("document.activeElement.id") == "lotse-kanal-online"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('lotse-treffer__titel')")


# --------------------------------------------------------------------------- a city with a Bürgertelefon


def test_buergertelefon_from_the_city_config(browser, tmp_path, mini_data):
    from lotse.search.serve import SiteServer
    from lotse.site.build import build_site

    config = dict(MINI_CONFIG, buergertelefon="0341 123-0")
    write_yaml(mini_data / "lotse.yml", config)
    site = build_site(mini_data, tmp_path / "site")
    context = browser.new_context()
    pg = context.new_page()
    with SiteServer(site) as srv:
        pg.goto(srv.url("suche/?q=Raumschiff"))
        pg.wait_for_selector("#suchergebnisse .lotse-nichts")
        tel = pg.locator("#suchergebnisse a[href^='tel:']")
        assert tel.inner_text() == "0341 123-0"
        assert tel.get_attribute("href") == "tel:03411230"
    context.close()
