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
import io
import json
import posixpath
import re
from pathlib import Path

MANIFEST = "assets/dateien.json"
HASH_LENGTH = 10
# Material's own folders: bundle and stylesheets carry Material's hash already.
THEME_FOLDERS = ("assets/javascripts/", "assets/stylesheets/")
SEARCH_FOLDER = "assets/lotse-suche/"
COMPRESS = (".html", ".css", ".js", ".json", ".csv", ".svg", ".xml")
_HASHED = re.compile(r"\.[0-9a-f]{%d}(?=\.[a-z]+$)" % HASH_LENGTH)
_REFERENCE = re.compile(r'(\b(?:href|src)=")([^"#?]+)(")')


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


def fingerprint(site: Path) -> dict[str, str]:
    """Rename the site's own assets to content-hashed names; rewrite references; return the mapping."""
    site = Path(site)
    assets = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
                    and wants_fingerprint(p.relative_to(site).as_posix()))
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
    for page in sorted(site.rglob("*.html")):
        _rewrite_page(site, page, mapping)
    (site / MANIFEST).write_text(json.dumps(mapping, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return mapping


def _rewrite_page(site: Path, page: Path, mapping: dict[str, str]) -> None:
    folder = page.parent.relative_to(site).as_posix()
    folder = "" if folder == "." else folder

    def replace(match: re.Match) -> str:
        ref = match.group(2)
        if ref.startswith(("http:", "https:", "mailto:", "data:", "//")):
            return match.group(0)
        if ref.startswith("/"):
            # 404.html links from the site root (or site_url's path): match the longest known tail.
            for old, new in mapping.items():
                if ref == "/" + old or ref.endswith("/" + old):
                    return match.group(1) + ref[: len(ref) - len(old)] + new + match.group(3)
            return match.group(0)
        target = posixpath.normpath(posixpath.join(folder, ref))
        if target not in mapping:
            return match.group(0)
        new = posixpath.relpath(mapping[target], folder or ".")
        return match.group(1) + new + match.group(3)

    text = page.read_text(encoding="utf-8")
    changed = _REFERENCE.sub(replace, text)
    if changed != text:
        page.write_text(changed, encoding="utf-8")


def gzip_bytes(data: bytes) -> bytes:
    """Same input, same bytes: no time stamp and no file name in the header."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as out:
        out.write(data)
    return buffer.getvalue()


def precompress(site: Path) -> int:
    """Write ``<file>.gz`` beside every compressible file where it saves bytes; return how many."""
    count = 0
    for path in sorted(Path(site).rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESS:
            continue
        data = path.read_bytes()
        packed = gzip_bytes(data)
        target = path.with_name(path.name + ".gz")
        if len(packed) < len(data):
            target.write_bytes(packed)
            count += 1
        elif target.exists():
            target.unlink()  # e.g. a stale sitemap.xml.gz from MkDocs
    return count


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
    """Everything above, in order; returns the fingerprint mapping."""
    mapping = fingerprint(site)
    write_headers_file(site, mapping)
    precompress(site)
    return mapping
