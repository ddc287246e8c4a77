"""The built site in real Chromium: what a citizen clicks, and the same with the keyboard only.

The site is built from the data set in browser_support.py and served by a real
HTTP server on 127.0.0.1 under /lotse/, so relative links and the sub-path are
exercised as on a city's server. Requests to any other host are blocked and
recorded: a start button may point to Amt24, but the test never leaves the machine.
"""

from __future__ import annotations

import re

from urllib.parse import urljoin

import pytest

from browser_support import has_page


@pytest.fixture
def page(browser_page):
    return browser_page

@pytest.fixture
def offline(page, rich_url):
    """Block and record every request that is not for the site's own server."""
    own = rich_url.split("/lotse/")[0]
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(own):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked


@pytest.fixture
def phone(chromium):
    """A page in a phone-sized, touch-enabled browser context."""
    context = chromium.new_context(locale="de-DE", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def visible_items(page) -> list[str]:
    return page.eval_on_selector_all("[data-lotse-liste] li[data-kanal]", "els => els.filter(e => e.offsetParent !== null).map(e => e.querySelector('a').textContent.trim())")


def all_items(page) -> list[tuple[str, str]]:
    return page.eval_on_selector_all("[data-lotse-liste] li[data-kanal]", "els => els.map(e => [e.querySelector('a').textContent.trim(), e.dataset.kanal])")


# --------------------------------------------------------------------------- pages


def test_start_page(page, rich_url, offline):
    response = page.goto(rich_url)
    assert response.status == 200
    assert page.title() == "Verwaltungsleistungen Teststadt"
    assert page.locator("h1").inner_text().strip() == "Verwaltungsleistungen Teststadt"
    # the featured online services from lotse.yml, in that order
    tiles = page.locator("main .lotse-kachel--online .lotse-kachel__titel").all_inner_texts()
    assert tiles == ["Wohnsitz anmelden", "Elterngeld beantragen"]
    # every link on the page resolves on the site's own server under the sub-path
    for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)"):
        if href.startswith(rich_url.split("/lotse/")[0]):
            assert "/lotse/" in href, href
    assert offline == []


def test_search_from_the_start_page(page, rich_url):
    page.goto(rich_url)
    page.fill("#lotse-suchfeld-start", "ummelden")
    page.press("#lotse-suchfeld-start", "Enter")
    page.wait_for_url(re.compile(r"/lotse/suche/\?q=ummelden"))
    # the results arrive after the search index has loaded
    page.locator("#suchergebnisse").get_by_role("link", name="Wohnsitz anmelden").first.wait_for(state="visible")


def test_az_channel_filter_hides_non_matching_services(page, rich_url):
    page.goto(rich_url + "leistungen/")
    form = page.locator("[data-lotse-filter]")
    assert form.is_visible(), "the filter form appears once JavaScript runs"
    everything = all_items(page)
    assert len(everything) == 6
    assert sorted(visible_items(page)) == sorted(n for n, _ in everything)

    page.select_option("#filter-kanal", "amt24")
    expected = sorted(n for n, k in everything if "amt24" in k.split())
    assert expected == ["Wohnsitz anmelden"]
    assert sorted(visible_items(page)) == expected
    assert page.locator("[data-lotse-status]").inner_text() == "1 von 6 Leistungen passen zu den Filtern"
    assert "kanal=amt24" in page.url, "a filtered list can be shared by its address"

    page.select_option("#filter-kanal", "online")
    online = sorted(n for n, k in everything if set(k.split()) & {"amt24", "formular", "efa", "portal"})
    assert sorted(visible_items(page)) == online and len(online) == 4

    page.select_option("#filter-kanal", "email-pdf")
    assert visible_items(page) == ["Hundesteuer anmelden"]
    # letter groups without a visible service disappear too
    assert page.locator("[data-lotse-gruppe]:visible").count() == 1

    page.click("button[type=reset]")
    page.wait_for_function("() => document.querySelectorAll('[data-lotse-liste] li[data-kanal][hidden]').length === 0")
    assert len(visible_items(page)) == 6


def test_az_filter_from_the_address(page, rich_url):
    page.goto(rich_url + "leistungen/?ziel=unternehmen")
    assert visible_items(page) == ["Gewerbe anmelden"]
    assert page.locator("#filter-ziel").input_value() == "unternehmen"


def test_service_start_button_links_to_the_channel(page, rich_url, offline):
    page.goto(rich_url + "leistungen/wohnsitz-anmelden/")
    button = page.locator("a.lotse-start")
    assert button.count() == 1
    assert button.get_attribute("href") == "https://amt24.sachsen.de/zufi/leistungen/6007623"
    assert button.inner_text().strip() == "Online-Anmeldung bei Amt24"
    assert button.is_visible()
    # it sits above the other ways: the first thing after the lead text
    order = page.eval_on_selector_all("main h2", "els => els.map(e => e.textContent.trim())")
    assert order[0] == "Online erledigen"
    button.click()
    page.wait_for_timeout(200)
    assert offline == ["https://amt24.sachsen.de/zufi/leistungen/6007623"], "the click goes to the channel and nowhere else"


def test_analog_service_has_no_start_button(page, rich_url):
    page.goto(rich_url + "leistungen/hundesteuer-anmelden/")
    assert page.locator("a.lotse-start").count() == 0
    assert "Hundesteuer anmelden" in page.locator("h1").inner_text()


def test_lebenslage_steps_in_order(page, rich_url):
    page.goto(rich_url + "lebenslagen/geburt/")
    steps = page.locator("ol.lotse-schritte > li")
    assert steps.count() == 3
    texts = [" ".join(t.split()) for t in steps.locator("h3").all_text_contents()]
    titles = [re.sub(r"^Schritt \d+\s*:?\s*", "", t).replace("optional", "").strip() for t in texts]
    assert titles == ["Geburt beurkunden lassen", "Elterngeld beantragen", "Kindergeld beantragen"]
    numbers = [re.match(r"Schritt (\d+)", t).group(1) for t in texts]
    assert numbers == ["1", "2", "3"]
    links = [steps.nth(i).locator("a").first for i in range(3)]
    assert [l.inner_text() for l in links] == ["Geburtsurkunde beantragen", "Elterngeld beantragen", "Kindergeld beantragen"]
    links[1].click()
    page.wait_for_url(re.compile(r"/lotse/leistungen/elterngeld-beantragen/$"))
    assert page.locator("h1").inner_text().strip() == "Elterngeld beantragen"


def test_digitalisierung_page(page, rich_url, rich_site):
    if not has_page(rich_site, "digitalisierung/"):
        pytest.skip("/digitalisierung/ wird noch gebaut (BERICHT, issue 7)")
    page.goto(rich_url + "digitalisierung/")
    assert page.locator("h1").inner_text().strip() == "Digitalisierung in Zahlen"
    # the report is computed from the data: the city's services are listed by name (in the
    # table per service, collapsed under the headline figures: open it as a reader would)
    summary = page.locator("details.lotse-aufklappen summary", has_text="Tabelle je Leistung")
    summary.click()
    main = page.locator("main").inner_text()
    for name in ("Wohnsitz anmelden", "Hundesteuer anmelden", "Geburtsurkunde beantragen", "Gewerbe anmelden"):
        assert name in main, name
    assert page.locator("main table").count() >= 3
    csv = page.locator("a[href$='digitalisierung.csv']")
    assert csv.count() >= 1
    assert page.request.get(urljoin(page.url, csv.first.get_attribute("href"))).ok


# --------------------------------------------------------------------------- keyboard only


FOCUS_INFO = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(), id: e.id, cls: e.className && e.className.baseVal === undefined ? e.className : '',
    text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 60),
    href: e.getAttribute('href'),
    inNav: !!e.closest('nav.md-tabs'), inMain: !!e.closest('main'), inHeader: !!e.closest('header'),
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== 'none',
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight + 2000,
  };
}"""


def tab_through(page, presses: int) -> list[dict]:
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        seen.append(page.evaluate(FOCUS_INFO))
    return seen


def assert_focus_visible(stops: list[dict]) -> None:
    hidden = [s for s in stops if s["tag"] != "body" and not (s["outline"] or s["shadow"])]
    assert hidden == [], f"focus not visible on: {hidden[:3]}"
    assert all(s["visible"] for s in stops if s["tag"] != "body"), [s for s in stops if not s["visible"]][:3]


def test_keyboard_skip_link_search_and_main_nav(page, rich_url):
    page.goto(rich_url)
    first = tab_through(page, 1)[0]
    assert first["text"] == "Zum Inhalt springen" and first["href"] == "#inhalt", first
    assert_focus_visible([first])
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#inhalt"
    assert page.evaluate("document.activeElement.id") == "inhalt", "the skip link moves the focus, not just the scroll position"
    # the next Tab continues inside the main content
    after = tab_through(page, 1)[0]
    assert after["inMain"], after

    page.goto(rich_url)
    stops = tab_through(page, 20)
    names = [s["id"] or s["text"] for s in stops]
    assert "lotse-suchfeld" in names, names
    nav = [s["text"] for s in stops if s["inNav"]]
    assert nav[:3] == ["Start", "Leistungen A–Z", "Lebenslagen"], nav
    assert names.index("lotse-suchfeld") < names.index(nav[0]), "header search before the main navigation"
    assert_focus_visible(stops)


def test_keyboard_reaches_and_uses_the_start_button(page, rich_url, offline):
    page.goto(rich_url + "leistungen/wohnsitz-anmelden/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip link: straight to the content
    stops = []
    for _ in range(8):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUS_INFO))
        if "lotse-start" in (stops[-1]["cls"] or "").split():
            break
    else:
        pytest.fail(f"Tab never reached the start button: {stops}")
    assert_focus_visible(stops)
    # only the breadcrumb comes before the start button: nothing else stands in the way
    assert [s["text"] for s in stops[:-1]] == ["Start", "Leistungen A–Z"], stops
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert offline == ["https://amt24.sachsen.de/zufi/leistungen/6007623"]


def test_keyboard_filters_the_az_list(page, rich_url):
    page.goto(rich_url + "leistungen/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "filter-kanal":
            break
    else:
        pytest.fail("Tab never reached the channel filter")
    assert_focus_visible([page.evaluate(FOCUS_INFO)])
    # Alle Wege -> Alle Online-Wege -> Landesportal (amt24)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#filter-kanal").input_value() == "amt24"
    assert visible_items(page) == ["Wohnsitz anmelden"]


def test_keyboard_through_a_lebenslage_in_step_order(page, rich_url):
    page.goto(rich_url + "lebenslagen/geburt/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    stops = tab_through(page, 8)
    services = [s["text"] for s in stops if s["href"] and s["href"].startswith("../../leistungen/") and s["href"] != "../../leistungen/"]
    assert services[:3] == ["Geburtsurkunde beantragen", "Elterngeld beantragen", "Kindergeld beantragen"], stops
    assert_focus_visible(stops)


def test_keyboard_on_the_digitalisierung_page(page, rich_url, rich_site):
    if not has_page(rich_site, "digitalisierung/"):
        pytest.skip("/digitalisierung/ wird noch gebaut (BERICHT, issue 7)")
    page.goto(rich_url + "digitalisierung/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    stops = tab_through(page, 12)
    assert any(s["inMain"] for s in stops)
    assert_focus_visible(stops)


def test_keyboard_scrolls_a_wide_table_on_a_phone(phone, rich_url):
    """On a narrow screen the figures table scrolls sideways; the keyboard can reach and scroll it."""
    page = phone
    page.goto(rich_url + "leistungen/wohnsitz-anmelden/")
    # The figures are for experts: they sit in the collapsed "Für Fachleute" part at the end.
    page.locator("details.lotse-fachleute > summary").click()
    box = page.locator(".lotse-tabelle")
    box.wait_for()
    page.wait_for_function("() => document.querySelector('.lotse-tabelle').getAttribute('tabindex') === '0'")
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("aria-label").startswith("Tabelle: Fallzahlen")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('lotse-tabelle')"):
            break
    else:
        pytest.fail("Tab never reached the scrolling table")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.lotse-tabelle').scrollLeft > 0")


def test_keyboard_opens_the_menu_on_a_phone(phone, rich_url):
    """On a narrow screen the main navigation sits in Material's drawer; its menu button
    is a <label>, so the site makes it reachable and usable with Tab and Enter."""
    page = phone
    page.goto(rich_url)
    button = page.locator(".lotse-kopf__menue")
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('lotse-kopf__menue')"):
            break
    else:
        pytest.fail("Tab never reached the menu button")
    page.keyboard.press("Enter")
    assert page.evaluate("document.getElementById('__drawer').checked")
    assert button.get_attribute("aria-expanded") == "true"
    # the drawer shows the main navigation (not an empty overlay)
    page.wait_for_function("() => Array.from(document.querySelectorAll('.md-sidebar--primary a.md-nav__link'))"
                           ".some(a => a.textContent.includes('Leistungen') && a.getBoundingClientRect().width > 0)")
    button.focus()
    page.keyboard.press(" ")
    assert not page.evaluate("document.getElementById('__drawer').checked")
    assert button.get_attribute("aria-expanded") == "false"
