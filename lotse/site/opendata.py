"""Open data: the services as JSON and CSV under /api/.

``api/leistungen.json`` is a JSON array with one object per service (A–Z by
id): ``id``, ``name``, ``leika``, ``url`` (page address relative to the site
root), ``kanaele`` (channel types), ``digitalisierung``, ``zustaendig``, then
every other field of the record as the editor wrote it, the full channel
entries as ``kanaele_details``, the computed ``lebenslagen`` and, where synced,
``leistungsverzeichnis``: the state directory's texts from data/pvog/<id>.yml.

``api/leistungen.csv`` has one row per service; the columns the city council
asked for on 20 May 2025 come first (availability, case numbers analog and
digital, minimum processing times, backlog, throughput, planning), taken from
the latest year in ``kennzahlen``. Missing values are empty cells, never 0.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterator

from ..dataset import latest_kennzahl
from . import text
from .context import GeneratedFile, SiteContext

HEADLINE = ("id", "name", "leika", "url", "kanaele", "digitalisierung", "zustaendig")

CSV_COLUMNS = (
    # council's columns first
    "name", "leika", "digitalisierung",
    "kennzahlen_jahr", "faelle_analog", "faelle_digital",
    "mindestbearbeitungszeit_analog", "mindestbearbeitungszeit_digital",
    "rueckstand", "durchlauf_pro_monat", "kennzahlen_quelle",
    "planung_digital_bis", "planung_ende_zu_ende", "planung_kanal",
    # the rest
    "id", "url", "kanaele", "online_gruppe", "zustaendig", "zielgruppe", "amt24_id",
    "ozg_id", "ozg_name", "lebenslagen", "frist", "bearbeitungsdauer", "stand", "kurzbeschreibung",
)


def files(ctx: SiteContext) -> Iterator[GeneratedFile]:
    records = sorted(ctx.dataset.leistungen.items())
    yield GeneratedFile("api/leistungen.json", content=leistungen_json(ctx, records))
    yield GeneratedFile("api/leistungen.csv", content=leistungen_csv(ctx, records))


def service_object(ctx: SiteContext, sid: str, record: dict) -> dict:
    obj = {
        "id": sid,
        "name": record["name"],
        "leika": record.get("leika"),
        "url": ctx.url("leistung", sid),
        "kanaele": ctx.dataset.channel_types(record),
        "digitalisierung": record.get("digitalisierung"),
        "zustaendig": record.get("zustaendig"),
    }
    for key, value in record.items():
        if key not in HEADLINE:
            obj[key] = value
    obj["kanaele_details"] = record.get("kanaele") or []
    obj["lebenslagen"] = ctx.dataset.lebenslagen_of(sid)
    pvog = ctx.dataset.pvog_of(sid)
    if pvog:
        # The state directory's texts, as synced (Markdown); a record's own fields above win on the page.
        obj["leistungsverzeichnis"] = {k: v for k, v in pvog.items() if k != "id"}
    return obj


def leistungen_json(ctx: SiteContext, records) -> str:
    # One service per line: valid JSON that still diffs line by line in a pull request.
    lines = [json.dumps(service_object(ctx, sid, doc.data), ensure_ascii=False, separators=(",", ":"))
             for sid, doc in records]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_row(ctx: SiteContext, sid: str, record: dict) -> dict:
    latest = latest_kennzahl(record) or {}
    plan = record.get("planung") or {}
    ozg = record.get("ozg") or {}
    return {
        "name": record["name"],
        "leika": record.get("leika"),
        "digitalisierung": record.get("digitalisierung"),
        "kennzahlen_jahr": latest.get("jahr"),
        "faelle_analog": latest.get("faelle_analog"),
        "faelle_digital": latest.get("faelle_digital"),
        "mindestbearbeitungszeit_analog": text.duration(latest.get("mindestbearbeitungszeit_analog")),
        "mindestbearbeitungszeit_digital": text.duration(latest.get("mindestbearbeitungszeit_digital")),
        "rueckstand": latest.get("rueckstand"),
        "durchlauf_pro_monat": latest.get("durchlauf_pro_monat"),
        "kennzahlen_quelle": latest.get("quelle"),
        "planung_digital_bis": plan.get("digital_bis"),
        "planung_ende_zu_ende": plan.get("ende_zu_ende"),
        "planung_kanal": plan.get("kanal"),
        "id": sid,
        "url": ctx.url("leistung", sid),
        "kanaele": " ".join(ctx.dataset.channel_types(record)),
        "online_gruppe": ctx.online_group(record),
        "zustaendig": record.get("zustaendig"),
        "zielgruppe": " ".join(record.get("zielgruppe") or []),
        "amt24_id": record.get("amt24_id"),
        "ozg_id": ozg.get("id"),
        "ozg_name": ozg.get("name"),
        "lebenslagen": " ".join(ctx.dataset.lebenslagen_of(sid)),
        "frist": record.get("frist"),
        "bearbeitungsdauer": record.get("bearbeitungsdauer"),
        "stand": record.get("stand"),
        "kurzbeschreibung": record["kurzbeschreibung"],
    }


def leistungen_csv(ctx: SiteContext, records) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(CSV_COLUMNS)
    for sid, doc in records:
        row = csv_row(ctx, sid, doc.data)
        writer.writerow([text.csv_cell(_plain(row[c])) for c in CSV_COLUMNS])
    return buffer.getvalue()
