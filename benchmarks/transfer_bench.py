"""Transfer size of a service page with all its assets, next to a bare MkDocs Material page.

Usage::

    .venv/bin/python benchmarks/transfer_bench.py
    .venv/bin/python benchmarks/transfer_bench.py --seite leistungen/wohnsitz-anmelden/

Both sites are served by a real nginx with the block ``lotse nginx`` prints
(tests/nginx_support.py), with the ``.gz`` files ``lotse build`` writes (the bare
site gets the same precompression), and opened in Debian's Chromium in a fresh
context (cold cache). Counted: every response until the page is idle, as
compressed bytes on the wire (Resource/Navigation Timing ``encodedBodySize``;
``transferSize`` adds the response headers).

* Lotse: a service page of the shipped data (``data/``), then the same page
  after typing into the header search (the lazy index and search engine).
* Bare Material: ``mkdocs new`` + ``theme: material`` with its default search
  plugin, one page with the same words as the service page's main text;
  ``font: false`` as in Lotse (the default would load Google Fonts; there is
  no internet here and the site loads nothing from other hosts).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

MEASURE = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const all = [nav, ...res];
  return {
    requests: all.length,
    encoded: all.reduce((s, r) => s + r.encodedBodySize, 0),
    transfer: all.reduce((s, r) => s + r.transferSize, 0),
    decoded: all.reduce((s, r) => s + r.decodedBodySize, 0),
    files: all.map(r => [r.name.replace(location.origin, ""), r.encodedBodySize]),
  };
}
"""


def visit(browser, url: str, search: str | None = None) -> dict:
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        if search:
            page.locator("#lotse-suchfeld").click()
            page.keyboard.type(search, delay=20)
            page.locator(".lotse-vorschlaege [role=option]").first.wait_for(timeout=20000)
            page.wait_for_load_state("networkidle")
        return page.evaluate(MEASURE)
    finally:
        context.close()


def bare_material_site(tmp: Path, words: str) -> Path:
    from lotse.site import publish

    project = tmp / "bare"
    (project / "docs").mkdir(parents=True)
    (project / "mkdocs.yml").write_text("site_name: Bare Material\ntheme:\n  name: material\n  language: de\n  font: false\n",
                                        encoding="utf-8")
    (project / "docs" / "index.md").write_text(f"# Seite\n\n{words}\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml"), "-d", str(project / "site")],
                   check=True)
    publish.precompress(project / "site")
    return project / "site"


def main_text(html: str) -> str:
    body = html.split('<article', 1)[-1].split("</article>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def row(label: str, m: dict) -> str:
    return f"{label:<48} {m['requests']:>4} {m['encoded'] / 1024:>10.1f} {m['transfer'] / 1024:>10.1f} {m['decoded'] / 1024:>10.1f}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seite", default="leistungen/wohnsitz-anmelden/", help="service page, site-relative")
    parser.add_argument("--suche", default="wohn", help="typed into the header search for the second figure")
    parser.add_argument("--dateien", action="store_true", help="list every response")
    args = parser.parse_args(argv)

    from nginx_support import available, run_nginx
    from playwright.sync_api import sync_playwright

    from lotse.site.build import build_site

    if not available() or not Path(CHROMIUM).exists():
        print("nginx or Chromium missing: run `bash scripts/install-test-deps.sh`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="lotse-transfer-") as tmp_name:
        tmp = Path(tmp_name)
        site = build_site(ROOT / "data", tmp / "site")
        words = main_text((site / args.seite / "index.html").read_text(encoding="utf-8"))
        bare = bare_material_site(tmp, words)
        with run_nginx(site, tmp / "nginx-lotse") as lotse_base, run_nginx(bare, tmp / "nginx-bare") as bare_base, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            lotse_cold = visit(browser, f"{lotse_base}/{args.seite}")
            lotse_search = visit(browser, f"{lotse_base}/{args.seite}", search=args.suche)
            bare_cold = visit(browser, f"{bare_base}/")
            browser.close()
    print(f"Transfer size, cold cache, gzip (nginx gzip_static), Chromium; {len(words.split())} words of main text")
    print(f"{'':<48} {'req':>4} {'gzip KB':>10} {'+hdr KB':>10} {'raw KB':>10}")
    print(row(f"Lotse /{args.seite}", lotse_cold))
    print(row(f"Lotse, same page + header search '{args.suche}'", lotse_search))
    print(row("bare MkDocs Material page (same words)", bare_cold))
    print(f"Lotse / bare Material (gzip bytes): {lotse_cold['encoded'] / bare_cold['encoded']:.2f}")
    if args.dateien:
        for label, m in (("Lotse", lotse_search), ("bare", bare_cold)):
            print(f"\n{label}:")
            for name, size in m["files"]:
                print(f"  {size / 1024:8.1f} KB  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
