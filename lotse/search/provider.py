"""Site provider: the search's files (listed in lotse/site/providers.py).

Writes into ``assets/lotse-suche/``:

* ``suche.js`` and ``suche.css`` – the UI, on every page (mkdocs.yml);
* ``suche-start.js`` – starts the downloads in the head of /suche/;
* ``lunr-suche.js`` – lunr.js, the German stemmer, the search core and the
  search service in one file, loaded only when someone starts to search (on
  /suche/ at once, by the page head: ``overrides/main.html``). lunr.js is
  copied from the installed MkDocs package (``mkdocs/contrib/search``;
  Material's own copy is compiled into its search worker and cannot be taken
  apart), licence header intact, so no CDN and no hand-vendored copy; it is
  the version lunr.py targets. Scripts lose comments and whitespace (rjsmin),
  nothing else;
* ``index.json`` – settings and the prebuilt index (:mod:`lotse.search.index`);
* ``eintraege.json`` – what the result list shows (title, address, kind,
  channels, online link; a line per entry), plus labels and hints;
* ``texte.json`` – the short descriptions, loaded by the results page only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

from ..dataset import ONLINE_TYPES
from . import STATIC_DIR
from .index import build, dumps

ASSET_DIR = "assets/lotse-suche"
KIND_LABELS = {"l": "Leistung", "ll": "Lebenslage", "a": "Stelle"}


def lunr_js_path() -> Path:
    import mkdocs.contrib.search as mkdocs_search

    return Path(mkdocs_search.__file__).parent / "templates" / "search" / "lunr.js"


def lunr_version() -> str:
    import lunr

    return lunr.__TARGET_JS_VERSION__


def _minify(source: str) -> str:
    import rjsmin

    # rjsmin only drops comments and whitespace; names and behaviour stay as written.
    # /*! ... */ comments (licences) are kept.
    return rjsmin.jsmin(source, keep_bang_comments=True)


def bundle() -> bytes:
    """lunr.js + stemmer + core + service, in load order, comments and whitespace removed, licences kept."""
    lunr_js = lunr_js_path().read_text(encoding="utf-8")
    header_end = lunr_js.index("*/") + 2
    header = lunr_js[:header_end]
    if f"- {lunr_version()}" not in header or "@license" not in header:
        raise RuntimeError(f"{lunr_js_path()} is not lunr.js {lunr_version()}, the version lunr.py writes indexes for")
    parts = [
        header + "\n" + _minify(lunr_js[header_end:]),
        _minify((STATIC_DIR / "stemmer-de.js").read_text(encoding="utf-8")),
        _minify((STATIC_DIR / "suche-kern.js").read_text(encoding="utf-8")),
        _minify((STATIC_DIR / "suche-dienst.js").read_text(encoding="utf-8")),
    ]
    return ("\n;\n".join(parts) + "\n").encode("utf-8")


def start_script() -> bytes:
    """Started by the head of /suche/ (overrides/main.html), before the stylesheets."""
    return (_minify((STATIC_DIR / "suche-start.js").read_text(encoding="utf-8")) + "\n").encode("utf-8")


def ui_script() -> bytes:
    return (_minify((STATIC_DIR / "suche.js").read_text(encoding="utf-8")) + "\n").encode("utf-8")


# Control characters separate entries and fields; inside a value they mean nothing
# (a browser shows a tab or line break in a title as a space) and become spaces.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _entry_line(entry: dict) -> str:
    values = [entry["t"], entry["u"], entry["k"], " ".join(entry.get("c") or []), entry.get("o", "")]
    return "\t".join(_CONTROL.sub(" ", value) for value in values)


def entries_payload(ctx, entries: list[dict]) -> dict:
    """The result list's data without the short descriptions, plus the labels the page shows.

    ``eintraege`` is one string, a line per entry in index order with the
    tab-separated fields title, address, kind, channels (space-separated)
    and online link: parsed in a few milliseconds where 6,000 objects take
    three times as long, and only the hits are split into fields
    (``suche-dienst.js``).
    """
    from ..dataset import CHANNEL_TYPES

    config = ctx.config
    return {
        "kanaele": {typ: ctx.kanal_label(typ) for typ in CHANNEL_TYPES},
        "online": list(ONLINE_TYPES),
        "arten": KIND_LABELS,
        "telefon": config.get("buergertelefon"),
        "eintraege": "\n".join(_entry_line(entry) for entry in entries),
    }


def texts_payload(entries: list[dict]) -> list[str]:
    """Short descriptions by entry number: the results page adds them when they arrive,
    the suggestions never need them, so the first results do not wait for them."""
    return [entry.get("d", "") for entry in entries]


def _data_files(ctx) -> tuple[bytes, bytes, bytes]:
    """index.json, eintraege.json and texte.json: the expensive part (lunr index of every record)."""
    index_payload, entries = build(ctx.dataset)
    return dumps(index_payload), dumps(entries_payload(ctx, entries)), dumps(texts_payload(entries))


def _child(ctx, conn) -> None:
    try:
        conn.send(_data_files(ctx))
    except BaseException:  # the parent then builds it itself and shows the real error
        conn.send(None)
    finally:
        conn.close()


def prepare(ctx) -> None:
    """Start building the index in a second process while the other providers render pages.

    At 6,000 services the index takes about 5 s of the build; MkDocs and the page providers
    use one core, so on a machine with two the index costs no wall time. Linux only (fork:
    the child gets the loaded dataset without pickling it); elsewhere, or if the child
    fails, :func:`files` builds the index itself. Same function, so same bytes either way.
    """
    import multiprocessing
    import sys

    if not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2:
        return
    fork = multiprocessing.get_context("fork")
    receive, send = fork.Pipe(duplex=False)
    # daemon: if the build fails before files() collects the result, the child ends with us
    process = fork.Process(target=_child, args=(ctx, send), daemon=True, name="lotse-suchindex")
    process.start()
    send.close()
    ctx.search_job = (process, receive)


def _collect(ctx) -> tuple[bytes, bytes, bytes] | None:
    job = getattr(ctx, "search_job", None)
    if job is None:
        return None
    ctx.search_job = None
    process, receive = job
    try:
        result = receive.recv()
    except (EOFError, OSError):
        result = None
    finally:
        receive.close()
        process.join()
    return result


def files(ctx) -> Iterator:
    from ..site.context import GeneratedFile

    index_json, entries_json, texts_json = _collect(ctx) or _data_files(ctx)
    yield GeneratedFile(f"{ASSET_DIR}/index.json", content=index_json)
    yield GeneratedFile(f"{ASSET_DIR}/eintraege.json", content=entries_json)
    yield GeneratedFile(f"{ASSET_DIR}/texte.json", content=texts_json)
    yield GeneratedFile(f"{ASSET_DIR}/lunr-suche.js", content=bundle())
    yield GeneratedFile(f"{ASSET_DIR}/suche.js", content=ui_script())
    yield GeneratedFile(f"{ASSET_DIR}/suche-start.js", content=start_script())
    yield GeneratedFile(f"{ASSET_DIR}/suche.css", content=(STATIC_DIR / "suche.css").read_bytes())

