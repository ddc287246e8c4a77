"""Which URLs the data contains, and where each one is used.

Every string value that is a whole URL counts (channels, sources, legal bases,
office websites, the city's website and portal), found by walking the records
rather than by a list of field names, so a URL field added to a schema later is
checked without touching this module. Links inside Markdown texts count too,
and so do the portal links the site derives from the config's ``{id}`` patterns
(a wrong ``amt24_id`` or ``leika`` shows up as a dead portal link).

Each URL is checked once however often it is used; ``Use`` remembers every
place (file, field, line) and the office responsible for it, because that is
where an editor has to make the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dataset import Dataset
from ..validator import field_name
from ..yamlload import Document

IGNORE_KIND = "linkcheck-ignore"
IGNORE_FILE = "linkcheck-ignore.yml"

_WHOLE_URL = re.compile(r"https?://\S+")
_MARKDOWN_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
# Config patterns such as portale.amt24_leistung: "https://.../{id}". Not a link by
# themselves; expanded per service below.
_PATTERN = "{id}"
_DERIVED = (
    # (config key under portale, service field whose value replaces {id})
    ("amt24_leistung", "amt24_id"),
    ("bundesportal", "leika"),
)


@dataclass(frozen=True, order=True)
class Use:
    """One place in the data where a URL appears."""

    file: str
    line: int
    field: str
    amt: str | None  # responsible office id, None for config and Lebenslagen

    def as_dict(self) -> dict:
        return {"file": self.file, "field": self.field, "line": self.line, "amt": self.amt}


@dataclass(frozen=True)
class Suppression:
    url: str
    prefix: bool
    reason: str
    line: int

    def matches(self, url: str) -> bool:
        return url.startswith(self.url) if self.prefix else url == self.url


# Fields whose addresses the site never links to: old addresses only lead here (lotse/redirects.py);
# checking them would report every one as "moved" once the old site redirects to this one.
NOT_LINKS = frozenset({"alte_adressen"})


def _walk(value, where: tuple):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in NOT_LINKS:
                continue
            yield from _walk(item, where + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, where + (i,))
    elif isinstance(value, str):
        text = value.strip()
        if _PATTERN in text:
            return
        if _WHOLE_URL.fullmatch(text):
            yield where, text
            return
        for regex in (_MARKDOWN_LINK, _AUTOLINK):
            for match in regex.finditer(text):
                yield where, match.group(1)


def _add(index: dict, url: str, doc: Document, where: tuple, amt: str | None, label: str | None = None) -> None:
    name = field_name(where) + (f" ({label})" if label else "")
    index.setdefault(url, set()).add(Use(doc.path, doc.line_of(where), name, amt))


def collect_urls(ds: Dataset) -> dict[str, list[Use]]:
    """``{url: [Use, ...]}`` for every URL in the data, uses sorted, URLs sorted."""
    index: dict[str, set[Use]] = {}
    portale = (ds.settings.get("portale") or {}) if ds.config else {}
    for sid, doc in ds.leistungen.items():
        amt = doc.data.get("zustaendig") if isinstance(doc.data.get("zustaendig"), str) else None
        for where, url in _walk(doc.data, ()):
            _add(index, url, doc, where, amt)
        for pattern_key, id_field in _DERIVED:
            pattern = portale.get(pattern_key)
            value = doc.data.get(id_field)
            if isinstance(pattern, str) and _PATTERN in pattern and isinstance(value, str):
                _add(index, pattern.replace(_PATTERN, value), doc, (id_field,), amt, f"Link über portale.{pattern_key}")
    for aid, doc in ds.aemter.items():
        for where, url in _walk(doc.data, ()):
            _add(index, url, doc, where, aid)
    for doc in ds.lebenslagen.values():
        for where, url in _walk(doc.data, ()):
            _add(index, url, doc, where, None)
    if ds.config:
        for where, url in _walk(ds.config.data, ()):
            _add(index, url, ds.config, where, None)
    for kind, doc in sorted(ds.extra.items()):
        if kind == IGNORE_KIND:
            continue
        for where, url in _walk(doc.data, ()):
            _add(index, url, doc, where, None)
    return {url: sorted(uses) for url, uses in sorted(index.items())}


def suppressions(ds: Dataset) -> list[Suppression]:
    doc = ds.extra.get(IGNORE_KIND)
    if doc is None:
        return []
    out = []
    for i, entry in enumerate(doc.data.get("ausnahmen") or []):
        out.append(Suppression(entry["url"], bool(entry.get("praefix", False)), entry["grund"], doc.line_of(("ausnahmen", i))))
    return out


def ignore_file(ds: Dataset) -> str | None:
    doc = ds.extra.get(IGNORE_KIND)
    return doc.path if doc else None
