"""Privacy and security of the built site, checked in real Chromium.

* Every request of every page type (and of the search and the A–Z filter in
  use) goes to the site's own server: no fonts, scripts, images or counters
  from anyone else, so visiting the site tells no third party anything.
* A data set full of script injections (names, descriptions in Markdown,
  synonyms, URLs, the city's name) is built into a site: every payload shows
  as text, none runs (``window.__pwned`` stays undefined, no dialog opens),
  and no ``javascript:`` address reaches any page.
"""

from __future__ import annotations

import html.parser
import re
import urllib.parse
from pathlib import Path

import pytest

from browser_support import PAGE_TYPES, PREFIX, build, has_page, write_rich_data
from conftest import QUELLE, mini_service, write_yaml

# --------------------------------------------------------------------------- third parties


@pytest.fixture(scope="module")
def context(chromium):
    ctx = chromium.new_context(locale="de-DE", service_workers="block")
    yield ctx
    ctx.close()


def record_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


@pytest.mark.parametrize("name,url", PAGE_TYPES, ids=[n for n, _ in PAGE_TYPES])
def test_no_request_leaves_the_site(context, rich_site, rich_url, name, url):
    if not has_page(rich_site, url):
        pytest.skip(f"/{url} gibt es in diesem Stand der Website noch nicht")
    page = context.new_page()
    try:
        requests = record_requests(page)
        page.goto(rich_url + url, wait_until="load")
        if name == "leistungen-az":
            page.select_option("#filter-kanal", "online")
        if name.startswith("suche"):
            page.fill("#lotse-suchfeld-seite", "Geburt")
            page.press("#lotse-suchfeld-seite", "Enter")
            page.wait_for_load_state("networkidle")
        own = urllib.parse.urlsplit(rich_url).netloc
        foreign = [u for u in requests if urllib.parse.urlsplit(u).netloc != own and not u.startswith(("data:", "blob:", "about:"))]
        assert requests, "the recorder saw the page load"
        assert foreign == [], f"requests to other hosts: {foreign}"
        assert context.cookies() == [], "the site sets no cookies"
    finally:
        page.close()


def test_shipped_site_requests_stay_home(context, built_site, site_server):
    base = site_server(built_site)
    page = context.new_page()
    try:
        requests = record_requests(page)
        for url in ("", "leistungen/", "suche/?q=anmelden"):
            page.goto(base + url, wait_until="load")
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    own = urllib.parse.urlsplit(base).netloc
    assert [u for u in requests if urllib.parse.urlsplit(u).netloc != own and not u.startswith(("data:", "blob:"))] == []


def test_built_files_load_nothing_from_elsewhere(rich_site):
    """The static twin of the test above: no resource attribute or CSS url() points to another host."""
    resource = re.compile(r"""<(?:script|img|iframe|link|source|video|audio|embed|object)\b[^>]*?\b(?:src|href|data|srcset)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
    css_url = re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I)
    css_import = re.compile(r"""@import\s+["']?\s*(?:url\()?\s*["']?(?:https?:)?//""", re.I)
    offenders = []
    for path in rich_site.rglob("*"):
        if path.suffix in (".html", ".css", ".js") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".html" and resource.search(text):
                offenders.append(f"{path.relative_to(rich_site)}: {resource.search(text).group(0)[:120]}")
            if path.suffix in (".css", ".html"):
                for regex in (css_url, css_import):
                    if regex.search(text):
                        offenders.append(f"{path.relative_to(rich_site)}: {regex.search(text).group(0)[:120]}")
    assert offenders == []


# --------------------------------------------------------------------------- injection

PWN = "window.__pwned"


def payloads(n: int) -> dict[str, str]:
    """Script injections, each setting window.__pwned to its own number if it ever runs."""
    return {
        "script": f"<script>{PWN}={n}</script>",
        "img": f'<img src=x onerror="{PWN}={n + 1}">',
        "svg": f"\"><svg onload={PWN}={n + 2}>",
        "attr": f"' onmouseover='{PWN}={n + 3}' x='",
        "close": f"</script><script>{PWN}={n + 4}</script>",
        "template": "{{ 7*7 }}{% raw %}",
    }


MARKDOWN_ATTACKS = "\n\n".join([
    "Text mit <script>window.__pwned=100</script> und <img src=x onerror=window.__pwned=101>.",
    "[Klick mich](javascript:window.__pwned=102) und [groß](JaVaScRiPt:window.__pwned=103)",
    "[mit Leerzeichen]( javascript:window.__pwned=104) und [kodiert](&#106;avascript:window.__pwned=105)",
    "[Daten](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD0xMDY8L3NjcmlwdD4=) und [VB](vbscript:msgbox(1))",
    "<javascript:window.__pwned=107> und ![Bild](javascript:window.__pwned=108)",
    "[Ref-Link][boese]\n\n[boese]: javascript:window.__pwned=109",
    '<a href="javascript:window.__pwned=110">roh</a> <iframe src="javascript:window.__pwned=111"></iframe>',
    "<style>body{background:url(javascript:window.__pwned=112)}</style>",
    "[Titel](https://example.org/ \"x\\\" onmouseover=\\\"window.__pwned=113\")",
    "Ein echter Link: [Amt24](https://amt24.sachsen.de/)",
])


def write_xss_data(root: Path) -> Path:
    write_rich_data(root)
    p = payloads(1)
    config = __import__("yaml").safe_load((root / "lotse.yml").read_text(encoding="utf-8"))
    config["stadt"] = f"Test{p['script']}stadt"
    write_yaml(root / "lotse.yml", config)
    write_yaml(root / "services" / "angriff.yml", mini_service(
        "angriff",
        name=f"Angriff {payloads(10)['script']} {payloads(10)['img']}",
        kurzbeschreibung=f"Kurz {payloads(20)['svg']} {payloads(20)['attr']} {payloads(20)['template']}",
        synonyme=[payloads(30)["close"], payloads(30)["img"], "<b>fett</b>"],
        beschreibung=MARKDOWN_ATTACKS,
        hinweise=MARKDOWN_ATTACKS,
        kanaele=[
            # URL fields accept only https addresses; quotes and tags in the path must stay inside the attribute
            {"typ": "amt24", "bezeichnung": f"Start {payloads(40)['img']}", "url": "https://example.org/a\"onmouseover=\"window.__pwned=140\"><script>window.__pwned=141</script>",
             "hinweis": payloads(40)["svg"]},
            {"typ": "vor-ort", "bezeichnung": f"Vor Ort {payloads(50)['attr']}", "amt": "buergerbuero-mitte"},
        ],
        digitalisierung="digital",
        unterlagen=[payloads(60)["script"]],
        gebuehren=[{"bezeichnung": payloads(70)["img"], "betrag": 1, "hinweis": payloads(70)["svg"]}],
        frist=payloads(80)["attr"],
        rechtsgrundlage=[{"titel": payloads(90)["close"], "url": "https://example.org/'><img/src=x/onerror=window.__pwned=190>"}],
        quelle=[{"titel": payloads(95)["script"], "url": "https://example.org/?q=<script>window.__pwned=196</script>"}],
    ))
    amt = __import__("yaml").safe_load((root / "aemter" / "buergerbuero-mitte.yml").read_text(encoding="utf-8"))
    amt["name"] = f"Bürgerbüro {payloads(200)['img']}"
    amt["beschreibung"] = MARKDOWN_ATTACKS
    amt["adresse"] = {"strasse": payloads(210)["svg"], "plz": "04109", "ort": payloads(210)["script"]}
    write_yaml(root / "aemter" / "buergerbuero-mitte.yml", amt)
    write_yaml(root / "lebenslagen" / "angriff.yml", {
        "id": "angriff", "titel": f"Lage {payloads(300)['script']}", "kurzbeschreibung": f"Kurz {payloads(300)['img']} genug",
        "beschreibung": MARKDOWN_ATTACKS, "synonyme": [payloads(310)["close"]],
        "schritte": [{"titel": f"Schritt {payloads(320)['svg']}", "leistungen": ["angriff"], "hinweis": payloads(320)["attr"]}],
        "buendel": {"bezeichnung": f"Bündel {payloads(330)['img']}", "beschreibung": MARKDOWN_ATTACKS, "abgabeorte": [payloads(330)["script"]]},
        "stand": "2026-01-01", "quelle": QUELLE,
    })
    return root


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("angriff")
    data = write_xss_data(root / "data")
    from lotse.validator import load

    assert [str(p) for p in load(data)[1]] == [], "the attacks must pass validation: they test the site, not the validator"
    return build(data, root / "site")


@pytest.fixture(scope="module")
def xss_url(xss_site, site_server):
    return site_server(xss_site, PREFIX)


XSS_PAGES = [
    "", "leistungen/", "leistungen/angriff/", "lebenslagen/", "lebenslagen/angriff/", "aemter/",
    "aemter/buergerbuero-mitte/", "kanaele/amt24/", "kanaele/vor-ort/", "digitalisierung/", "open-data/",
    "suche/?q=" + urllib.parse.quote("<img src=x onerror=window.__pwned=900>"),
    "suche/?q=Angriff",
]

DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
      if (a.name.startsWith('on') && /__pwned/.test(a.value)) bad.push(el.tagName + ' ' + a.name + '=' + a.value);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name) && /^(javascript|vbscript|data):/.test(v)) bad.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
    if (el.tagName === 'SCRIPT') {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (type === 'application/ld+json') {
        // data, not code: it must stay valid JSON and must not contain a raw "<" that could close the element
        try { JSON.parse(el.textContent); } catch (e) { bad.push('LD+JSON invalid'); }
        if (el.textContent.includes('<')) bad.push('LD+JSON with raw <');
      } else if (/__pwned/.test(el.textContent)) bad.push('SCRIPT ' + el.textContent.slice(0, 80));
    }
  }
  return {pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned), bad, text: document.body.innerText};
}"""


@pytest.mark.parametrize("url", XSS_PAGES)
def test_payloads_render_as_text_and_never_run(chromium, xss_site, xss_url, url):
    if not has_page(xss_site, url):
        pytest.skip(f"/{url} gibt es in diesem Stand der Website noch nicht")
    context = chromium.new_context(locale="de-DE", service_workers="block")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    own = urllib.parse.urlsplit(xss_url).netloc
    page.route("**/*", lambda r: r.continue_() if urllib.parse.urlsplit(r.request.url).netloc == own else r.abort())
    try:
        page.goto(xss_url + url, wait_until="load")
        if url.startswith("suche/"):
            page.fill("#lotse-suchfeld-seite", "</script><img src=x onerror=window.__pwned=901>")
            page.press("#lotse-suchfeld-seite", "Enter")
            page.wait_for_load_state("networkidle")
            page.fill("#lotse-suchfeld-seite", "Angriff")
            page.press("#lotse-suchfeld-seite", "Enter")
            page.wait_for_timeout(300)
        result = page.evaluate(DOM_CHECK)
    finally:
        context.close()
    assert result["pwned"] is None, f"a payload ran: window.__pwned = {result['pwned']}"
    assert dialogs == []
    assert result["bad"] == []


def test_payloads_are_visible_as_text(chromium, xss_url):
    """Escaped, not dropped: the editor's text is still there for readers to see."""
    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(xss_url.split("/lotse/")[0]) else r.abort())
    try:
        page.goto(xss_url + "leistungen/angriff/")
        heading = page.locator("h1").inner_text()
        main = page.locator("main").inner_text()
        title = page.title()
    finally:
        context.close()
    assert heading == f"Angriff {payloads(10)['script']} {payloads(10)['img']}"
    assert "<script>window.__pwned=100</script>" in main, "raw HTML in Markdown shows as text"
    assert "{{ 7*7 }}" in main and "49" not in main.split("{{ 7*7 }}")[0][-5:], "no template evaluation"
    assert "<script>" in title, "the city's name with its tag shows as text in the title"


class _Attributes(html.parser.HTMLParser):
    """Collects every URL-carrying attribute value, decoded as a browser would."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str, str]] = []
        self.handlers: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.URL_ATTRIBUTES and value is not None:
                self.values.append((tag, name, value))
            if name.startswith("on"):
                self.handlers.append((tag, name))

    handle_startendtag = handle_starttag


def test_no_javascript_address_in_any_built_file(xss_site):
    """Static check over every built page: no scriptable address and no inline handler in any tag."""
    scheme = re.compile(r"^(javascript|vbscript|data):", re.I)
    offenders, handlers, checked = [], [], 0
    for path in sorted(xss_site.rglob("*.html")):
        parser = _Attributes()
        parser.feed(path.read_text(encoding="utf-8"))
        checked += len(parser.values)
        for tag, name, value in parser.values:
            # browsers drop control characters and whitespace before the scheme
            if scheme.match(re.sub(r"[\x00-\x20]", "", value)):
                offenders.append(f"{path.relative_to(xss_site)}: <{tag} {name}={value[:60]!r}>")
        handlers += [f"{path.relative_to(xss_site)}: <{tag} {name}>" for tag, name in parser.handlers]
    assert checked > 100
    assert offenders == []
    assert handlers == [], "no inline event handlers: a payload could hide among them"
    page = (xss_site / "leistungen" / "angriff" / "index.html").read_text(encoding="utf-8")
    assert "javascript:window.__pwned=110" in page.replace("&quot;", '"'), "the payloads are on the page (as text), so the check had something to find"
    assert ">Klick mich<" in page, "a link with a forbidden address keeps its text, loses the address"


def test_the_xss_check_can_fail(chromium, site_server, tmp_path):
    """Control: the same checks flag a page that does run an injected script."""
    (tmp_path / "index.html").write_text(
        '<html lang="de"><body><main><p>x</p><a href="javascript:void(0)">a</a><img src=x onerror="window.__pwned=1"></main></body></html>',
        encoding="utf-8",
    )
    url = site_server(tmp_path, PREFIX)
    context = chromium.new_context()
    page = context.new_page()
    page.goto(url, wait_until="load")
    result = page.evaluate(DOM_CHECK)
    context.close()
    assert result["pwned"] == "1"
    assert len(result["bad"]) == 2
