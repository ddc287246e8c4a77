"""Benchmark: `lotse import plone` on a generated plone.exportimport export of 10,000 items.

    .venv/bin/python benchmarks/import_bench.py [--items 10000] [--form exportimport|collective] [--build] [--keep DIR]

1. Generates an export (synthetic, in a temporary folder, never in data/): nested folders with
   default pages, Volto pages with slate text, headings, lists, links by resolveuid and images,
   classic HTML pages, news items with a listing, images and files with blobs, Links, unpublished
   items, Plone redirects with chains, translations.
2. Run "erster Import": one `lotse import plone` process into a copy of data/ and docs/
   (interpreter start included, as an editor would see it).
3. Run "Import ohne Änderungen": the same export again; must write 0 files.

Prints wall time and peak memory (maximum resident set size of the import process) per run.
Goal: <= 30 s for 10,000 items. With --build, also builds the site from the result (imported pages,
site/_redirects and a stub page per old address) and prints that time.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
WORDS = ("Antrag Bescheid Unterlagen Termin Bürgerbüro Frist Gebühr Nachweis Ausweis Wohnung Gewerbe Kind "
         "Familie Steuer Parken Hund Müll Baum Schule Kita Verein Fest Markt Straße Brücke Rathaus").split()


def uid(path: str) -> str:
    return hashlib.md5(path.encode()).hexdigest()


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def slate_block(rng, links):
    children = [{"text": sentence(rng) + " "}, {"text": rng.choice(WORDS), "bold": True}, {"text": " und "}]
    if links:
        target = rng.choice(links)
        children.append({"type": "link", "data": {"url": f"../resolveuid/{uid(target)}"}, "children": [{"text": "mehr"}]})
    children.append({"text": " " + sentence(rng, 8)})
    return {"@type": "slate", "value": [
        {"type": "h2", "children": [{"text": sentence(rng, 3)}]},
        {"type": "p", "children": children},
        {"type": "ul", "children": [{"type": "li", "children": [{"text": sentence(rng, 4)}]} for _ in range(3)]},
    ]}


def generate(out: Path, count: int, form: str, seed: int = 1) -> int:
    rng = random.Random(seed)
    items: list[dict] = []
    folders = ["/themen"]
    items.append({"path": "/themen", "@type": "Folder", "title": "Themen"})
    pages: list[str] = []
    while len(items) < count:
        n = len(items)
        parent = rng.choice(folders[-50:]) if len(folders) > 1 else folders[0]
        kind = rng.random()
        if kind < 0.08 and parent.count("/") < 5:
            path = f"{parent}/bereich-{n}"
            folders.append(path)
            items.append({"path": path, "@type": "Folder", "title": f"Bereich {n}", "description": sentence(rng, 6)})
            continue
        path = f"{parent}/seite-{n}"
        item = {"path": path, "title": f"Seite {n} {rng.choice(WORDS)}", "description": sentence(rng, 8)}
        if kind < 0.12:
            item.update({"@type": "Image", "id": f"bild-{n}.png", "image": PNG, "filename": f"Bild {n}.png"})
            item["path"] = f"{parent}/bild-{n}.png"
        elif kind < 0.15:
            item.update({"@type": "File", "file": b"%PDF-1.4\n%%EOF\n", "filename": f"formular-{n}.pdf"})
        elif kind < 0.16:
            item.update({"@type": "Link", "remoteUrl": "https://amt24.sachsen.de/"})
        elif kind < 0.30:
            item.update({"@type": "Document", "text": {"content-type": "text/html", "encoding": "utf-8", "data":
                         f"<h2>{sentence(rng, 3)}</h2><p>{sentence(rng)} <a href='../resolveuid/{uid(rng.choice(pages or [path]))}'>Link</a></p>"
                         f"<ul><li>{sentence(rng, 4)}</li><li>{sentence(rng, 4)}</li></ul>"}})
        else:
            typ = "News Item" if kind < 0.40 else "Document"
            blocks = {f"b{n}-0": {"@type": "title"}, f"b{n}-1": slate_block(rng, pages[-200:]), f"b{n}-2": slate_block(rng, pages[-200:])}
            layout = list(blocks)
            images = [i["path"] for i in items[-40:] if i.get("@type") == "Image"]
            if images:
                blocks[f"b{n}-3"] = {"@type": "image", "url": f"../resolveuid/{uid(images[-1])}", "alt": "Bild"}
                layout.append(f"b{n}-3")
            item.update({"@type": typ, "blocks": blocks, "blocks_layout": {"items": layout}})
            pages.append(path)
        if rng.random() < 0.05:
            item["review_state"] = "private"
        items.append(item)
    redirects = {}
    for i, page in enumerate(pages[:1000]):
        redirects[f"/alt/{i}"] = page
        if i % 10 == 0:
            redirects[f"/uralt/{i}"] = f"/alt/{i}"  # a chain
    translations = [{"de": uid(a), "en": uid(b)} for a, b in zip(pages[:50], pages[50:100])]
    default_pages = {}
    by_parent: dict[str, list[str]] = {}
    for item in items:
        by_parent.setdefault(item["path"].rsplit("/", 1)[0], []).append(item["path"])
    for folder in folders[1::3]:
        docs = [p for p in by_parent.get(folder, []) if p in set(pages[-5000:])]
        if docs:
            default_pages[folder] = docs[0]
    records = []
    for item in items:
        path = item["path"]
        parent = path.rsplit("/", 1)[0]
        data = {k: v for k, v in item.items() if k not in ("path", "image", "file", "filename")}
        data.update({"@id": path, "UID": uid(path), "id": path.rsplit("/", 1)[1], "review_state": item.get("review_state", "published"),
                     "modified": "2025-03-01T10:00:00+00:00", "effective": "2025-02-01T10:00:00", "language": "de",
                     "parent": {"@id": parent or "/", "UID": uid(parent) if parent else None}})
        for name in ("image", "file"):
            if name in item:
                data[name] = {"blob_path": f"{uid(path)}/{name}/{item['filename']}", "filename": item["filename"],
                              "content-type": "image/png" if name == "image" else "application/pdf", "_bytes": item[name]}
        records.append(data)
    out.mkdir(parents=True)
    if form == "exportimport":
        content = out / "content"
        content.mkdir()
        for data in records:
            folder = content / data["UID"]
            folder.mkdir()
            for name in ("image", "file"):
                if name in data:
                    blob = data[name].pop("_bytes")
                    (content / data[name]["blob_path"]).parent.mkdir(parents=True, exist_ok=True)
                    (content / data[name]["blob_path"]).write_bytes(blob)
            (folder / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        meta = {"_data_files_": [f"{d['UID']}/data.json" for d in records],
                "default_page": {uid(f): {"default_page_uuid": uid(p)} for f, p in default_pages.items()}, "ordering": {}}
        (content / "__metadata__.json").write_text(json.dumps(meta), encoding="utf-8")
        (out / "redirects.json").write_text(json.dumps(redirects), encoding="utf-8")
        (out / "translations.json").write_text(json.dumps([{"canonical": t["de"], "translations": t} for t in translations]), encoding="utf-8")
        return len(records)
    site = "http://localhost:8080/Plone"
    for data in records:
        data["@id"] = site + data["@id"]
        data["parent"]["@id"] = site + data["parent"]["@id"]
        for name in ("image", "file"):
            if name in data:
                blob = data[name].pop("_bytes")
                del data[name]["blob_path"]
                data[name].update({"data": base64.b64encode(blob).decode(), "encoding": "base64"})
    (out / "Plone.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (out / "redirects.json").write_text(json.dumps({"/Plone" + k: "/Plone" + v for k, v in redirects.items()}), encoding="utf-8")
    (out / "translations.json").write_text(json.dumps(translations), encoding="utf-8")
    (out / "defaultpages.json").write_text(json.dumps([{"uuid": uid(f), "default_page": p.rsplit("/", 1)[1]} for f, p in default_pages.items()]), encoding="utf-8")
    return len(records)


def run_import(export: Path, data: Path, docs: Path, report: Path) -> tuple[float, float, str]:
    """One import process: wall time, its own peak resident memory (MB, from wait4) and its summary."""
    log = report.with_suffix(".log")
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen([str(ROOT / ".venv/bin/lotse"), "import", "plone", str(export), "--data", str(data),
                                 "--docs", str(docs), "--bericht", str(report)], stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    text = log.read_text(encoding="utf-8")
    if os.waitstatus_to_exitcode(status) not in (0, 1) or "Traceback" in text:
        sys.exit(f"Import fehlgeschlagen:\n{text}")
    return elapsed, usage.ru_maxrss / 1024, text.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--form", choices=("exportimport", "collective"), default="exportimport")
    parser.add_argument("--build", action="store_true", help="danach die Website bauen und die Zeit ausgeben")
    parser.add_argument("--keep", type=Path, help="Ordner für Export und Ergebnis behalten (statt eines temporären)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lotse-import-bench-")) if args.keep is None else args.keep
    try:
        export = work / "export"
        start = time.perf_counter()
        n = generate(export, args.items, args.form)
        print(f"Export erzeugt: {n} Inhalte ({args.form}) in {time.perf_counter() - start:.1f} s")
        data, docs = work / "data", work / "docs"
        shutil.copytree(ROOT / "data", data)
        shutil.copytree(ROOT / "docs", docs)
        target = export / "Plone.json" if args.form == "collective" else export
        for label in ("erster Import", "Import ohne Änderungen"):
            elapsed, peak_mb, out = run_import(target, data, docs, work / "bericht.md")
            print(f"{label}: {elapsed:.1f} s, Spitzenspeicher {peak_mb:.0f} MB (Ziel ≤ 30 s)\n  {out}")
        if args.build:
            sys.path.insert(0, str(ROOT))
            from lotse.site.build import build_site

            start = time.perf_counter()
            site = build_site(data, work / "site", mkdocs_options={"docs_dir": str(docs)})
            lines = (site / "_redirects").read_text(encoding="utf-8").count("\n")
            print(f"Website gebaut in {time.perf_counter() - start:.1f} s; _redirects: {lines} Zeilen")
        pages = sum(1 for _ in docs.rglob("index.md"))
        files = sorted((data / 'weiterleitungen').glob('*.yml'))
        print(f"Seiten unter docs/: {pages}; Dateien in data/weiterleitungen/: {len(files)}, größte {max(f.stat().st_size for f in files) // 1024} KiB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
