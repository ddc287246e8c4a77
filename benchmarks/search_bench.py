"""Search speed and size in real Chromium: bytes before the first result, time to the first result.

Usage::

    .venv/bin/python benchmarks/search_bench.py                  # shipped data and 6,000 services
    .venv/bin/python benchmarks/search_bench.py --nur-daten      # shipped data only (fast)
    .venv/bin/python benchmarks/search_bench.py --leistungen 6000 --wiederholungen 7

For each data set the site is built, served from 127.0.0.1 with gzip (as a web
server would) under /lotse/, and opened in Debian's Chromium (Playwright):

* "Ergebnisseite": /suche/?q=<query> in a fresh browser context (empty cache).
  Time = navigation start -> first results rendered (the page sets the
  performance mark ``lotse-suche-ergebnisse``); also reported relative to
  the ``load`` event, and when the index was ready to search (mark
  ``lotse-suche-index``). Bytes = compressed bytes of every response the
  page had received by then (Resource Timing ``encodedBodySize``, HTML
  included) and the search's own share (lunr bundle, index, entries).
* "Kopfzeile": a service page; focus the header box (this starts the lazy
  load), type the query; time from the first key to the first suggestions.

Goals (issue 4): <= 150 KB gzipped before the first result on the shipped data;
<= 1 MB gzipped and <= 300 ms to first results at 6,000 services. The machine
is shared, so the script prints medians of several runs and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
from lotse.site.publish import unhashed  # noqa: E402  (file names carry a content hash)

SEARCH_FILES = ("lunr-suche.js", "index.json", "eintraege.json")

MEASURE = """
() => {
  const mark = performance.getEntriesByName("lotse-suche-ergebnisse")[0];
  const index = performance.getEntriesByName("lotse-suche-index")[0];
  const nav = performance.getEntriesByType("navigation")[0];
  const until = mark.startTime;
  const resources = performance.getEntriesByType("resource").filter(r => r.responseEnd <= until);
  const files = resources.map(r => ({name: r.name, encoded: r.encodedBodySize, decoded: r.decodedBodySize}));
  return {
    results_ms: until,
    index_ms: index ? index.startTime : null,
    load_ms: nav.loadEventEnd,
    html_encoded: nav.encodedBodySize,
    files: files,
  };
}
"""


def build(data_dir: Path, site_dir: Path) -> float:
    from lotse.site.build import build_site

    started = time.perf_counter()
    build_site(data_dir, site_dir)
    return time.perf_counter() - started


def results_page(browser, server, query: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url("suche/?q=" + query))
    page.wait_for_function("performance.getEntriesByName('lotse-suche-ergebnisse').length > 0", timeout=60000)
    page.wait_for_load_state("load")
    m = page.evaluate(MEASURE)
    count = page.locator("#suchergebnisse li.lotse-treffer__eintrag").count()
    context.close()
    search = sum(f["encoded"] for f in m["files"] if unhashed(f["name"].rsplit("/", 1)[-1]) in SEARCH_FILES)
    return {
        "ms": m["results_ms"],
        # negative when the results came before the load event
        "after_load_ms": m["results_ms"] - m["load_ms"] if m["load_ms"] else m["results_ms"],
        "load_ms": m["load_ms"],
        "index_ms": m["index_ms"],
        "bytes": m["html_encoded"] + sum(f["encoded"] for f in m["files"]),
        "search_bytes": search,
        "raw_search_bytes": sum(f["decoded"] for f in m["files"] if unhashed(f["name"].rsplit("/", 1)[-1]) in SEARCH_FILES),
        "hits": count,
    }


def header_box(browser, server, page_url: str, query: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url(page_url))
    page.wait_for_load_state("load")
    page.evaluate("() => { window.__t0 = 0; }")
    page.focus("#lotse-suchfeld")
    page.evaluate("() => { window.__t0 = performance.now(); }")
    page.keyboard.type(query)
    page.wait_for_function("performance.getEntriesByName('lotse-suche-ergebnisse').length > 0", timeout=60000)
    ms = page.evaluate("() => performance.getEntriesByName('lotse-suche-ergebnisse')[0].startTime - window.__t0")
    context.close()
    return {"ms": ms}


def measure(name: str, data_dir: Path, query: str, service_page: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    from lotse.search.serve import SiteServer

    with tempfile.TemporaryDirectory(prefix="lotse-suchbench-") as tmp:
        seconds = build(data_dir, Path(tmp) / "site")
        with SiteServer(Path(tmp) / "site") as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            results_page(browser, server, query)  # warm up the server's gzip cache and the OS file cache
            pages = [results_page(browser, server, query) for _ in range(runs)]
            boxes = [header_box(browser, server, service_page, query) for _ in range(runs)]
            browser.close()
    med = lambda key, rows: statistics.median(r[key] for r in rows)  # noqa: E731
    return {
        "name": name, "build_s": seconds, "hits": pages[0]["hits"],
        "bytes": med("bytes", pages), "search_bytes": med("search_bytes", pages), "raw_search_bytes": med("raw_search_bytes", pages),
        "ms": med("ms", pages), "after_load_ms": med("after_load_ms", pages), "box_ms": med("ms", boxes),
        "load_ms": med("load_ms", pages),
        "index_ms": statistics.median(r["index_ms"] for r in pages) if all(r["index_ms"] is not None for r in pages) else None,
        "ms_all": [round(r["ms"]) for r in pages],
    }


def print_row(r: dict, goal_kb: int, goal_ms: int | None) -> None:
    kb = r["bytes"] / 1024
    print(f"\n{r['name']}  (Website gebaut in {r['build_s']:.1f} s, {r['hits']} Treffer)")
    print(f"  übertragen bis zum ersten Treffer: {kb:7.1f} KB gzip (Ziel <= {goal_kb} KB)"
          f"  davon Suche: {r['search_bytes'] / 1024:.1f} KB gzip ({r['raw_search_bytes'] / 1024:.0f} KB entpackt)")
    goal = f" (Ziel <= {goal_ms} ms)" if goal_ms else ""
    relative = "nach" if r["after_load_ms"] >= 0 else "vor"
    print(f"  Ergebnisseite: erste Treffer {r['ms']:6.0f} ms nach Navigationsstart{goal},"
          f" {abs(r['after_load_ms']):.0f} ms {relative} dem load-Ereignis; Läufe: {r['ms_all']}")
    index = f"Index bereit nach {r['index_ms']:.0f} ms, " if r["index_ms"] is not None else ""
    print(f"    ({index}load-Ereignis {r['load_ms']:.0f} ms nach Navigationsstart; Mediane)")
    print(f"  Kopfzeile: erste Vorschläge {r['box_ms']:6.0f} ms nach dem Fokus (Laden des Index eingeschlossen)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--leistungen", type=int, default=6000, help="size of the generated data set")
    parser.add_argument("--wiederholungen", type=int, default=5)
    parser.add_argument("--suche", default="perso", help="query for the measurement")
    parser.add_argument("--nur-daten", action="store_true", help="only the shipped data")
    args = parser.parse_args(argv)
    print(f"Chromium {CHROMIUM}; Last (1/5/15 min): {os.getloadavg()}; {os.cpu_count()} Kerne, mit anderen geteilt")
    rows = []
    shipped = measure("Mitgelieferte Daten (data/)", args.data, args.suche, "leistungen/wohnsitz-anmelden/", args.wiederholungen)
    print_row(shipped, 150, None)
    rows.append(shipped)
    if not args.nur_daten:
        with tempfile.TemporaryDirectory(prefix="lotse-bench-daten-") as tmp:
            out = Path(tmp) / "daten"
            subprocess.run([str(ROOT / ".venv" / "bin" / "lotse"), "bench", "generate", "--services", str(args.leistungen),
                            "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
            first = sorted((out / "services").glob("*.yml"))[0].stem
            big = measure(f"{args.leistungen} erzeugte Leistungen", out, args.suche, f"leistungen/{first}/", args.wiederholungen)
        print_row(big, 1024, 300)
        rows.append(big)
    print(f"\nLast danach: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
