"""Accessibility (BITV 2.0 / WCAG 2.1 AA) of every page type, checked in real Chromium.

axe-core runs inside the page (the copy shipped in the axe-playwright-python
wheel, so nothing is downloaded at test time); any serious or critical
violation fails. Beside axe, the page structure is checked directly: one h1,
no skipped heading levels, the landmarks header/nav/main/footer, the page
language, and a focus order that follows the document (no positive tabindex).
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from browser_support import PAGE_TYPES, has_page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def a11y_page(chromium):
    # one context for the whole module: page loads, not browser starts, are what we measure
    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def open_page(page, site, base, url):
    if not has_page(site, url):
        pytest.skip(f"/{url} gibt es in diesem Stand der Website noch nicht")
    response = page.goto(base + url)
    assert response.status == 200
    page.wait_for_load_state("load")
    return page


def axe(page, context=None) -> list[dict]:
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate(
        "([ctx, opts]) => axe.run(ctx || document, opts).then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help,"
        "nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '), summary: n.failureSummary}))})))",
        [context, options],
    )


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


@pytest.mark.parametrize("name,url", PAGE_TYPES, ids=[n for n, _ in PAGE_TYPES])
def test_page_type(a11y_page, rich_site, rich_url, name, url):
    """axe (serious and critical fail) and the structure checks, on one load of each page type."""
    page = open_page(a11y_page, rich_site, rich_url, url)
    if name == "suche-treffer":
        page.locator("#suchergebnisse a").first.wait_for(state="visible")
    found = blocking(axe(page))
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    check_structure(page.evaluate(STRUCTURE))


@pytest.mark.parametrize("url", ["", "leistungen/wohnsitz-anmelden/", "digitalisierung/"])
def test_axe_on_a_phone(chromium, rich_site, rich_url, url):
    """Narrow screens wrap and scroll differently (tables, menus): the same rules apply."""
    context = chromium.new_context(locale="de-DE", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = open_page(context.new_page(), rich_site, rich_url, url)
        found = blocking(axe(page))
        assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    finally:
        context.close()


def test_axe_with_the_az_filter_applied(a11y_page, rich_site, rich_url):
    """The filtered list (hidden items, status message) must stay accessible too."""
    page = open_page(a11y_page, rich_site, rich_url, "leistungen/")
    page.select_option("#filter-kanal", "email-pdf")
    found = blocking(axe(page))
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)


def test_axe_catches_a_contrast_problem(a11y_page, rich_site, rich_url):
    """The check itself works: grey on grey is reported as serious."""
    page = open_page(a11y_page, rich_site, rich_url, "ueber/")
    page.evaluate("document.querySelector('main h1').style.color = '#bbb'; document.querySelector('main h1').style.background = '#fff'")
    ids = {v["id"] for v in blocking(axe(page))}
    assert "color-contrast" in ids


STRUCTURE = """() => {
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length) && !['hidden', 'collapse'].includes(getComputedStyle(e).visibility);
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible)
    .map(h => ({level: +h.tagName[1], text: h.textContent.trim().slice(0, 60)}));
  const count = sel => document.querySelectorAll(sel).length;
  return {
    lang: document.documentElement.lang,
    title: document.title,
    headings,
    banner: count('body > header, body header.md-header, [role=banner]'),
    nav: count('nav, [role=navigation]'),
    main: count('main, [role=main]'),
    footer: count('body footer.md-footer, [role=contentinfo], body > footer'),
    navLabels: [...document.querySelectorAll('nav')].filter(n => visible(n)).map(n => n.getAttribute('aria-label') || n.getAttribute('aria-labelledby') || ''),
    positiveTabindex: [...document.querySelectorAll('[tabindex]')].filter(e => +e.getAttribute('tabindex') > 0).map(e => e.outerHTML.slice(0, 80)),
  };
}"""


def check_structure(s: dict) -> None:
    assert s["lang"] == "de"
    assert s["title"].strip(), "every page has a title"
    levels = [h["level"] for h in s["headings"]]
    assert levels.count(1) == 1, f"exactly one h1: {s['headings']}"
    assert levels[0] == 1, f"the h1 comes first: {s['headings']}"
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading level skipped ({before} -> {after}): {s['headings']}"
    assert s["banner"] >= 1 and s["main"] == 1 and s["footer"] >= 1 and s["nav"] >= 1, s
    # several navigation landmarks (those shown at this width) must be told apart by name
    labels = s["navLabels"]
    assert all(labels) and len(set(labels)) == len(labels), f"nav landmarks need distinct labels: {labels}"
    assert s["positiveTabindex"] == [], "a positive tabindex breaks the focus order"


def test_structure_check_can_fail():
    good = {"lang": "de", "title": "T", "headings": [{"level": 1, "text": "a"}, {"level": 2, "text": "b"}],
            "banner": 1, "nav": 1, "main": 1, "footer": 1, "navLabels": ["Hauptnavigation"], "positiveTabindex": []}
    check_structure(good)
    for change in ({"headings": [{"level": 1, "text": "a"}, {"level": 3, "text": "b"}]},
                   {"headings": [{"level": 1, "text": "a"}, {"level": 1, "text": "b"}]},
                   {"main": 0}, {"navLabels": ["Navigation", "Navigation"]}, {"positiveTabindex": ["<a tabindex=3>"]}):
        with pytest.raises(AssertionError):
            check_structure({**good, **change})


def _shipped_service_url() -> str:
    from pathlib import Path

    services = sorted((Path(__file__).resolve().parent.parent / "data" / "services").glob("*.yml"))
    return f"leistungen/{services[0].stem}/" if services else ""


@pytest.mark.parametrize("url", ["", _shipped_service_url()])
def test_shipped_site(a11y_page, built_site, site_server, url):
    """The real data (long names, real descriptions) in the real site: same rules."""
    base = site_server(built_site)
    page = open_page(a11y_page, built_site, base, url)
    found = blocking(axe(page))
    assert found == [], json.dumps(found, ensure_ascii=False, indent=1)
    check_structure(page.evaluate(STRUCTURE))
