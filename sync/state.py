"""Run bookkeeping: ONE file, ``<data>/sync-state.json``, never inside the records.

It remembers, per source and regional key, which online service URL was listed
for which LeiKa key and since when::

    {"ozg": {"147130000000": {"99115005104000": {
        "https://amt24.sachsen.de/...": {"gesehen_seit": "2026-01-03"},
        "https://alt.example/...":      {"gesehen_seit": "2025-11-02", "fehlt_seit": "2026-01-03"}}}}}

* ``gesehen_seit``: listed in every run since that day (so it was last seen in the
  latest run, unless ``fehlt_seit`` is set);
* ``fehlt_seit``: first run in which the source no longer listed it; it was last
  seen in the run before. Such URLs are kept only while a record still links
  them: that is what the summary flags for editors.

Only changes of state are dated, never "now": a night in which nothing changed
leaves the file byte for byte as it was, so it produces no diff. The file is
written with sorted keys and a fixed indent, so equal content means equal bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import Entry, SyncError

STATE_FILE = "sync-state.json"  # listed in lotse.dataset.TOOL_FILES
NOTE = (
    "Von „lotse sync“ gepflegt, bitte nicht von Hand ändern. Je Quelle und Regionalschlüssel: "
    "welche Adresse eines Online-Dienstes zu welchem LeiKa-Schlüssel seit wann gelistet ist (gesehen_seit) "
    "und seit wann nicht mehr (fehlt_seit)."
)


def state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE


def load_state(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SyncError(
            f"{path}: die Zustandsdatei der Synchronisation ist nicht lesbar ({exc}). "
            "Aus der Versionsverwaltung wiederherstellen oder löschen (dann beginnt die Buchführung neu)."
        ) from None
    if not isinstance(data, dict):
        raise SyncError(f"{path}: die Zustandsdatei muss ein JSON-Objekt sein.")
    return data


def render_state(data: dict) -> str:
    body = {"_hinweis": NOTE, **{k: v for k, v in data.items() if k != "_hinweis"}}
    return json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def update_section(old: dict, entries: list[Entry], linked: set[tuple[str, str]], today: str) -> dict:
    """The new state for one source and ARS.

    ``linked``: (LeiKa key, URL) pairs that records link after this run's changes;
    a URL the source dropped is remembered only while a record still links it.
    """
    current = {(e.leika, e.url) for e in entries}
    new: dict = {}
    for leika, urls in (old or {}).items():
        if not isinstance(urls, dict):
            continue
        for url, info in urls.items():
            info = info if isinstance(info, dict) else {}
            if (leika, url) in current:
                if "fehlt_seit" in info or "gesehen_seit" not in info:
                    info = {"gesehen_seit": today}  # listed again: a new continuous stretch begins
                new.setdefault(leika, {})[url] = {"gesehen_seit": info["gesehen_seit"]}
            elif (leika, url) in linked:
                entry = {"fehlt_seit": info.get("fehlt_seit", today)}
                if "gesehen_seit" in info:
                    entry["gesehen_seit"] = info["gesehen_seit"]
                new.setdefault(leika, {})[url] = entry
    for leika, url in current:
        new.setdefault(leika, {}).setdefault(url, {"gesehen_seit": today})
    return new


def missing_since(section: dict) -> dict[tuple[str, str], str]:
    """(LeiKa key, URL) -> day it went missing, for URLs the source no longer lists."""
    out = {}
    for leika, urls in section.items():
        for url, info in urls.items():
            if "fehlt_seit" in info:
                out[(leika, url)] = info["fehlt_seit"]
    return out


def seen_since(section: dict) -> dict[tuple[str, str], str]:
    out = {}
    for leika, urls in section.items():
        for url, info in urls.items():
            if "fehlt_seit" not in info and "gesehen_seit" in info:
                out[(leika, url)] = info["gesehen_seit"]
    return out
