"""Source: the OZG dashboard data API ("Digitale Verwaltung", BMI).

Entry point: :func:`fetch`. It reads ``GET {api}v1/data/{ars}`` page by page and
returns one :class:`~sync.Entry` per LeiKa key, or raises :class:`~sync.SyncError`.

The API documents its fields but not the CSV dialect, so we detect it and
refuse anything we cannot read with certainty:

* encoding: UTF-8 with or without BOM; anything else is an error;
* delimiter: ``;`` or ``,``, whichever makes the header contain the documented
  columns (``leika_key``, ``url``, ``online_status``);
* quoting: RFC 4180 double quotes; an unterminated quote, a quote in the middle
  of a field, a row with the wrong number of fields or a last line without its
  line break (a cut-off file) is an error;
* the JSON page form (``content``, ``totalPages``, ``last``, ``totalElements``)
  is read too, recognised by its Content-Type or its first character.

Pagination: ``page`` (0-based) and ``size``. A JSON page says when it is the
last; a CSV page is the last when it has fewer rows than ``size``. A page that
repeats the previous one means the server ignores ``page``: an error, since
going on would either loop or silently miss data.

Faults that mean "do not trust this export" stop the run: an empty result
(usually an outage, not a city without services), a LeiKa key listed twice
with different URLs, a URL that is not https.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import Entry, SyncError, listing
from .formats import decode_utf8
from .http import Fetcher, Response

DEFAULT_API_URL = "https://dashboard-daten.digitale-verwaltung.de/api/"
WHAT = "Das OZG-Dashboard"
# Large pages keep a city's export to a few requests; the API's own default is 100.
DEFAULT_PAGE_SIZE = 500

REQUIRED = ("leika_key", "url", "online_status")
KNOWN = REQUIRED + (
    "leika_name", "leika_bezeichnung", "ars", "ars_name", "ars_federal_state", "bundesland",
    "ozgid", "ozg_bezeichnung", "aktiv", "art_flaechendeckung",
)
STATUSES = ("ok", "nicht ok")
# fullmatch and [0-9]: "$" would accept a trailing newline, "\d" any Unicode digit.
_LEIKA = re.compile(r"99[0-9]{12}")
_ARS = re.compile(r"[0-9]{12}")
# Same rule as common.schema.json#/$defs/url, so a URL we accept also passes the validator.
_URL = re.compile(r"https://[^\s/?#]+\.[^\s/?#]+(/[^\s]*)?")
# The OZG catalogue numbers its services with up to five digits; nine leave room.
_OZG_ID = re.compile(r"[1-9][0-9]{0,8}")


@dataclass
class FetchResult:
    entries: list[Entry]
    pages: int
    rows: int
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[int, int | None, int], None]  # (pages done, total pages if known, rows so far)


def fetch(
    api_url: str,
    ars: str,
    fetcher: Fetcher,
    progress: Progress | None = None,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> FetchResult:
    """All online services the dashboard lists for ``ars``, one :class:`Entry` per LeiKa key.

    Time, bytes, pages and rows are bounded by ``fetcher`` and its budget (sync/http.py).
    """
    if not _ARS.fullmatch(ars or ""):
        raise SyncError(f"„{ars}“ ist kein Amtlicher Regionalschlüssel: 12 Ziffern erwartet, etwa 147130000000 für Leipzig.")
    if not api_url.endswith("/"):
        api_url += "/"
    url = f"{api_url}v1/data/{ars}"
    rows: list[Entry] = []  # checked at once, so that memory holds entries, not raw rows
    previous = None
    page = 0
    total_pages = None
    total_elements = None
    while True:
        response = fetcher.get(url, {"filetype": "csv", "page": page, "size": page_size})
        body = response.body
        where = f"Seite {page + 1}"
        kind = _kind(response, body)
        if kind == "json":
            page_rows, last, total_pages, elements = _parse_json_page(body, where, page)
            if elements is not None:
                total_elements = elements
        else:
            page_rows = _parse_csv(body, where)
            last = len(page_rows) < page_size
        fetcher.budget.count_page(len(page_rows), WHAT)
        page_entries = [_entry(record, row_where) for record, row_where in page_rows]
        del body, response, page_rows
        signature = [(e.leika, e.url, e.online_status, e.ozg_id) for e in page_entries]
        if page_entries and signature == previous:
            raise SyncError(
                f"{WHAT} liefert für Seite {page + 1} dieselben Einträge wie für Seite {page}: "
                "die Schnittstelle beachtet den Parameter „page“ nicht. Abbruch, um keine Daten zu verdoppeln oder zu übersehen."
            )
        previous = signature
        rows.extend(page_entries)
        page += 1
        if progress:
            progress(page, total_pages, len(rows))
        if last or not page_entries:
            break
    if total_elements is not None and total_elements != len(rows):
        raise SyncError(
            f"{WHAT} kündigt {total_elements} Einträge an, geliefert wurden {len(rows)}. "
            "Die Daten sind unvollständig; es wird nichts übernommen."
        )
    if not rows:
        raise SyncError(
            f"{WHAT} liefert für den Regionalschlüssel {ars} keine Einträge. Das ist fast sicher eine Störung "
            "und keine Stadt ohne Online-Dienste; es wird nichts übernommen. Später erneut versuchen."
        )
    entries, warnings = _merge(rows)
    return FetchResult(entries=entries, pages=page, rows=len(rows), warnings=warnings)


# --------------------------------------------------------------------------- formats


def _kind(response: Response, body: bytes) -> str:
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        return "json"
    if "spreadsheet" in ctype or "excel" in ctype:
        raise SyncError(f"{WHAT} liefert eine Excel-Datei ({ctype}) statt CSV; erwartet wurde filetype=csv.")
    if ctype == "text/html":
        raise SyncError(f"{WHAT} liefert eine HTML-Seite statt Daten ({response.url}); vermutlich eine Wartungs- oder Fehlerseite.")
    head = body.lstrip(codecs.BOM_UTF8).lstrip()[:1]
    return "json" if head in (b"{", b"[") else "csv"


def _decode(raw: bytes, where: str) -> str:
    return decode_utf8(raw, f"{WHAT}, {where}")


def _parse_csv(raw: bytes, where: str) -> list[tuple[dict, str]]:
    text = _decode(raw, where)
    if not text.strip():
        return []
    header_line = text.splitlines()[0]
    delimiter = header = None
    for candidate in (";", ","):
        cells = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=candidate))]
        if set(REQUIRED) <= set(cells):
            delimiter, header = candidate, cells
            break
    if header is None:
        raise SyncError(
            f"{WHAT}, {where}: die Kopfzeile der CSV-Daten ist unbekannt. Erwartet werden die Spalten "
            f"{', '.join(REQUIRED)} (getrennt durch ; oder ,), gefunden: „{header_line[:200]}“."
        )
    doubled = sorted({c for c in header if header.count(c) > 1 and c})
    if doubled:
        raise SyncError(f"{WHAT}, {where}: die Spalte(n) {', '.join(doubled)} stehen doppelt in der Kopfzeile.")
    if not text.endswith(("\n", "\r")) and len(text.splitlines()) > 1:
        raise SyncError(
            f"{WHAT}, {where}: die CSV-Daten enden mitten in Zeile {text.count(chr(10)) + 1} (ohne Zeilenende). "
            "Die Antwort ist vermutlich abgeschnitten; es wird nichts übernommen."
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out = []
    try:
        next(reader)
        for row in reader:
            if not row or row == [""]:
                continue  # blank line
            if len(row) != len(header):
                raise SyncError(
                    f"{WHAT}, {where}, Zeile {reader.line_num}: {len(row)} Felder statt {len(header)} wie in der Kopfzeile. "
                    "Die CSV-Daten sind beschädigt oder abgeschnitten; es wird nichts übernommen."
                )
            out.append((dict(zip(header, row)), f"{where}, Zeile {reader.line_num}"))
    except csv.Error as exc:
        if "end of data" in str(exc):
            detail = "ein Anführungszeichen wird bis zum Ende der Daten nicht geschlossen"
        elif "expected after" in str(exc):
            detail = "auf ein schließendes Anführungszeichen folgt kein Trennzeichen (ein Anführungszeichen ist nicht geschlossen oder steht mitten im Feld)"
        else:
            detail = f"die Zeile ist kein gültiges CSV ({exc})"
        raise SyncError(
            f"{WHAT}, {where}, Zeile {reader.line_num}: {detail}. Die CSV-Daten sind beschädigt oder abgeschnitten; "
            "es wird nichts übernommen."
        ) from None
    return out


def _parse_json_page(raw: bytes, where: str, page: int):
    text = _decode(raw, where)
    try:
        # Long integers stay text: Python refuses to convert more than 4,300 digits, and
        # no count or id of this API needs more than 18.
        data = json.loads(text, parse_int=lambda digits: int(digits) if len(digits) <= 18 else digits)
    except json.JSONDecodeError as exc:
        raise SyncError(f"{WHAT}, {where}: die JSON-Daten sind fehlerhaft oder abgeschnitten ({exc.msg}, Zeile {exc.lineno}).") from None
    except RecursionError:
        raise SyncError(f"{WHAT}, {where}: die JSON-Daten sind unsinnig tief verschachtelt; das ist keine Seite der erwarteten Daten.") from None
    except ValueError as exc:
        raise SyncError(f"{WHAT}, {where}: die JSON-Daten sind nicht lesbar ({str(exc)[:120]}).") from None
    if isinstance(data, list):  # a bare list is the whole result
        content, last, total_pages, total_elements = data, True, None, None
    elif isinstance(data, dict) and isinstance(data.get("content"), list):
        content = data["content"]
        total_pages = data.get("totalPages")
        total_elements = data.get("totalElements")
        if "last" in data:
            last = data["last"] is True
        elif isinstance(total_pages, int):
            last = page + 1 >= total_pages
        else:
            last = True
        if not isinstance(total_pages, int) or isinstance(total_pages, bool):
            total_pages = None
        if not isinstance(total_elements, int) or isinstance(total_elements, bool):
            total_elements = None
    else:
        raise SyncError(f"{WHAT}, {where}: erwartet wurde eine Seite der Form {{\"content\": [...], \"totalPages\": …}}, gekommen ist etwas anderes.")
    out = []
    for i, item in enumerate(content):
        if not isinstance(item, dict):
            raise SyncError(f"{WHAT}, {where}, Eintrag {i + 1}: kein Objekt mit Feldern.")
        missing = [k for k in REQUIRED if k not in item]
        if missing:
            raise SyncError(f"{WHAT}, {where}, Eintrag {i + 1}: es fehlen die Felder {', '.join(missing)}.")
        record = {k: _text(v) for k, v in item.items() if isinstance(k, str)}
        out.append((record, f"{where}, Eintrag {i + 1}"))
    return out, last, total_pages, total_elements


def _text(value) -> str:
    """A JSON field as the CSV would have it; lists and objects are never a valid field."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    return "(Liste oder Objekt)"


# --------------------------------------------------------------------------- records


def _entry(record: dict, where: str) -> Entry:
    leika = record.get("leika_key", "").strip()
    if not _LEIKA.fullmatch(leika):
        raise SyncError(f"{WHAT}, {where}: „{leika[:40]}“ ist kein LeiKa-Schlüssel (14 Ziffern, beginnend mit 99).")
    url = record.get("url", "").strip()
    if not url:
        raise SyncError(f"{WHAT}, {where}: zu LeiKa {leika} fehlt die Adresse (url) des Online-Dienstes.")
    if not url.lower().startswith("https://"):
        raise SyncError(
            f"{WHAT}, {where}: die Adresse zu LeiKa {leika} ist nicht https („{url[:120]}“). "
            "Das Verzeichnis verlinkt nur verschlüsselte Adressen; es wird nichts übernommen."
        )
    if not _URL.fullmatch(url) or len(url) > 2000:
        raise SyncError(f"{WHAT}, {where}: „{url[:120]}“ (LeiKa {leika}) ist keine vollständige https-Adresse.")
    status = record.get("online_status", "").strip().lower()
    if status not in STATUSES:
        raise SyncError(f"{WHAT}, {where}: online_status „{record.get('online_status', '')}“ zu LeiKa {leika}; erwartet „ok“ oder „nicht ok“.")
    raw_id = record.get("ozgid", "").strip()
    ozg_id = None
    if raw_id:
        if not _OZG_ID.fullmatch(raw_id):
            raise SyncError(f"{WHAT}, {where}: ozgid „{raw_id[:40]}“ zu LeiKa {leika} ist keine positive ganze Zahl mit höchstens 9 Ziffern.")
        ozg_id = int(raw_id)
    ozg_name = record.get("ozg_bezeichnung", "").strip() or None
    if ozg_name is not None and len(ozg_name) < 2:
        ozg_name = None
    name = (record.get("leika_name", "").strip() or record.get("leika_bezeichnung", "").strip()) or None
    return Entry(leika=leika, url=url, online_status=status, leika_name=name, ozg_id=ozg_id, ozg_name=ozg_name if ozg_id else None, where=where)


def _merge(entries: list[Entry]) -> tuple[list[Entry], list[str]]:
    """One entry per LeiKa key; conflicting URLs are a fault, conflicting OZG ids a warning."""
    by_key: dict[str, list[Entry]] = {}
    for entry in entries:
        by_key.setdefault(entry.leika, []).append(entry)
    conflicts = []
    warnings = []
    merged = []
    for leika in sorted(by_key):
        group = by_key[leika]
        urls = sorted({e.url for e in group})
        if len(urls) > 1:
            shown = "; ".join(f"{e.url} ({e.where})" for e in group if e.url in urls)
            conflicts.append(f"LeiKa {leika}: {shown}")
            continue
        first = group[0]
        # The same service listed twice (e.g. by the city and the state level): a failed
        # check anywhere means the service may be down, so "nicht ok" wins.
        status = "nicht ok" if any(e.online_status == "nicht ok" for e in group) else "ok"
        ozg_ids = sorted({e.ozg_id for e in group if e.ozg_id})
        ozg_id = ozg_name = None
        if len(ozg_ids) == 1:
            ozg_id = ozg_ids[0]
            ozg_name = next((e.ozg_name for e in group if e.ozg_id == ozg_id and e.ozg_name), None)
        elif len(ozg_ids) > 1:
            warnings.append(f"LeiKa {leika}: widersprüchliche OZG-IDs {', '.join(map(str, ozg_ids))}; die OZG-Angabe wird nicht geändert.")
        name = next((e.leika_name for e in group if e.leika_name), None)
        merged.append(Entry(leika=leika, url=first.url, online_status=status, leika_name=name, ozg_id=ozg_id, ozg_name=ozg_name, where=first.where))
    if conflicts:
        raise SyncError(
            f"{WHAT} nennt {len(conflicts)} LeiKa-Schlüssel mehrfach mit verschiedenen Adressen; welche gilt, "
            f"ist nicht entscheidbar, daher wird nichts übernommen:\n{listing(conflicts, 20, '- ')}"
        )
    return merged, warnings
