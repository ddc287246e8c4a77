"""The Content-Security-Policy in a real browser: every page type through the real nginx (issue 13).

Chromium visits every page type of the test site served by nginx with the block
`lotse nginx` prints (so the real headers apply), uses the search in the header
and on the results page, and records every `securitypolicyviolation` event,
every console error and every uncaught page error. All three lists must stay
empty: a page that needed an inline script or style would show up here.
"""

from __future__ import annotations

import pytest

from browser_support import PAGE_TYPES, has_page, write_rich_data
from nginx_support import available, run_nginx

from test_a11y import STRUCTURE, axe, blocking, check_structure

from lotse.site.build import build_site
from lotse.site.rechtliches import PAGES as LEGAL_PAGES

pytestmark = pytest.mark.skipif(not available(), reason="nginx fehlt: `make test` installiert es über scripts/install-test-deps.sh")

# Recorded before any page script runs; survives nothing but this page, so it is read per page.
RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""
VISITS = PAGE_TYPES + [("404", "gibt/es/nicht/")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("csp")
    site = build_site(write_rich_data(root / "data"), root / "site")
    with run_nginx(site, root / "nginx") as base:
        yield site, base + "/"


@pytest.fixture
def recorded(chromium):
    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, service_workers="block")
    context.add_init_script(RECORD)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    yield page, problems
    context.close()


def violations(page) -> list[str]:
    return page.evaluate("() => window.__csp || []")


@pytest.mark.parametrize("name,url", VISITS, ids=[n for n, _ in VISITS])
def test_no_csp_violation_and_no_console_error(served, recorded, name, url):
    site, base = served
    page, problems = recorded
    if name != "404" and not has_page(site, url):
        pytest.skip(f"/{url} gibt es in diesem Stand der Website noch nicht")
    response = page.goto(base + url, wait_until="load")
    assert response.status == (404 if name == "404" else 200)
    assert "content-security-policy" in response.headers
    if name.startswith("suche"):
        page.fill("#lotse-suchfeld-seite", "Geburt")
        page.wait_for_url("**q=Geburt**")
        page.wait_for_selector("#suchergebnisse a.lotse-treffer__titel")
    elif name == "leistungen-az":
        page.select_option("#filter-kanal", "online")
    else:
        # the header search: suggestions load the index and the search script
        page.locator("#lotse-suchfeld").click()
        page.keyboard.type("wohn", delay=10)
        page.locator(".lotse-vorschlaege [role=option]").first.wait_for()
    page.wait_for_load_state("networkidle")
    found = violations(page)
    if name == "404":
        # 404 is answered with its status; Chromium logs that as a console error for the document itself.
        problems[:] = [p for p in problems if "404" not in p]
    assert found == [], f"CSP-Verstöße auf /{url}: {found}"
    assert problems == [], f"Konsolenfehler auf /{url}: {problems}"


def test_the_recorder_sees_a_violation(served, recorded):
    """The check can fail: an inline script on a page served with the policy is reported."""
    site, base = served
    page, problems = recorded
    page.goto(base, wait_until="load")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1"; document.body.appendChild(s); }""")
    page.wait_for_function("() => (window.__csp || []).length > 0")
    assert any("script-src" in v for v in violations(page))
    assert page.evaluate("() => window.__ran") is None


def test_every_legal_page_is_a_page_type():
    assert {url for _, url in PAGE_TYPES} >= set(LEGAL_PAGES)


def test_404_is_accessible_at_depth(served, recorded):
    """The 404 page only makes sense served by a real server at an unknown address: axe there."""
    site, base = served
    page, _ = recorded
    response = page.goto(base + "leistungen/gibt-es-nicht/", wait_until="load")
    assert response.status == 404
    found = blocking(axe(page))
    assert found == [], found
    check_structure(page.evaluate(STRUCTURE))
