"""The site as a city's server delivers it: `lotse nginx` in a real nginx (issue 13).

A real nginx (tests/nginx_support.py) serves a built test site with the printed
server block; the tests speak HTTP to it and check headers, caching, the
precompressed files, every redirect from `_redirects` and the German 404 page.
Also: fingerprinting and precompression in `lotse build` (lotse/site/publish.py).
"""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from click.testing import CliRunner

from browser_support import write_rich_data
from nginx_support import available, run_nginx

from lotse.cli import main
from lotse.site import publish, server
from lotse.site.build import build_site

pytestmark = pytest.mark.skipif(not available(), reason="nginx fehlt: `make test` installiert es über scripts/install-test-deps.sh")

# Old addresses as the Plone import writes them (one rule a line), with umlauts raw and
# percent-encoded, trailing slashes, a comment and a temporary redirect.
REDIRECTS = """\
# alte Adressen von www.teststadt.example
/buergerservice-und-verwaltung/aemter-und-behoerdengaenge/ /leistungen/wohnsitz-anmelden/ 301
/bürgerservice/ummelden /leistungen/wohnsitz-anmelden/ 301
/stra%C3%9Fenverkehr/anwohnerparken.html /lebenslagen/umzug/ 301
/familie/elterngeld /leistungen/elterngeld-beantragen/
/formulare/baustelle%20sperrung /aemter/testamt/ 302
/ämter/übersicht/ /aemter/ 301
"""
# (path as a browser sends it, expected status, expected Location)
EXPECTED = [
    ("/buergerservice-und-verwaltung/aemter-und-behoerdengaenge/", 301, "/leistungen/wohnsitz-anmelden/"),
    ("/buergerservice-und-verwaltung/aemter-und-behoerdengaenge", 301, "/leistungen/wohnsitz-anmelden/"),
    ("/" + quote("bürgerservice") + "/ummelden", 301, "/leistungen/wohnsitz-anmelden/"),
    ("/" + quote("bürgerservice") + "/ummelden/", 301, "/leistungen/wohnsitz-anmelden/"),
    ("/stra%C3%9Fenverkehr/anwohnerparken.html", 301, "/lebenslagen/umzug/"),
    ("/familie/elterngeld", 301, "/leistungen/elterngeld-beantragen/"),
    ("/formulare/baustelle%20sperrung", 302, "/aemter/testamt/"),
    ("/" + quote("ämter") + "/" + quote("übersicht") + "/", 301, "/aemter/"),
]
HEADERS = ["Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy",
           "Permissions-Policy", "Cross-Origin-Opener-Policy"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("server")
    site_dir = build_site(write_rich_data(root / "data"), root / "site")
    (site_dir / "_redirects").write_text(REDIRECTS, encoding="utf-8")
    return site_dir


@pytest.fixture(scope="module")
def base(site, tmp_path_factory):
    with run_nginx(site, tmp_path_factory.mktemp("nginx")) as url:
        yield url


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def manifest(site: Path) -> dict:
    import json

    return json.loads((site / publish.MANIFEST).read_text(encoding="utf-8"))


def assert_security_headers(headers: dict, what: str) -> None:
    for name in HEADERS:
        assert name.lower() in headers, f"{name} fehlt bei {what}"
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    # nothing outside the site's own origin
    assert not re.search(r"https?:|\*", csp), csp
    assert headers["x-content-type-options"] == "nosniff"


def test_headers_on_pages_assets_index_and_errors(site, base):
    files = manifest(site)
    paths = ["/", "/leistungen/wohnsitz-anmelden/", "/impressum/", "/" + files["assets/lotse.css"],
             "/" + files["assets/lotse-suche/index.json"], "/" + files["assets/lotse-suche/suche.js"],
             "/assets/javascripts/bundle.a5f9d56c.min.js".replace("bundle.a5f9d56c.min.js", next(
                 p.name for p in (site / "assets" / "javascripts").glob("bundle.*.min.js"))),
             "/api/leistungen.json", "/gibt/es/nicht/"]
    for path in paths:
        status, headers, _ = get(base, path)
        assert status in (200, 404), (path, status)
        assert_security_headers(headers, path)


def test_fingerprinted_assets_are_immutable_html_is_revalidated(site, base):
    files = manifest(site)
    assert {"assets/lotse.css", "assets/lotse.js", "assets/lotse-suche/index.json",
            "assets/lotse-suche/eintraege.json", "assets/lotse-suche/lunr-suche.js"} <= files.keys()
    for old, new in files.items():
        assert not (site / old).exists(), old
        assert publish.unhashed(new) == old
        status, headers, body = get(base, "/" + new)
        assert status == 200, new
        assert "immutable" in headers["cache-control"] and "max-age=31536000" in headers["cache-control"], new
        assert body == (site / new).read_bytes()
    for path in ("/", "/leistungen/", "/api/leistungen.json"):
        status, headers, _ = get(base, path)
        assert status == 200
        assert "must-revalidate" in headers["cache-control"] and "immutable" not in headers["cache-control"], path


def test_every_local_reference_in_the_pages_exists(site):
    """Fingerprinting rewrote every href/src: nothing points at an old name."""
    missing = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue
        for ref in re.findall(r'(?:href|src)="([^"#?]+)"', page.read_text(encoding="utf-8")):
            if ref.startswith(("http:", "https:", "mailto:", "tel:", "data:")):
                continue
            target = (page.parent / ref).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                missing.append((page.relative_to(site).as_posix(), ref))
    assert missing == []


def test_precompressed_files_are_served_and_deterministic(site, base):
    files = manifest(site)
    for path, file in (("/leistungen/wohnsitz-anmelden/", "leistungen/wohnsitz-anmelden/index.html"),
                       ("/" + files["assets/lotse-suche/index.json"], files["assets/lotse-suche/index.json"]),
                       ("/" + files["assets/lotse.css"], files["assets/lotse.css"]),
                       ("/api/leistungen.csv", "api/leistungen.csv")):
        packed = (site / (file + ".gz")).read_bytes()
        assert packed[4:8] == b"\0\0\0\0", "gzip mtime must be 0"
        assert gzip.decompress(packed) == (site / file).read_bytes()
        status, headers, body = get(base, path, {"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip", path
        assert body == packed  # the file lotse build wrote, not nginx compressing on the fly
        assert "accept-encoding" in headers.get("vary", "").lower()
        status, headers, body = get(base, path)
        assert "content-encoding" not in headers and body == (site / file).read_bytes()
    assert publish.gzip_bytes(b"x" * 100) == publish.gzip_bytes(b"x" * 100)


def test_every_redirect_rule_answers_with_its_target(base):
    for path, status, location in EXPECTED:
        got, headers, _ = get(base, path)
        assert (got, headers.get("location")) == (status, location), path
        assert_security_headers(headers, path)


def test_german_404_at_any_depth(site, base):
    for path in ("/gibt-es-nicht", "/leistungen/gibt-es-nicht/", "/a/b/c/d/e.html"):
        status, headers, body = get(base, path)
        assert status == 404, path
        text = body.decode("utf-8")
        assert '<html lang="de"' in text and "Seite nicht gefunden" in text and "Not found" not in text
        # its stylesheet and links start at the site root, so they work from any depth
        css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
        assert css and all(c.startswith("/") for c in css)
        for ref in css:
            assert get(base, ref)[0] == 200, ref
        assert 'href="/impressum/"' in text


def test_nginx_command_prints_block_and_refuses_bad_input(site, tmp_path):
    result = CliRunner().invoke(main, ["nginx", "--site-dir", str(site), "--listen", "127.0.0.1:8080", "--server-name", "verwaltung.example.org"])
    assert result.exit_code == 0, result.output
    assert result.output.count("server {") == 1 and "listen 127.0.0.1:8080;" in result.output
    assert "server_name verwaltung.example.org;" in result.output and "gzip_static on;" in result.output
    result = CliRunner().invoke(main, ["nginx", "--site-dir", str(tmp_path)])
    assert result.exit_code == 1 and "lotse build" in result.output and "Traceback" not in result.output
    broken = tmp_path / "kaputt"
    shutil.copytree(site, broken)
    (broken / "_redirects").write_text("/alt /neu 301\n/nur-eine-adresse\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["nginx", "--site-dir", str(broken)])
    assert result.exit_code == 1 and "_redirects:2:" in result.output and "Traceback" not in result.output


def test_redirect_table_parsing(tmp_path):
    path = tmp_path / "_redirects"
    path.write_text(REDIRECTS, encoding="utf-8")
    rules = {r.source: r for r in server.read_redirects(path)}
    assert rules["/straßenverkehr/anwohnerparken.html"].target == "/lebenslagen/umzug/"
    assert rules["/familie/elterngeld"].status == 301  # no status: 301
    assert rules["/familie/elterngeld/"].target == "/leistungen/elterngeld-beantragen/"  # trailing-slash twin
    path.write_text("/a /b 200\n", encoding="utf-8")
    with pytest.raises(server.RedirectError, match="keine Weiterleitung"):
        server.read_redirects(path)
    path.write_text("/a /b\n/a /c\n", encoding="utf-8")
    with pytest.raises(server.RedirectError, match="Zeile 1"):
        server.read_redirects(path)


def test_headers_file_matches_the_nginx_policy(site):
    text = (site / "_headers").read_text(encoding="utf-8")
    for name, value in server.security_headers():
        assert f"  {name}: {value}\n" in text
    for new in manifest(site).values():
        assert f"/{new}\n  ! Cache-Control\n  Cache-Control: {server.IMMUTABLE}\n" in text


def test_404_under_a_sub_path(mini_data, tmp_path):
    """`lotse build --site-url https://host/lotse/`: the 404 page's links start at /lotse/ and lead to real files."""
    result = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--site-dir", str(tmp_path / "site"),
                                       "--site-url", "https://verwaltung.example.org/lotse"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:href|src)="(/[^"#?]*)"', text)
    assert refs and all(r.startswith("/lotse/") for r in refs), refs
    for ref in refs:
        target = tmp_path / "site" / ref[len("/lotse/"):]
        assert target.is_file() or (target / "index.html").is_file(), ref
    bad = CliRunner().invoke(main, ["build", "--data", str(mini_data), "--site-dir", str(tmp_path / "x"), "--site-url", "verwaltung"])
    assert bad.exit_code == 1 and "keine Web-Adresse" in bad.output


def test_folders_without_slash_redirect_relative(base):
    status, headers, _ = get(base, "/leistungen")
    assert (status, headers.get("location")) == (301, "/leistungen/")
    assert get(base, "/_redirects")[0] == 404 and get(base, "/_headers")[0] == 404
