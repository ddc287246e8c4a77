"""Benchmark: `lotse sync ozg` on 6,000 generated services against a loopback API.

    .venv/bin/python benchmarks/sync_bench.py [--services 6000] [--keep DIR]

1. Generates a data folder (`lotse bench generate`; if that is not available, a
   minimal generator below) and an API export that matches it: every service with
   an online channel is listed with its current URL and OZG service.
2. Run "erster Abgleich": the first sync ever; it writes `online_status` into every
   listed record (the generated records have none), so this is the worst case.
3. Run "Nacht mit Änderungen": a realistic night, most entries unchanged, some with
   a new status, a moved URL, a new online service, another OZG service, some gone
   from the export and some candidates the directory lacks.
4. Run "Nacht ohne Änderungen": the same export again; must rewrite 0 files.

The API is served from a separate process (a threaded http.server reading CSV pages
from disk), so the sync's own time is measured, as one `lotse` process per run
(interpreter start included, as an editor or the nightly job would see it).
Goal: <= 10 s per run for 6,000 services, and no rewrite of unchanged files.
"""

from __future__ import annotations

import argparse
import csv
import http.server
import io
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
LOTSE = Path(sys.executable).parent / "lotse"
ARS = "147130000000"
PAGE_SIZE = 500
HEADER = ["leika_key", "leika_name", "leika_bezeichnung", "ars", "ars_name", "ars_federal_state", "bundesland",
          "ozgid", "ozg_bezeichnung", "url", "online_status", "aktiv", "art_flaechendeckung"]
ONLINE = ("amt24", "formular", "efa", "portal")


# --------------------------------------------------------------------------- data


def generate(count: int, out: Path) -> str:
    result = subprocess.run([str(LOTSE), "bench", "generate", "--services", str(count), "--out", str(out)], capture_output=True, text=True)
    if result.returncode == 0:
        return "lotse bench generate"
    shutil.rmtree(out, ignore_errors=True)
    _minimal(count, out)
    return "minimaler Generator (lotse bench generate nicht verfügbar)"


def _minimal(count: int, out: Path) -> None:
    """Valid synthetic records; LeiKa keys in the unassigned group 999 (99999…)."""
    quelle = [{"titel": "Synthetische Testdaten (benchmarks/sync_bench.py)"}]
    (out / "services").mkdir(parents=True)
    (out / "lebenslagen").mkdir()
    (out / "aemter").mkdir()
    (out / "lotse.yml").write_text(yaml.safe_dump({
        "stadt": "Beispielstadt", "ars": ARS, "stand": "2025-01-01",
        "portale": {"amt24": "https://amt24.beispielstadt.example/", "bundesportal": "https://bund.beispielstadt.example/{id}"},
    }, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (out / "aemter" / "amt.yml").write_text(yaml.safe_dump({"id": "amt", "name": "Amt", "traeger": "stadt", "stand": "2025-01-01", "quelle": quelle}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for i in range(count):
        sid = f"leistung-{i:05d}"
        online = i % 2 == 0
        kanaele = ([{"typ": "amt24", "bezeichnung": "Online-Antrag", "url": f"https://amt24.beispielstadt.example/{sid}"}] if online else []) + [{"typ": "vor-ort", "bezeichnung": "Persönlich im Amt"}]
        record = {"id": sid, "name": f"Leistung {i}", "leika": f"99999{i + 1:09d}", "kurzbeschreibung": "Synthetischer Eintrag für Messungen.",
                  "zielgruppe": ["buerger"], "zustaendig": "amt", "kanaele": kanaele, "digitalisierung": "digital" if online else "analog",
                  "stand": "2025-01-01", "quelle": quelle}
        (out / "services" / f"{sid}.yml").write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")


def read_records(data: Path) -> dict:
    out = {}
    for path in sorted((data / "services").glob("*.yml")):
        out[path.stem] = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return out


def first_online(record: dict) -> dict | None:
    return next((k for k in record.get("kanaele", []) if k.get("typ") in ONLINE and k.get("url")), None)


def row(leika, name, ozg, url, status):
    ozg = ozg or {}
    return [leika, name, "", ARS, "Beispielstadt", "14", "Sachsen", str(ozg.get("id", "")), ozg.get("name", ""), url, status, "ja", "in mind. einer Kommune verfügbar"]


def exports(records: dict, seed: int = 1):
    """(first export, next night's export, ids expected to change in the next night)."""
    rng = random.Random(seed)
    listed = {sid: r for sid, r in records.items() if r.get("leika") and first_online(r)}
    analog = sorted(sid for sid, r in records.items() if r.get("leika") and not first_online(r))
    base = {sid: row(r["leika"], r["name"], r.get("ozg"), first_online(r)["url"], "ok") for sid, r in listed.items()}
    first = [base[sid] for sid in sorted(base)]

    ids = sorted(base)
    night = {sid: list(values) for sid, values in base.items()}
    changed = set()
    pick = lambda pool, share: rng.sample(pool, max(1, int(len(pool) * share)))  # noqa: E731
    for sid in pick(ids, 0.03):  # online service failing
        night[sid][10] = "nicht ok"
        changed.add(sid)
    for sid in pick(ids, 0.01):  # moved URL
        night[sid][9] = night[sid][9].rstrip("/") + "/v2/"
        changed.add(sid)
    ozgs = sorted({(r["ozg"]["id"], r["ozg"].get("name", "")) for r in listed.values() if r.get("ozg")})
    if ozgs:
        for sid in pick(ids, 0.01):  # assigned to another OZG service
            other = rng.choice([o for o in ozgs if o[0] != listed[sid].get("ozg", {}).get("id")])
            night[sid][7], night[sid][8] = str(other[0]), other[1]
            changed.add(sid)
    gone = set(pick(ids, 0.02)) - changed  # no longer listed: flagged, not changed
    for sid in gone:
        del night[sid]
    for sid in pick(analog, 0.02):  # a new online service for an analog record
        r = records[sid]
        night[sid] = row(r["leika"], r["name"], r.get("ozg"), f"https://portal.beispielstadt.example/neu/{sid}/", "ok")
        changed.add(sid)
    candidates = [row(f"99999{900_000_000 + i:09d}", f"Kandidat {i}", None, f"https://portal.beispielstadt.example/kandidat/{i}/", "ok") for i in range(150)]
    second = [night[sid] for sid in sorted(night)] + candidates
    return first, second, changed, len(gone)


def write_pages(rows: list, folder: Path) -> int:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    for n in range(pages + 1):  # one extra, empty page: a full last page asks for the next one
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows[n * PAGE_SIZE:(n + 1) * PAGE_SIZE])
        (folder / f"{n}.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    return pages


# --------------------------------------------------------------------------- server


def serve(folder: str, port_queue) -> None:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            page = int(parse_qs(parts.query).get("page", ["0"])[0])
            path = Path(folder) / f"{page}.csv"
            body = path.read_bytes() if path.exists() else b"leika_key;url;online_status\r\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/csv;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


# --------------------------------------------------------------------------- runs


def snapshot(folder: Path) -> dict:
    return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}


# The generated records use hosts under beispielstadt.example (RFC 2606); this table
# gives them the types the real table gives the real portals.
HOSTS = """\
standard: {typ: portal, bezeichnung: Online-Antrag}
hosts:
  amt24.beispielstadt.example: {typ: amt24, bezeichnung: Online-Antrag bei Amt24}
  efa.beispielstadt.example: {typ: efa, bezeichnung: Online-Antrag (EfA)}
  portal.beispielstadt.example: {typ: portal, bezeichnung: Online im Fachportal}
  www.beispielstadt.example: {typ: formular, bezeichnung: Online-Formular}
"""


def sync(data: Path, url: str, hosts: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time and CPU time (user + system) of one `lotse sync ozg` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([str(LOTSE), "sync", "ozg", "--data", str(data), "--api-url", url, "--hosts", str(hosts)], capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result


def line(text: str, start: str) -> str:
    return next((ln for ln in text.splitlines() if ln.startswith(start)), "?")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=6000)
    parser.add_argument("--keep", type=Path, help="Arbeitsordner behalten (sonst temporär)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="lotse-sync-bench-"))
    data, pages = work / "data", work / "api"
    shutil.rmtree(data, ignore_errors=True)
    started = time.perf_counter()
    how = generate(args.services, data)
    records = read_records(data)
    first, second, expected, gone = exports(records)
    print(f"Daten: {len(records)} Leistungen ({how}, {time.perf_counter() - started:.1f} s); Export: {len(first)} Einträge, "
          f"nächste Nacht {len(second)} Einträge ({len(expected)} Leistungen mit Änderungen, {gone} nicht mehr gelistet, 150 Kandidaten)")

    queue = multiprocessing.get_context("fork").Queue()
    server = multiprocessing.get_context("fork").Process(target=serve, args=(str(pages), queue), daemon=True)
    write_pages(first, pages)
    server.start()
    url = f"http://127.0.0.1:{queue.get(timeout=10)}/api/"
    hosts = work / "hosts.yml"
    hosts.write_text(HOSTS, encoding="utf-8")
    failed = False
    try:
        runs = [("erster Abgleich", first, None), ("Nacht mit Änderungen", second, expected), ("Nacht ohne Änderungen", second, set())]
        for label, rows, should_change in runs:
            count = write_pages(rows, pages)
            before = snapshot(data)
            seconds, cpu, result = sync(data, url, hosts)
            after = snapshot(data)
            if result.returncode != 0:
                print(f"{label}: FEHLER (Status {result.returncode})\n{result.stderr[-3000:]}")
                return 1
            rewritten = [p for p in after if before.get(p) != after[p]]
            records_rewritten = {p.stem for p in rewritten if p.suffix == ".yml"}
            state = "ja" if any(p.name == "sync-state.json" for p in rewritten) else "nein"
            print(f"\n{label}: {seconds:.2f} s (Ziel <= 10 s), CPU {cpu:.2f} s, {count} Seite(n) à {PAGE_SIZE}, Last {os.getloadavg()[0]:.1f}")
            print(f"  Leistungsdateien neu geschrieben: {len(records_rewritten)}; Zustandsdatei geschrieben: {state}")
            if should_change is not None:
                print(f"  erwartet geändert: {len(should_change)}; davon geschrieben: {len(records_rewritten & should_change)}; "
                      f"unerwartet geschrieben: {len(records_rewritten - should_change)}")
                failed |= records_rewritten != should_change
                if not should_change:
                    failed |= state == "ja"
            for prefix in ("- Geänderte Leistungen", "- Geschriebene Dateien"):
                print("  " + line(result.stdout, prefix))
        print(f"\nMaschine: {os.cpu_count()} Kerne, von mehreren Prozessen geteilt (Last = 1-Minuten-Mittel); "
              "die Wanduhrzeit schwankt entsprechend, die CPU-Zeit weniger.")
    finally:
        server.terminate()
        server.join()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
