"""Site build time: the full Lotse build against a bare Material build, side by side.

Usage::

    .venv/bin/python benchmarks/site_bench.py            # 6,000 bare; Lotse at 1,500 and 6,000
    .venv/bin/python benchmarks/site_bench.py --repeat 3 --keep /tmp/site-bench

In ONE run it measures, each as its own command in a fresh process (so imports,
interpreter start-up and template compilation count, as they do for a user):

(a) the reference: a bare MkDocs Material site of 6,000 plain ~400-word
    Markdown pages kept out of the nav, with Material's search plugin on
    (the setup measured in shared/notes: 22 s on a 2-core machine);
(b) the full ``lotse build`` (validation included) of ``lotse bench generate``
    data with 1,500 and with 6,000 services.

It prints every time, the ratio full/bare at 6,000 (goal <= 1.2) and the ratio
6,000/1,500 of the Lotse build (goal <= 4.4, i.e. linear growth). The builds
run interleaved (bare, 1,500, 6,000, bare, ...) so that load from other
processes on a shared machine hits all of them alike; the spread between
repeats is printed as a measure of that noise, and CPU time (user + system of
each build process) beside wall time, because on a shared machine wall time
mostly measures the other jobs. Ratios use the median of each.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CATALOGUE = ROOT / "benchmarks" / "ozg-katalog-2019" / "leika-leistungen.tsv"

BARE_CONFIG = """site_name: Referenz
theme:
  name: material
  language: de
  font: false
plugins:
  - search
nav:
  - Start: index.md
not_in_nav: |
  /seiten/
"""


def words() -> list[str]:
    """Real German administrative vocabulary from the OZG catalogue, so the reference pages
    cost Markdown and search indexing what real text costs."""
    out = []
    with CATALOGUE.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            out.extend(w.strip("()„“,.;:") for w in line.split("\t")[1].split())
    return [w for w in out if len(w) > 2] or ["Verwaltung"]


def write_bare_site(target: Path, pages: int) -> None:
    rng = random.Random(1)
    vocabulary = words()
    docs = target / "docs" / "seiten"
    docs.mkdir(parents=True)
    (target / "mkdocs.yml").write_text(BARE_CONFIG, encoding="utf-8")
    (target / "docs" / "index.md").write_text("# Referenz\n\nStartseite.\n", encoding="utf-8")
    for i in range(pages):
        paragraphs = [" ".join(rng.choice(vocabulary) for _ in range(100)) + "." for _ in range(4)]
        title = " ".join(rng.choice(vocabulary) for _ in range(3))
        (docs / f"seite-{i:05d}.md").write_text(f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def timed(cmd: list[str], cwd: Path, output: Path) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one command.

    CPU time (user + system of the child) is reported beside wall time because on a
    machine shared with other jobs wall time mostly measures the others."""
    # Removing the previous output is not part of either build (both would pay it alike,
    # and on a busy disk it is the noisiest step).
    shutil.rmtree(output, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"Befehl fehlgeschlagen ({result.returncode}): {' '.join(cmd)}\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--breakdown":
        breakdown(Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per build (default 2)")
    parser.add_argument("--small", type=int, default=1500)
    parser.add_argument("--large", type=int, default=6000)
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary, removed)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="lotse-site-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bare = work / "bare"
        if not (bare / "mkdocs.yml").exists():
            write_bare_site(bare, args.large)
        data = {}
        for n in (args.small, args.large):
            data[n] = work / f"daten-{n}"
            if not (data[n] / "lotse.yml").exists():
                subprocess.run([str(BIN / "lotse"), "bench", "generate", "--services", str(n), "--out", str(data[n])],
                               check=True, stdout=subprocess.DEVNULL)
        runs = {"bare": [], args.small: [], args.large: []}
        load_before = os.getloadavg()
        for r in range(args.repeat):
            runs["bare"].append(timed([str(BIN / "mkdocs"), "build", "-q", "-f", str(bare / "mkdocs.yml"), "-d", str(work / "site-bare")], bare, work / "site-bare"))
            for n in (args.small, args.large):
                runs[n].append(timed([str(BIN / "lotse"), "build", "--data", str(data[n]), "--site-dir", str(work / f"site-{n}")], ROOT, work / f"site-{n}"))
            print(f"Durchlauf {r + 1} (Wand/CPU): bare {runs['bare'][-1][0]:.1f}/{runs['bare'][-1][1]:.1f} s, "
                  f"lotse {args.small} {runs[args.small][-1][0]:.1f}/{runs[args.small][-1][1]:.1f} s, "
                  f"lotse {args.large} {runs[args.large][-1][0]:.1f}/{runs[args.large][-1][1]:.1f} s", flush=True)
        load_after = os.getloadavg()
        where = subprocess.run([sys.executable, __file__, "--breakdown", str(data[args.large])],
                                   check=True, capture_output=True, text=True).stdout
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def show(label, pairs):
        out = []
        for kind, values in (("wall", [w for w, _c in pairs]), ("CPU ", [c for _w, c in pairs])):
            med = statistics.median(values)
            spread = (max(values) - min(values)) / med * 100 if med else 0
            print(f"{label:<40} {kind} median {med:6.1f} s   runs {', '.join(f'{v:.1f}' for v in values)}   spread {spread:.0f} %")
            out.append(med)
        return out

    print()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    bare_t = show(f"(a) bare Material, {args.large} pages, search", runs["bare"])
    small_t = show(f"(b) lotse build, {args.small} services", runs[args.small])
    large_t = show(f"(b) lotse build, {args.large} services", runs[args.large])
    print()
    for i, kind in enumerate(("wall", "CPU")):
        ratio_bare = large_t[i] / bare_t[i]
        ratio_growth = large_t[i] / small_t[i]
        print(f"{kind:<4} full/bare at {args.large}: {ratio_bare:.2f} (goal <= 1.2: {'met' if ratio_bare <= 1.2 else 'MISSED'});  "
              f"{args.large}/{args.small} growth: {ratio_growth:.2f} (goal <= 4.4: {'met' if ratio_growth <= 4.4 else 'MISSED'})")
    print()
    print(f"Where the time goes at {args.large} services (one in-process run, before MkDocs writes pages):")
    print(where, end="")


def breakdown(data_dir: Path) -> None:
    """Time loading/validation and each page provider on one data folder."""
    from lotse.site.context import SiteContext
    from lotse.site.providers import PROVIDERS, load
    from lotse.validator import load_valid

    start, cpu = time.perf_counter(), time.process_time()
    dataset = load_valid(data_dir)
    print(f"  {'validate + load data':<40} wall {time.perf_counter() - start:6.2f} s  CPU {time.process_time() - cpu:6.2f} s")
    ctx = SiteContext(dataset)
    for name in PROVIDERS:
        start, cpu = time.perf_counter(), time.process_time()
        count = sum(1 for _ in load(name)(ctx))
        print(f"  {name:<40} wall {time.perf_counter() - start:6.2f} s  CPU {time.process_time() - cpu:6.2f} s  ({count} files)")


if __name__ == "__main__":
    main()
