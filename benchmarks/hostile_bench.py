"""Benchmark: `lotse validate` on hostile input stays linear (issue 15, finding 1).

Cases, each one `lotse validate` process (interpreter start and imports count):

1. "6,000 records": the generated folder of validate_bench.py (`lotse bench generate`), valid.
2. "hostile 256 KiB file": the shipped data/ plus one service whose `synonyme` list mixes
   numbers and words up to the file-size limit (jsonschema compared every pair: 174 s).
3. "25,000 unknown references": the 6,000 records plus Lebenslagen that name 25,000 services
   that do not exist (each used to get a spelling suggestion against all 6,000: 57 s).
4. "495 nested [": the shipped data/ plus a 1 KB file of nested lists (was a RecursionError).

Goal: 6,000 records <= 3 s; any single hostile file <= 1 s on top of the folder it sits in.
Run: `.venv/bin/python benchmarks/hostile_bench.py [--runs R]` (under the shared lock on a
shared machine). Prints numbers; does not fail on a missed goal.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from validate_bench import _tool, best_of, generated_data  # noqa: E402

from lotse.yamlload import MAX_BYTES  # noqa: E402


def hostile_list_file(folder: Path) -> Path:
    head = "id: gemischte-liste\nname: Gemischte Liste\nsynonyme:\n"
    parts, size, i = [head], len(head), 0
    while True:
        item = f"  - {i}\n" if i % 2 else f"  - w{i}\n"
        if size + len(item) > MAX_BYTES - 64:
            break
        parts.append(item)
        size += len(item)
        i += 1
    path = folder / "services" / "gemischte-liste.yml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def unknown_references(folder: Path, count: int) -> None:
    per_file = 5_000  # ~180 KiB per file, under the size limit
    for start in range(0, count, per_file):
        ids = "".join(f"      - gibt-es-nicht-{n:05d}\n" for n in range(start, min(start + per_file, count)))
        (folder / "lebenslagen" / f"viele-verweise-{start // per_file}.yml").write_text(
            f"id: viele-verweise-{start // per_file}\ntitel: Viele Verweise\nkurzbeschreibung: Verweise, die es nicht gibt.\n"
            f"schritte:\n  - titel: Alles\n    leistungen:\n{ids}stand: '2026-01-01'\nquelle:\n  - titel: Benchmark\n",
            encoding="utf-8",
        )


def nested_file(folder: Path) -> None:
    (folder / "services" / "verschachtelt.yml").write_text("id: verschachtelt\nname: " + "[" * 495 + "]" * 495 + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="rounds per case; the best counts")
    parser.add_argument("--services", type=int, default=6000)
    args = parser.parse_args()
    lotse = _tool("lotse")
    generated = generated_data(args.services, 1)
    work = Path(tempfile.mkdtemp(prefix="lotse-hostile-"))
    try:
        shipped = work / "shipped"
        shutil.copytree(ROOT / "data", shipped)
        hostile = work / "hostile"
        shutil.copytree(ROOT / "data", hostile)
        hostile_list_file(hostile)
        refs = work / "refs"
        shutil.copytree(generated, refs)
        unknown_references(refs, 25_000)
        nested = work / "nested"
        shutil.copytree(ROOT / "data", nested)
        nested_file(nested)

        cases = [
            (f"{args.services:,} records (valid)", generated, 0),
            ("shipped data/ (baseline for 2 and 4)", shipped, 0),
            ("data/ + hostile 256 KiB mixed list", hostile, 1),
            (f"{args.services:,} records + 25,000 unknown references", refs, 1),
            ("data/ + 495 nested [", nested, 1),
        ]
        load_before = os.getloadavg()[0]
        rows = []
        for label, folder, expected in cases:
            seconds, cpu, results = best_of(args.runs, [[lotse, "validate", "--data", str(folder)]])
            result = results[0]
            ok = result.returncode == expected and "Traceback" not in result.stderr + result.stdout
            problems = result.stdout.count("\n")
            rows.append((label, seconds, cpu, problems, "" if ok else f" UNEXPECTED exit {result.returncode}"))
        print()
        print(f"lotse validate, best of {args.runs} runs; python {platform.python_version()}, {os.cpu_count()} CPUs, "
              f"1-min load {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
        print()
        print(f"| {'case':<52} | {'seconds':>7} | {'CPU s':>6} | {'problems':>8} |")
        print(f"|{'-' * 54}|{'-' * 9}|{'-' * 8}|{'-' * 10}|")
        for label, seconds, cpu, problems, note in rows:
            print(f"| {label + note:<52} | {seconds:7.2f} | {cpu:6.2f} | {problems:8d} |")
        print()
        base = rows[1][1]
        print(f"goal 6,000 records <= 3 s: {'met' if rows[0][1] <= 3 else 'MISSED'} ({rows[0][1]:.2f} s)")
        extra = rows[2][1] - base
        print(f"goal hostile file <= 1 s on top of its folder: {'met' if extra <= 1 else 'MISSED'} ({extra:+.2f} s)")
        print(f"25,000 unknown references among {args.services:,}: {rows[3][1]:.2f} s "
              f"({rows[3][1] - rows[0][1]:+.2f} s over the valid folder)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
