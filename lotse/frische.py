"""Freshness rule: facts whose date is older than the city's configured age.

A dated fact is a record's ``stand``, a source's ``quelle[].stand``, a fee source's
``gebuehren[].quelle.stand``, the demand's ``nachfrage.quelle.stand`` or a channel's ``status_stand``. Facts older than
``frische.pruefen_nach_tagen`` (data/lotse.yml; default :data:`DEFAULT_DAYS`) are
not errors: the fact may still be true, but an editor should look again. They are
listed by ``lotse validate`` as warnings (exit status unchanged) and by the report
(``lotse bericht``, /digitalisierung/) under "Bitte prüfen".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .dataset import Dataset
from .yamlload import Document

# Two years: council papers and press releases older than that have often been overtaken.
DEFAULT_DAYS = 730


@dataclass(frozen=True)
class Veraltet:
    """One dated fact older than the configured age."""

    path: str
    line: int
    kind: str  # "Leistung", "Stelle", "Lebenslage"
    record_id: str
    name: str
    field: str  # e.g. "quelle[2].stand"
    datum: str
    alter_tage: int
    datei: str = ""  # path inside the data folder ("services/x.yml"): the report shows no machine's paths

    @property
    def message(self) -> str:
        return (f"Hinweis: „{self.field}“ ist vom {self.datum} und damit {self.alter_tage} Tage alt "
                f"(älter als die in data/lotse.yml unter „frische“ eingestellte Grenze). Bitte prüfen, "
                f"ob die Angabe noch stimmt, und sie mit einer neueren Quelle belegen oder entfernen.")

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def max_age_days(ds: Dataset) -> int:
    return int((ds.settings.get("frische") or {}).get("pruefen_nach_tagen") or DEFAULT_DAYS)


def _dated_fields(data: dict):
    """(field path tuple, date string) for every dated fact in one record."""
    if isinstance(data.get("stand"), str):
        yield ("stand",), data["stand"]
    for i, q in enumerate(data.get("quelle") or []):
        if isinstance(q, dict) and isinstance(q.get("stand"), str):
            yield ("quelle", i, "stand"), q["stand"]
    for i, g in enumerate(data.get("gebuehren") or []):
        q = g.get("quelle") if isinstance(g, dict) else None
        if isinstance(q, dict) and isinstance(q.get("stand"), str):
            yield ("gebuehren", i, "quelle", "stand"), q["stand"]
    nachfrage = data.get("nachfrage")
    q = nachfrage.get("quelle") if isinstance(nachfrage, dict) else None
    if isinstance(q, dict) and isinstance(q.get("stand"), str):
        yield ("nachfrage", "quelle", "stand"), q["stand"]
    for i, k in enumerate(data.get("kanaele") or []):
        if isinstance(k, dict) and isinstance(k.get("status_stand"), str):
            yield ("kanaele", i, "status_stand"), k["status_stand"]


def _field_name(where: tuple) -> str:
    out = ""
    for part in where:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _inside(path: str, root) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).name


def stale(ds: Dataset, today: dt.date | None = None) -> list[Veraltet]:
    """Every dated fact older than the configured age, sorted by file and line."""
    today = today or dt.date.today()
    limit = max_age_days(ds)
    out: list[Veraltet] = []
    buckets: list[tuple[str, str, dict[str, Document]]] = [
        ("Leistung", "name", ds.leistungen), ("Lebenslage", "titel", ds.lebenslagen), ("Stelle", "name", ds.aemter)]
    for kind, name_key, bucket in buckets:
        for rid, doc in bucket.items():
            for where, value in _dated_fields(doc.data):
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    continue  # the validator reports malformed dates
                age = (today - day).days
                if age > limit:
                    out.append(Veraltet(doc.path, doc.line_of(where), kind, rid, str(doc.data.get(name_key, rid)),
                                        _field_name(where), value, age, _inside(doc.path, ds.root)))
    out.sort(key=lambda v: (v.path, v.line))
    return out
