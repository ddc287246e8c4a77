"""Make a freshly built site ready to serve: fingerprinted assets, headers, precompressed files.

Runs in :func:`lotse.site.build.build_site` on the new folder before it replaces the old one:

1. **Fingerprints** (:func:`fingerprint`): the site's own CSS and JS and the search
   index files get a content hash in their name (``lotse.css`` ->
   ``lotse.3f9a0c21b7.css``), and every reference to them is rewritten. A
   changed file is a new address, so the server may let browsers keep assets
   for a year (``immutable``) while HTML is revalidated. Files that name other
   fingerprinted files (the search start script names ``index.json``) are
   hashed after the names inside them are rewritten, so a changed index
   changes the script's name too. Material's own files are fingerprinted by
   Material already.
2. **Headers** (:func:`write_headers_file`): ``_headers`` for static hosts that
   read one, in Cloudflare Pages' syntax (``! Cache-Control`` detaches the
   default of ``/*`` for fingerprinted files); the same headers as
   ``lotse nginx`` (:mod:`lotse.site.server`). GitHub Pages ignores it.
3. **Precompression** (:func:`precompress`): ``.gz`` beside every HTML, CSS,
   JS, JSON, CSV and SVG file for nginx's ``gzip_static``; deterministic
   (mtime 0, no file name inside), written only when smaller.

``assets/dateien.json`` maps each original name to its fingerprinted one, for
tests, benchmarks and anyone who needs a stable name.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import posixpath
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MANIFEST = "assets/dateien.json"
HASH_LENGTH = 10
# Material's own folders: bundle and stylesheets carry Material's hash already.
THEME_FOLDERS = ("assets/javascripts/", "assets/stylesheets/")
SEARCH_FOLDER = "assets/lotse-suche/"
COMPRESS = (".html", ".css", ".js", ".json", ".csv", ".svg", ".xml")
_HASHED = re.compile(r"\.[0-9a-f]{%d}(?=\.[a-z]+$)" % HASH_LENGTH)


def unhashed(name: str) -> str:
    """``index.3f9a0c21b7.json`` -> ``index.json`` (for tests and benchmarks)."""
    return _HASHED.sub("", name)


def wants_fingerprint(rel: str) -> bool:
    if rel.startswith(THEME_FOLDERS):
        return False
    if rel.endswith((".css", ".js")):
        return True
    return rel.startswith(SEARCH_FOLDER) and rel.endswith(".json")


def _hashed_name(rel: str, data: bytes) -> str:
    folder, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    return f"{folder}/{stem}.{digest}.{ext}" if folder else f"{stem}.{digest}.{ext}"


def _quoted(name: str) -> re.Pattern:
    # A sibling's name as a whole string literal: "index.json" or 'index.json'.
    return re.compile(r'(["\'])' + re.escape(name) + r'\1')


def site_files(site: Path) -> list[str]:
    """Every file of the site, site-relative, sorted (os.walk: a third of rglob's time at 6,000 pages)."""
    out = []
    for folder, _dirs, names in os.walk(site):
        rel = os.path.relpath(folder, site)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out += [prefix + name for name in names]
    return sorted(out)


def fingerprint(site: Path, rewrite_pages: bool = True) -> dict[str, str]:
    """Rename the site's own assets to content-hashed names; rewrite references; return the mapping.

    ``rewrite_pages=False`` leaves the HTML to the caller (:func:`finish` does it
    in the same pass as the compression, reading each page once).
    """
    site = Path(site)
    assets = [rel for rel in site_files(site) if wants_fingerprint(rel)]
    by_folder: dict[str, list[str]] = {}
    for rel in assets:
        by_folder.setdefault(posixpath.dirname(rel), []).append(rel)
    # Which sibling names each asset mentions (scripts load siblings relative to themselves).
    needs: dict[str, set[str]] = {}
    texts: dict[str, str] = {}
    for rel in assets:
        text = (site / rel).read_text(encoding="utf-8")
        texts[rel] = text
        needs[rel] = {other for other in by_folder[posixpath.dirname(rel)]
                      if other != rel and _quoted(posixpath.basename(other)).search(text)}
    mapping: dict[str, str] = {}
    pending = set(assets)
    while pending:
        ready = sorted(rel for rel in pending if needs[rel] <= mapping.keys())
        if not ready:
            raise RuntimeError(f"assets name each other in a cycle: {sorted(pending)}")
        for rel in ready:
            text = texts[rel]
            for other in sorted(needs[rel]):
                text = _quoted(posixpath.basename(other)).sub(
                    lambda m, new=posixpath.basename(mapping[other]): f"{m.group(1)}{new}{m.group(1)}", text)
            data = text.encode("utf-8")
            new = _hashed_name(rel, data)
            (site / new).write_bytes(data)
            (site / rel).unlink()
            mapping[rel] = new
            pending.discard(rel)
    if mapping and rewrite_pages:
        rewrite = _PageRewriter(site, mapping)
        for rel in site_files(site):
            if rel.endswith(".html"):
                rewrite(site / rel)
    (site / MANIFEST).write_text(json.dumps(mapping, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return mapping


class _PageRewriter:
    """Rewrites one page's references to fingerprinted files, on the page's bytes.

    Every reference to a fingerprinted file ends in ``.css"``, ``.js"`` or
    ``.json"``; the page is scanned for those endings only (a few hits per page)
    and each hit inside ``href="…"`` or ``src="…"`` is resolved against the
    page's folder. At 6,000 pages (120 MB of HTML) this costs a fraction of a
    second, where a regular expression over every attribute took seconds.
    """

    ENDINGS = (b'.css"', b'.js"', b'.json"')
    ATTRIBUTES = (b' href="', b' src="')

    def __init__(self, site: Path, mapping: dict[str, str]):
        self.site = site
        self.mapping = mapping
        self._cache: dict[tuple, bytes | None] = {}

    def _new_ref(self, folder: str, ref: bytes) -> bytes | None:
        # A link that climbs to the site root first ("../../assets/x.css") means the same from
        # every folder of that depth: cache it per depth (6,000 service folders, one entry).
        depth = folder.count("/") + 1 if folder else 0
        key = (depth, ref) if ref.startswith(b"../" * depth) and not ref.startswith(b"../" * (depth + 1)) else (folder, ref)
        if key not in self._cache:
            self._cache[key] = self._resolve(folder, ref.decode("utf-8", "replace"))
        return self._cache[key]

    def _resolve(self, folder: str, ref: str) -> bytes | None:
        if ref.startswith(("http:", "https:", "//", "data:")):
            return None
        if ref.startswith("/"):
            # 404.html links from the site root (or site_url's path): match the known tail.
            for old, new in self.mapping.items():
                if ref == "/" + old or ref.endswith("/" + old):
                    return (ref[: len(ref) - len(old)] + new).encode("utf-8")
            return None
        target = posixpath.normpath(posixpath.join(folder, ref))
        if target not in self.mapping:
            return None
        return posixpath.relpath(self.mapping[target], folder or ".").encode("utf-8")

    def __call__(self, page: Path) -> bytes:
        folder = posixpath.dirname(page.relative_to(self.site).as_posix())
        data = page.read_bytes()
        edits: list[tuple[int, int, bytes]] = []
        for ending in self.ENDINGS:
            end = data.find(ending)
            while end != -1:
                stop = end + len(ending) - 1  # the closing quote
                start = data.rfind(b'"', 0, end) + 1
                if start and data.endswith(self.ATTRIBUTES, 0, start):
                    new = self._new_ref(folder, data[start:stop])
                    if new is not None:
                        edits.append((start, stop, new))
                end = data.find(ending, stop)
        if not edits:
            return data
        parts, last = [], 0
        for start, stop, new in sorted(edits):
            parts += [data[last:start], new]
            last = stop
        parts.append(data[last:])
        data = b"".join(parts)
        page.write_bytes(data)
        return data


def gzip_bytes(data: bytes) -> bytes:
    """Same input, same bytes: no time stamp and no file name in the header.

    Level 6, not 9: on 6,000 service pages (175 MB of HTML) level 9 took 4.0 s of CPU against
    2.2 s for level 6, for 0.4 % smaller files (35.3 vs 35.4 MB); the build's time matters more."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def _write_gz(path: Path, data: bytes) -> bool:
    packed = gzip_bytes(data)
    target = path.with_name(path.name + ".gz")
    if len(packed) < len(data):
        target.write_bytes(packed)
        return True
    if target.exists():
        target.unlink()  # e.g. a stale sitemap.xml.gz from MkDocs
    return False


def _in_threads(work, items) -> list:
    # zlib and file I/O release the GIL, so threads use both cores; results keep the input order.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(work, items))


def precompress(site: Path) -> int:
    """Write ``<file>.gz`` beside every compressible file where it saves bytes; return how many."""
    site = Path(site)
    paths = [site / rel for rel in site_files(site) if rel.endswith(COMPRESS)]
    return sum(_in_threads(lambda path: _write_gz(path, path.read_bytes()), paths))


def write_headers_file(site: Path, mapping: dict[str, str]) -> None:
    """``_headers``: security headers on every path; immutable caching for fingerprinted files."""
    from .server import IMMUTABLE, REVALIDATE, security_headers

    lines = ["# Written by lotse build (lotse/site/publish.py); the same headers as `lotse nginx`.", "/*"]
    lines += [f"  {name}: {value}" for name, value in security_headers()]
    lines += [f"  Cache-Control: {REVALIDATE}"]
    site = Path(site)
    hashed = sorted(set(mapping.values()) | {p.relative_to(site).as_posix() for p in site.rglob("*")
                                              if p.is_file() and p.relative_to(site).as_posix().startswith(THEME_FOLDERS)
                                              and re.search(r"\.[0-9a-f]{8}\.min\.(css|js)$", p.name)})
    for rel in hashed:
        # Hosts combine the values of every matching rule; "! Cache-Control" drops the one from /*.
        lines += [f"/{rel}", "  ! Cache-Control", f"  Cache-Control: {IMMUTABLE}"]
    (site / "_headers").write_text("\n".join(lines) + "\n", encoding="utf-8")


def finish(site: Path) -> dict[str, str]:
    """Everything above; returns the fingerprint mapping. Each page is read once: its
    references are rewritten and its .gz written in the same step."""
    site = Path(site)
    mapping = fingerprint(site, rewrite_pages=False)
    write_headers_file(site, mapping)
    rewrite = _PageRewriter(site, mapping) if mapping else None

    def one(rel: str) -> None:
        path = site / rel
        if rel.endswith(".html") and rewrite is not None:
            _write_gz(path, rewrite(path))
        else:
            _write_gz(path, path.read_bytes())

    _in_threads(one, [rel for rel in site_files(site) if rel.endswith(COMPRESS)])
    return mapping
