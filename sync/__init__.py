"""Keeping records in step with external sources (``lotse sync <source>``).

Layout, so that a second source (PVOG, another state portal) is one more module:

* ``sync/http.py``   – bounded HTTP shared by all sources (:class:`Fetcher`, :class:`Budget`): retries, whole-response timeouts, a run deadline, byte/page/row caps,
  an honest User-Agent, German messages for every network fault.
* ``sync/ozg.py``    – the OZG dashboard source; its single entry point
  :func:`sync.ozg.fetch` returns a list of :class:`Entry`.
* ``sync/hosts.py``  – the host table (``sync/hosts.yml``): which channel type an
  online service's URL stands for.
* ``sync/plan.py``   – compares entries with the records and decides what to change
  (source-independent: it only sees :class:`Entry` objects).
* ``sync/state.py``  – the one bookkeeping file (``<data>/sync-state.json``).
* ``sync/writer.py`` – the only code that writes records: round-trip YAML, validates
  the result before anything is written, atomic replaces.
* ``sync/cli.py``    – ``lotse sync ozg``.
"""

from __future__ import annotations

from dataclasses import dataclass


def listing(items, limit: int, bullet: str = "") -> str:
    """Indented lines for the first ``limit`` items, then how many more there are.

    Error messages of a sync name what is wrong without flooding the terminal or the
    pull-request summary when thousands of rows share one fault."""
    items = list(items)
    lines = "\n".join(f"  {bullet}{item}" for item in items[:limit])
    more = f"\n  … und {len(items) - limit} weitere" if len(items) > limit else ""
    return lines + more


class SyncError(Exception):
    """A fault that stops the sync, normally before anything is written.

    The message is German and meant for editors; the CLI prints it and exits
    with status 1. ``partial`` is set only if writing itself failed half-way.
    """

    def __init__(self, message: str, partial: bool = False):
        super().__init__(message)
        self.partial = partial


@dataclass(frozen=True)
class Entry:
    """One online service for one LeiKa key, as a source reports it."""

    leika: str
    url: str
    online_status: str  # "ok" or "nicht ok"
    leika_name: str | None = None
    ozg_id: int | None = None
    ozg_name: str | None = None
    where: str = ""  # position in the source, for messages ("Seite 2, Zeile 14")
