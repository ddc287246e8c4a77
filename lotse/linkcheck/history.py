"""Memory across runs: one failed request at night is usually a blip.

The history file keeps the last :data:`KEEP` results of every URL still in the
data. A failing URL is ``transient`` until it has failed on ``needed``
consecutive runs, then ``broken``. A URL whose recent results keep switching
between reachable and failing is ``flapping``; the report lists those so that
nobody mistakes a shaky server for a fixed link.

The file is JSON with sorted keys, written atomically (temp file + rename), so
a cancelled job never leaves half a history behind and diffs stay readable.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .checker import Outcome

VERSION = 1
KEEP = 10  # results per URL: enough to see flapping, small enough to stay a few MB at 10,000 URLs
FLAP_CHANGES = 2  # this many ok<->fail switches within KEEP results


class HistoryError(Exception):
    """The history file exists but cannot be used (message in German)."""


class History:
    def __init__(self, urls: dict[str, list[dict]] | None = None):
        self.urls: dict[str, list[dict]] = urls or {}

    @classmethod
    def load(cls, path: Path | None) -> "History":
        if path is None or not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HistoryError(f"Der Verlauf {path} ist nicht lesbar ({exc}).") from None
        if not isinstance(raw, dict) or raw.get("version") != VERSION or not isinstance(raw.get("urls"), dict):
            raise HistoryError(f"Der Verlauf {path} hat ein unbekanntes Format (erwartet: version {VERSION}).")
        urls = {u: [e for e in entries if isinstance(e, dict) and e.get("result") in ("ok", "redirect", "fail")]
                for u, entries in raw["urls"].items() if isinstance(entries, list)}
        return cls(urls)

    def record(self, outcome: Outcome, at: str) -> None:
        entry = {"at": at, "result": outcome.result, "http_status": outcome.http_status, "code": outcome.code}
        entries = self.urls.setdefault(outcome.url, [])
        entries.append(entry)
        del entries[:-KEEP]

    def consecutive_failures(self, url: str) -> int:
        count = 0
        for entry in reversed(self.urls.get(url, [])):
            if entry["result"] != "fail":
                break
            count += 1
        return count

    def results(self, url: str) -> list[str]:
        return [e["result"] for e in self.urls.get(url, [])]

    def flapping(self, url: str) -> bool:
        failed = [r == "fail" for r in self.results(url)]
        changes = sum(1 for a, b in zip(failed, failed[1:]) if a != b)
        return changes >= FLAP_CHANGES

    def prune(self, keep: set[str]) -> None:
        """Forget URLs that are no longer in the data, so the file does not grow forever."""
        self.urls = {u: e for u, e in self.urls.items() if u in keep}

    def dumps(self) -> str:
        return json.dumps({"version": VERSION, "urls": self.urls}, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    def save(self, path: Path) -> None:
        write_atomic(path, self.dumps())


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
