"""The one redirect table: every old address of the former website and where it leads now.

Sources, all from the loaded data (never from the export itself, so the build needs nothing else):

* ``alte_adressen`` of a Leistung, Lebenslage or Stelle: each old address leads to that record's
  page (full leipzig.de URLs count by their path);
* ``data/weiterleitungen/*.yml``: written by ``lotse import plone`` from the export (old paths of
  imported items and their ``/view``, ``@@images/…``, ``@@download/…`` forms, Plone's own
  redirects), extendable by hand.

Rules (the validator reports them per file and line, the build refuses a bad table):

* one old path, one target: two different targets for the same path are a conflict;
* chains are collapsed (``/a -> /b -> /c/`` becomes ``/a -> /c/`` and ``/b -> /c/``);
* loops are refused, because a browser would bounce between them until it gives up;
* an old path that is a real page of the site is refused: the page would never be reachable;
* at build time every internal target must exist (a page, a file, or another old path).

``lotse build`` writes the table as ``site/_redirects`` (``/old /new 301``, one a line, sorted:
the format of Netlify and Cloudflare Pages, read by ``lotse nginx``) and as small stub pages at
the old paths (meta refresh, canonical, noindex) for hosts without server configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from .yamlload import Problem

RECORD_KINDS = (("leistung", "leistungen"), ("lebenslage", "lebenslagen"), ("amt", "aemter"))
KIND_FOLDERS = {"leistung": "leistungen", "lebenslage": "lebenslagen", "amt": "aemter"}
REDIRECTS_FILE = "_redirects"


def old_path(address: str) -> str:
    """The public path of an old address: host and scheme go, no trailing slash (except ``/``).

    ``https://www.leipzig.de/a/b/`` and ``/a/b`` are the same old address ``/a/b``.
    """
    address = address.strip()
    if "://" in address:
        address = urlsplit(address).path or "/"
    path = address.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        path = "/" + path
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path


def is_external(target: str) -> bool:
    return target.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Entry:
    """One old path and the target someone wrote for it, with where it was written."""

    source: str  # normalised old path
    target: str  # "/site/path/", "/file.pdf", another old path, or an external URL
    path: str  # file that says so
    line: int


def entries(ds) -> list[Entry]:
    """Every (old path, target) pair the data declares, in file order."""
    out: list[Entry] = []
    for kind, _folder in RECORD_KINDS:
        for rid, doc in sorted(ds.bucket(kind).items()):
            adressen = doc.data.get("alte_adressen")
            if not isinstance(adressen, list):
                continue
            target = f"/{KIND_FOLDERS[kind]}/{rid}/"
            for i, address in enumerate(adressen):
                if isinstance(address, str):
                    out.append(Entry(old_path(address), target, doc.path, doc.line_of(("alte_adressen", i))))
    for _fid, doc in sorted(ds.weiterleitungen.items()):
        for i, item in enumerate(doc.data.get("weiterleitungen") or []):
            if not isinstance(item, dict) or not isinstance(item.get("nach"), str):
                continue
            target = item["nach"].strip()
            for j, address in enumerate(item.get("von") or []):
                if isinstance(address, str):
                    out.append(Entry(old_path(address), target, doc.path, doc.line_of(("weiterleitungen", i, "von", j))))
    return out


def record_pages(ds) -> set[str]:
    """Paths of the record pages (``/leistungen/x/``): known without building the site."""
    return {f"/{folder}/{rid}/" for kind, folder in RECORD_KINDS for rid in ds.bucket(kind)}


def _same_page(path: str, pages: set[str]) -> bool:
    return path in pages or (path + "/") in pages


def build_table(ds, pages: set[str] | None = None, files: set[str] | None = None) -> tuple[dict[str, str], list[Problem]]:
    """The collapsed table ``{old path: final target}`` and every problem found.

    ``pages`` are the site's page paths (``/a/b/``) and ``files`` its other files (``/a/x.pdf``);
    without them (``lotse validate``) only record pages are known and targets are not checked.
    """
    check_targets = pages is not None
    pages = set(pages or ()) | record_pages(ds)
    files = set(files or ())
    problems: list[Problem] = []
    first: dict[str, Entry] = {}
    for entry in entries(ds):
        if _same_page(entry.source, pages) or entry.source in files:
            problems.append(Problem(entry.path, entry.line, f"Die alte Adresse „{entry.source}“ ist eine echte Seite dieser Website. Eine Weiterleitung würde sie unerreichbar machen; bitte die Adresse aus der Liste nehmen."))
            continue
        other = first.get(entry.source)
        if other is None:
            first[entry.source] = entry
        elif other.target != entry.target:
            problems.append(Problem(entry.path, entry.line, f"Die alte Adresse „{entry.source}“ leitet schon nach „{other.target}“ weiter ({other.path}:{other.line}). Eine alte Adresse kann nur ein Ziel haben; bitte eine der beiden Angaben streichen."))
    table: dict[str, str] = {}
    loops: set[frozenset] = set()
    for source in sorted(first):
        final = _follow(source, first, problems, loops)
        if final is not None:
            table[source] = final
    if check_targets:
        for source, target in sorted(table.items()):
            if is_external(target):
                continue
            if not (target in pages or target in files):
                entry = first[source]
                hint = f" Meinten Sie „{target}/“?" if (target + "/") in pages else ""
                problems.append(Problem(entry.path, entry.line, f"Das Ziel „{target}“ der alten Adresse „{source}“ gibt es auf der Website nicht.{hint} Bitte ein vorhandenes Ziel eintragen."))
                del table[source]
    return table, problems


def _follow(source: str, first: dict[str, Entry], problems: list[Problem], loops: set[frozenset]) -> str | None:
    """The final target of ``source`` following chains; None (and the loop reported once) in a loop."""
    seen = [source]
    target = first[source].target
    while not is_external(target):
        step = old_path(target)
        if step not in first:
            break
        if step in seen:
            loop = seen[seen.index(step):]
            if frozenset(loop) not in loops:
                loops.add(frozenset(loop))
                text = " → ".join(loop + [step])
                for s in loop:
                    e = first[s]
                    problems.append(Problem(e.path, e.line, f"Die Weiterleitungen bilden eine Schleife ({text}). Ein Browser würde endlos springen; bitte eine der Adressen auf eine echte Seite zeigen lassen."))
            return None
        seen.append(step)
        target = first[step].target
    return target


def problems(ds) -> list[Problem]:
    """What ``lotse validate`` reports about old addresses (record pages are the only pages it knows)."""
    return build_table(ds)[1]


# --------------------------------------------------------------------------- build output


def redirects_text(table: dict[str, str]) -> str:
    """``/old /new 301`` per line, sorted: the ``_redirects`` format ``lotse nginx`` also reads."""
    return "".join(f"{source} {target} 301\n" for source, target in sorted(table.items()))


def stub_html(source: str, target: str) -> str:
    """A page at the old address for hosts without redirects: refresh, canonical, noindex."""
    if is_external(target):
        href = target
    else:
        depth = len([p for p in source.split("/") if p])
        href = ("../" * depth + target.lstrip("/")) or "./"
    h = escape(href, quote=True)
    return (
        '<!doctype html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        "<title>Diese Seite ist umgezogen</title>\n"
        '<meta name="robots" content="noindex">\n'
        f'<link rel="canonical" href="{h}">\n'
        f'<meta http-equiv="refresh" content="0; url={h}">\n'
        "</head>\n<body>\n"
        f'<p>Diese Seite ist umgezogen: <a href="{h}">zur neuen Adresse</a>.</p>\n'
        "</body>\n</html>\n"
    )


def _site_paths(generated: Iterable[str], docs: Iterable[str]) -> tuple[set[str], set[str]]:
    """Site paths of pages (``/a/b/``) and other files (``/a/x.pdf``) from source paths."""
    pages: set[str] = {"/"}
    files: set[str] = set()
    for uri in list(generated) + list(docs):
        if uri.endswith(".md"):
            stem = uri[:-3]
            if stem == "index" or stem.endswith("/index"):
                stem = stem[: -len("index")]
            else:
                stem += "/"
            pages.add("/" + stem)
        else:
            files.add("/" + uri)
    return pages, files


def _under_file(source: str, site_files: set[str]) -> bool:
    parts = source.strip("/").split("/")
    return any("/" + "/".join(parts[:i]) in site_files for i in range(1, len(parts)))


def imported_pages(data_dir) -> set[str]:
    """Pages ``lotse import plone`` wrote into docs/ (from its state file): kept out of the nav."""
    import json
    from pathlib import Path

    path = Path(data_dir) / "plone-import.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get("dateien", {})
    except (OSError, ValueError, AttributeError):
        return set()
    return {key[len("docs:"):] for key in entries if key.startswith("docs:") and key.endswith(".md")}


def files(ctx) -> Iterator:
    """Site provider (listed last): ``_redirects`` and a stub page at each old path."""
    from .site import state
    from .site.context import GeneratedFile
    from .site.providers import ProviderError

    generated = list(getattr(ctx, "generated", {}) or {})
    pages, site_files = _site_paths(generated, getattr(state, "docs_uris", set()))
    table, found = build_table(ctx.dataset, pages, site_files)
    if found:
        raise ProviderError("Die Weiterleitungen sind nicht in Ordnung:\n" + "\n".join(str(p) for p in found))
    yield GeneratedFile(REDIRECTS_FILE, content=redirects_text(table))
    taken = set(generated)
    for source, target in sorted(table.items()):
        path = source.strip("/") + "/index.html"
        if path in taken or _under_file(source, site_files):
            continue  # e.g. /bild.png/@@images/image where /bild.png is the file itself: _redirects only
        taken.add(path)
        yield GeneratedFile(path, content=stub_html(source, target))
