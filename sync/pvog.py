"""Source: the PVOG Suchdienst (Portalverbund Online-Gateway), the state's service directory.

Entry points: :func:`fetch_catalogue` reads a region's catalogue
(``GET {api}/servicedescriptions/csv?ars={ARS}``) and :func:`fetch_details`
reads descriptions (``GET {api}/servicedescriptions/{ARS}/detail?q={ID-LB}``),
at most four at once. :func:`parse_catalogue` and :func:`parse_detail` are the
pure parsers; :func:`render` turns a description into the YAML text of
``data/pvog/<id>.yml``. Format facts: ../shared/facts/pvog.md.

The catalogue CSV is not RFC 4180: ``|``-delimited, fields never quoted, yet a
quote inside a field is doubled (``Förderprogramm ""Energieeffizient Sanieren""``).
A CSV reader with quoting on mis-reads such rows, so lines are split by hand:
split on ``|``, then ``""`` -> ``"``. One row per (service, online service):
rows with the same ID-LB are merged; if they disagree on key, name or update
time, the export is inconsistent and nothing is taken over.

Anything that means "do not trust this answer" raises :class:`~sync.SyncError`
(German, names the place): broken encoding, an unknown header, rows with the
wrong number of fields, a malformed key or date, conflicting duplicates, JSON
that is not an object, duplicate JSON keys, wrong types, a description for
another ID-LB, an empty catalogue. Unknown module codes and placeholders are
not faults: they are counted and named in the summary.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from lotse.htmltext import html_to_markdown, safe_link

from . import SyncError
from .formats import decode_utf8
from .http import Fetcher

WHAT = "Das Leistungsverzeichnis (PVOG)"
DEFAULT_SOURCE_TITLE = "Leistungsverzeichnis des Landes"  # data/lotse.yml pvog.quelle names the Land
MAX_CONCURRENT = 4  # the bound: polite to a shared state service
COLUMNS = ("ID-LB", "Leikaschlüssel", "Name", "Name2", "Updatedatum", "ID-OD", "Bezeichnung OD", "Links")
REQUIRED_COLUMNS = ("ID-LB", "Leikaschlüssel", "Name", "Updatedatum")
MAX_ROWS = 200_000  # a whole Land has a few ten thousand; more is a runaway export
MAX_DETAIL_BYTES = 4 << 20  # per description; real ones are 5 to 50 kB
MAX_MODULE_CHARS = 200_000  # one module's HTML; real ones are a few kB

# Public code that reads the catalogue keeps rows whose ID-LB starts like this; other rows
# (editorial test entries, broken lines of older exports) are skipped and counted.
_ID_PREFIX = re.compile(r"^[A-Z]\d{6}")
_ID_LB = re.compile(r"^[A-Z]\d{6}\.LB\.\d+$")
_LEIKA = re.compile(r"^99\d{12}$")
_ARS = re.compile(r"^\d{12}$")
_UPDATED = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{2}):(\d{2})(?::\d{2})?)?$")
_HTTPS = re.compile(r"^https://[^\s/?#]+\.[^\s/?#]+(/[^\s]*)?$")

# XZuFi module codes -> the key in data/pvog/<id>.yml (order = the page's order of questions).
MODULES = {
    "24": "kurzinfo",
    "06": "beschreibung",
    "09": "voraussetzungen",
    "08": "unterlagen",
    "98": "kosten",
    "97": "fristen",
    "95": "bearbeitungsdauer",
    "11": "verfahrensablauf",
    "14": "formulare",
    "07": "rechtsgrundlagen",
    "25": "rechtsbehelf",
    "22": "zustaendige_stelle",
    "23": "ansprechpunkt",
    "15": "weitere_informationen",
}
MODULE_ORDER = tuple(MODULES.values())
# Known and deliberately not shown: names (we have them from the top level) and the author.
KNOWN_UNUSED = {"02", "03", "18"}
STRUCTURED = {"95", "97", "98"}


@dataclass
class OnlineRow:
    id_od: str
    bezeichnung: str
    links: str


@dataclass
class CatalogueService:
    id_lb: str
    leika: str | None
    name: str
    name2: str
    updatedatum: str
    line: int
    online: list[OnlineRow] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The citizen-facing name if there is one."""
        return self.name2 or self.name


@dataclass
class Catalogue:
    services: dict[str, CatalogueService]  # by ID-LB
    rows: int
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def by_leika(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for id_lb in sorted(self.services, key=id_lb_key):
            leika = self.services[id_lb].leika
            if leika:
                out.setdefault(leika, []).append(id_lb)
        return out


def id_lb_key(id_lb: str) -> tuple:
    """Order of ID-LBs: editorial system prefix, then the number numerically (B…LB.99 < B…LB.100)."""
    prefix, _, number = id_lb.partition(".LB.")
    return (prefix, int(number) if number.isdigit() else 0, id_lb)


@dataclass
class Detail:
    """One description, ready to be written to data/pvog/<id>.yml (without the id)."""

    id_lb: str
    content: dict
    unknown_codes: Counter = field(default_factory=Counter)
    placeholders: int = 0
    dropped: list[str] = field(default_factory=list)  # German notes on things left out


# --------------------------------------------------------------------------- catalogue


def catalogue_url(api_url: str, ars: str) -> str:
    return f"{api_url.rstrip('/')}/servicedescriptions/csv"


def detail_url(api_url: str, ars: str) -> str:
    return f"{api_url.rstrip('/')}/servicedescriptions/{ars}/detail"


def check_ars(ars: str) -> None:
    if not _ARS.match(ars or ""):
        raise SyncError(f"„{ars}“ ist kein Amtlicher Regionalschlüssel: 12 Ziffern erwartet, etwa 147130000000 für Leipzig.")


def fetch_catalogue(api_url: str, ars: str, fetcher: Fetcher) -> Catalogue:
    """The region's catalogue; time and size bounded by ``fetcher`` and its budget (sync/http.py)."""
    check_ars(ars)
    response = fetcher.get(catalogue_url(api_url, ars), {"ars": ars})
    body = response.body
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype == "text/html" or body.lstrip()[:1] == b"<":
        raise SyncError(f"{WHAT} liefert eine HTML-Seite statt des Katalogs ({response.url}); vermutlich eine Wartungs- oder Fehlerseite.")
    catalogue = parse_catalogue(body, ars)
    fetcher.budget.count_page(catalogue.rows, WHAT)
    return catalogue


def parse_catalogue(raw: bytes, ars: str = "") -> Catalogue:
    where = f"{WHAT}, Katalog"
    text = decode_utf8(raw, where)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if not lines or not lines[0].strip():
        raise SyncError(f"{WHAT} liefert für den Regionalschlüssel {ars} einen leeren Katalog. Das ist fast sicher eine Störung; es wird nichts übernommen.")
    header = [c.strip() for c in lines[0].split("|")]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SyncError(
            f"{where}: die Kopfzeile ist unbekannt. Erwartet werden die Spalten {'|'.join(COLUMNS)}, "
            f"es fehlen {', '.join(missing)}; gefunden: „{lines[0][:200]}“."
        )
    doubled = sorted({c for c in header if header.count(c) > 1 and c})
    if doubled:
        raise SyncError(f"{where}: die Spalte(n) {', '.join(doubled)} stehen doppelt in der Kopfzeile.")
    col = {name: i for i, name in enumerate(header)}
    if len(lines) - 1 > MAX_ROWS:
        raise SyncError(f"{where}: mehr als {MAX_ROWS} Zeilen; das ist unplausibel für eine Region, Abbruch.")
    services: dict[str, CatalogueService] = {}
    seen_pairs: set[tuple[str, str]] = set()
    skipped = 0
    rows = 0
    warnings: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("|")
        if len(cells) != len(header):
            raise SyncError(
                f"{where}, Zeile {number}: {len(cells)} Felder statt {len(header)} wie in der Kopfzeile. "
                "Der Katalog ist beschädigt oder abgeschnitten (oder ein Feld enthält „|“); es wird nichts übernommen."
            )
        row = {name: cells[i].replace('""', '"').strip() for name, i in col.items()}
        rows += 1
        id_lb = row["ID-LB"]
        if not _ID_PREFIX.match(id_lb):
            skipped += 1
            continue
        if not _ID_LB.match(id_lb):
            raise SyncError(f"{where}, Zeile {number}: „{id_lb[:60]}“ ist keine ID-LB der erwarteten Form (etwa B100019.LB.574711).")
        leika = row["Leikaschlüssel"] or None
        if leika is not None and not _LEIKA.match(leika):
            raise SyncError(f"{where}, Zeile {number}: „{leika[:40]}“ ({id_lb}) ist kein LeiKa-Schlüssel (14 Ziffern, beginnend mit 99).")
        if not row["Name"]:
            raise SyncError(f"{where}, Zeile {number}: zu {id_lb} fehlt der Name der Leistung.")
        updated = row["Updatedatum"]
        if parse_updated(updated) is None:
            raise SyncError(f"{where}, Zeile {number}: Updatedatum „{updated[:40]}“ zu {id_lb} ist kein Datum der Form 20.01.2025 00:48.")
        name2 = row.get("Name2", "")
        online = OnlineRow(row.get("ID-OD", ""), row.get("Bezeichnung OD", ""), row.get("Links", ""))
        known = services.get(id_lb)
        if known is None:
            known = services[id_lb] = CatalogueService(id_lb, leika, row["Name"], name2, updated, number)
        elif (known.leika, known.name, known.name2, known.updatedatum) != (leika, row["Name"], name2, updated):
            raise SyncError(
                f"{where}, Zeilen {known.line} und {number}: {id_lb} steht zweimal mit verschiedenen Angaben "
                "(LeiKa-Schlüssel, Name oder Updatedatum). Welche gilt, ist nicht entscheidbar; es wird nichts übernommen."
            )
        pair = (id_lb, online.id_od)
        if pair in seen_pairs:
            if online.id_od:
                raise SyncError(f"{where}, Zeile {number}: {id_lb} mit Online-Dienst {online.id_od} steht doppelt im Katalog; es wird nichts übernommen.")
            warnings.append(f"{id_lb} steht ohne Online-Dienst mehrfach im Katalog (Zeile {number}); einmal gezählt.")
            continue
        seen_pairs.add(pair)
        if online.id_od:
            known.online.append(online)
    if not services:
        raise SyncError(
            f"{WHAT} liefert für den Regionalschlüssel {ars} keine Leistung ({rows} Zeilen, {skipped} übersprungen). "
            "Das ist fast sicher eine Störung und keine Stadt ohne Leistungen; es wird nichts übernommen."
        )
    return Catalogue(services, rows, skipped, warnings)


def parse_updated(value: str) -> dt.date | None:
    m = _UPDATED.match(value or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


# --------------------------------------------------------------------------- details


def fetch_details(
    api_url: str,
    ars: str,
    ids: list[str],
    fetcher: Fetcher,
    *,
    names: dict[str, str] | None = None,
    source_title: str = DEFAULT_SOURCE_TITLE,
    progress: Callable[[int], None] | None = None,
    workers: int = MAX_CONCURRENT,
    on_detail: Callable[[str, Detail], None] | None = None,
) -> dict[str, Detail]:
    """Descriptions for ``ids``, at most ``workers`` (≤ 4) requests at once; the first fault stops all.

    The fetcher's budget bounds the whole run (``--zeitlimit``): past it, no request starts.
    """
    url = detail_url(api_url, ars)
    stop = threading.Event()
    todo: queue.SimpleQueue = queue.SimpleQueue()
    results: queue.SimpleQueue = queue.SimpleQueue()
    for id_lb in ids:
        todo.put(id_lb)

    # The threads only wait for the network; parsing (CPU, under the GIL) happens here in the
    # calling thread meanwhile, so four requests stay in flight all the time. Plain queues,
    # not one future per description: waiting on 6,000 futures costs time quadratic in them.
    def worker() -> None:
        while not stop.is_set():
            try:
                id_lb = todo.get_nowait()
            except queue.Empty:
                return
            try:
                results.put((id_lb, fetcher.get(url, {"q": id_lb}).body, None))
            except BaseException as exc:  # handed to the calling thread, which reports it
                results.put((id_lb, None, exc))
                return

    workers = max(1, min(workers, MAX_CONCURRENT, len(ids) or 1))
    threads = [threading.Thread(target=worker, name=f"pvog-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    out: dict[str, Detail] = {}
    try:
        while len(out) < len(ids):
            id_lb, body, exc = results.get()
            if exc is not None:
                if isinstance(exc, SyncError):
                    raise exc
                raise SyncError(f"{WHAT}: Abruf der Beschreibung {id_lb} fehlgeschlagen ({type(exc).__name__}: {exc}).")
            out[id_lb] = parse_detail(body, id_lb, (names or {}).get(id_lb), source_title)
            if on_detail:
                on_detail(id_lb, out[id_lb])
            if progress:
                progress(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return out


def _no_duplicate_keys(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(Exception):
    pass


def parse_detail(raw: bytes, id_lb: str, fallback_name: str | None = None, source_title: str = DEFAULT_SOURCE_TITLE) -> Detail:
    where = f"{WHAT}, Beschreibung {id_lb}"
    text = decode_utf8(raw, where)
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as exc:
        raise SyncError(f"{where}: das Feld „{str(exc)[:60]}“ steht doppelt in einem JSON-Objekt; welcher Wert gilt, ist nicht entscheidbar.") from None
    except json.JSONDecodeError as exc:
        raise SyncError(f"{where}: die JSON-Daten sind fehlerhaft oder abgeschnitten ({exc.msg}, Zeile {exc.lineno}).") from None
    if not isinstance(data, dict):
        raise SyncError(f"{where}: erwartet wurde ein JSON-Objekt, gekommen ist {_kind(data)}.")
    got = data.get("id")
    if got != id_lb:
        raise SyncError(f"{where}: die Antwort beschreibt „{str(got)[:60]}“ statt {id_lb}. Die Schnittstelle liefert Falsches; es wird nichts übernommen.")
    detail = Detail(id_lb, {})
    name = _opt_str(data, "name", where) or fallback_name
    if not name:
        raise SyncError(f"{where}: die Beschreibung hat keinen Namen.")
    content: dict = {"id_lb": id_lb, "name": _plain(name)[:300]}
    leika = _str_list(data, "leikakeys", where)
    bad = [k for k in leika if not _LEIKA.match(k)]
    if bad:
        raise SyncError(f"{where}: „{bad[0][:40]}“ in leikakeys ist kein LeiKa-Schlüssel.")
    if leika:
        content["leika"] = sorted(set(leika))
    stand = _iso_date(data.get("lastUpdate"), where, "lastUpdate")
    content["stand"] = stand
    content["quelle"] = {"titel": source_title, "stand": stand}
    details = data.get("details", [])
    if details is None:
        details = []
    if not isinstance(details, list):
        raise SyncError(f"{where}: „details“ muss eine Liste sein, ist aber {_kind(details)}.")
    modules: dict[str, dict] = {}
    for i, module in enumerate(details):
        if not isinstance(module, dict):
            raise SyncError(f"{where}: details[{i + 1}] ist kein Objekt, sondern {_kind(module)}.")
        code = module.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            code = f"{code:02d}"
        if not isinstance(code, str):
            raise SyncError(f"{where}: details[{i + 1}].code fehlt oder ist kein Text.")
        code = code.strip()
        if code.upper().startswith("STATUS"):
            continue  # editorial bookkeeping, not for citizens
        if code in KNOWN_UNUSED:
            continue
        key = MODULES.get(code)
        if key is None:
            detail.unknown_codes[code[:20]] += 1
            continue
        if module.get("placeholder") is True or module.get("filled") is False:
            detail.placeholders += 1
            continue
        rendered = _module(module, code, f"{where}, Modul {code}")
        if rendered is None:
            continue
        if key in modules:  # a module twice: keep both texts, in the source's order
            old = modules[key]
            if rendered.get("text"):
                old["text"] = (old.get("text", "") + "\n\n" + rendered["text"]).strip()
            for link in rendered.get("links", []):
                if link not in old.setdefault("links", []):
                    old["links"].append(link)
        else:
            modules[key] = rendered
    if modules:
        content["module"] = {k: modules[k] for k in MODULE_ORDER if k in modules}
    online = data.get("onlineServiceLinks", [])
    if online is None:
        online = []
    if not isinstance(online, list):
        raise SyncError(f"{where}: „onlineServiceLinks“ muss eine Liste sein, ist aber {_kind(online)}.")
    services = []
    for i, link in enumerate(online):
        if not isinstance(link, dict):
            raise SyncError(f"{where}: onlineServiceLinks[{i + 1}] ist kein Objekt, sondern {_kind(link)}.")
        uri = _opt_str(link, "uri", f"{where}, onlineServiceLinks[{i + 1}]").strip()
        if not _HTTPS.match(uri) or len(uri) > 2000:
            detail.dropped.append(f"Online-Dienst „{_plain(str(link.get('title') or ''))[:80]}“ ohne gültige https-Adresse („{uri[:80]}“) ausgelassen")
            continue
        entry: dict = {}
        if isinstance(link.get("id"), str) and link["id"].strip():
            entry["id"] = link["id"].strip()[:100]
        title = _plain(_opt_str(link, "title", where))
        if title:
            entry["titel"] = title[:300]
        entry["url"] = uri
        level = link.get("levelOfConfidence")
        if isinstance(level, (int, float)) and not isinstance(level, bool):
            level = str(level)
        if isinstance(level, str) and level.strip():
            entry["vertrauensniveau"] = level.strip()[:60]
        methods = []
        for m in link.get("identificationMethods") or []:
            label = m if isinstance(m, str) else (m.get("name") or m.get("code") if isinstance(m, dict) else None)
            if isinstance(label, (int, float)) and not isinstance(label, bool):
                label = str(label)
            if isinstance(label, str) and _plain(label) and _plain(label)[:200] not in methods:
                methods.append(_plain(label)[:200])
        if methods:
            entry["identifizierung"] = methods
        if entry not in services:
            services.append(entry)
    if services:
        content["onlinedienste"] = services
    synonyms = []
    for s in _str_list(data, "synonyms", where):
        s = _plain(s)[:200]
        if s and s not in synonyms:
            synonyms.append(s)
    if synonyms:
        content["synonyme"] = synonyms
    detail.content = content
    return detail


def _module(module: dict, code: str, where: str) -> dict | None:
    """Markdown text and links of one module; None when it has neither."""
    parts = []
    body = _html(module.get("text"), where)
    if body:
        parts.append(body)
    links = _links(module.get("links"), where)
    if code in STRUCTURED:
        entries = module.get("details") or []
        if not isinstance(entries, list):
            raise SyncError(f"{where}: „details“ muss eine Liste sein, ist aber {_kind(entries)}.")
        items = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise SyncError(f"{where}: details[{i + 1}] ist kein Objekt, sondern {_kind(entry)}.")
            # The readable sentence often sits in the entry's title, the bare value in its text
            # ("Bei Abgabe vor …: rund 1 Monat" / "1 Monat"): show both unless one repeats the other.
            title = _html(entry.get("title"), where)
            value = _html(entry.get("text"), where)
            if title and value and _squash(value) not in _squash(title):
                line = f"{title}: {value}"
            else:
                line = title or value
            if line:
                items.append("- " + line.replace("\n", "\n  "))
            links += [link for link in _links(entry.get("links"), where) if link not in links]
        if items:
            parts.append("\n".join(items))
    text = "\n\n".join(parts).strip()
    out: dict = {}
    if text:
        out["text"] = text
    if links:
        out["links"] = links
    return out or None


def _squash(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def _html(value, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SyncError(f"{where}: ein Text ist {_kind(value)} statt Text.")
    if len(value) > MAX_MODULE_CHARS:
        raise SyncError(f"{where}: ein Text ist länger als {MAX_MODULE_CHARS} Zeichen; das ist keine Leistungsbeschreibung.")
    return _markdown(value)


@lru_cache(maxsize=8192)
def _markdown(html: str) -> str:
    # The state's editors reuse texts across services ("Widerspruch", fee tables); converting
    # each once saves most of the CPU of a first sync of a whole region.
    if _PLAIN.fullmatch(html) and html.replace("\t", " ").isprintable():
        # One line of plain text (a fee "26,00 EUR", a deadline title): what html_to_markdown
        # returns for it, without parsing HTML; tests/test_pvog.py compares both on many strings.
        return _SPACES.sub(" ", html).strip()
    return html_to_markdown(html)


# No markup, no entity, nothing Markdown would escape or read as syntax, no line break.
_PLAIN = re.compile(r"[^<>&*_\\`#\[\]|~=+\-!\n\r]*")
_SPACES = re.compile(r"[ \t]+")


def _links(value, where: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SyncError(f"{where}: „links“ muss eine Liste sein, ist aber {_kind(value)}.")
    out = []
    for i, link in enumerate(value):
        if not isinstance(link, dict):
            raise SyncError(f"{where}: links[{i + 1}] ist kein Objekt, sondern {_kind(link)}.")
        uri = link.get("uri")
        if not isinstance(uri, str) or not safe_link(uri) or re.search(r"\s", uri.strip()) or len(uri) > 2000:
            continue  # javascript:, data:, relative or empty: never a link on our pages
        entry = {}
        title = _plain(link.get("title")) if isinstance(link.get("title"), str) else ""
        if title:
            entry["titel"] = title[:500]
        entry["url"] = uri.strip()
        if entry not in out:
            out.append(entry)
    return out


def _plain(value) -> str:
    """A one-line plain text: tags removed (through the same sanitiser), spaces collapsed."""
    if not isinstance(value, str):
        return ""
    if "<" in value or "&" in value:
        value = html_to_markdown(value)
    value = "".join(ch if ch.isprintable() else " " for ch in value)
    return re.sub(r"\s+", " ", value).strip()


def _opt_str(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SyncError(f"{where}: „{key}“ muss Text sein, ist aber {_kind(value)}.")
    return value


def _str_list(data: dict, key: str, where: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SyncError(f"{where}: „{key}“ muss eine Liste von Texten sein.")
    return [v.strip() for v in value if v.strip()]


def _iso_date(value, where: str, key: str) -> str:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise SyncError(f"{where}: „{key}“ fehlt oder ist kein Zeitpunkt der Form 2025-01-20T00:48:00Z.")
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise SyncError(f"{where}: „{key}“ „{value[:40]}“ ist kein gültiges Datum.") from None


def _kind(value) -> str:
    if value is None:
        return "leer (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "eine Zahl"
    if isinstance(value, str):
        return "ein Text"
    if isinstance(value, list):
        return "eine Liste"
    return "ein Objekt"


# --------------------------------------------------------------------------- files


HEADER = (
    "# Von „lotse sync pvog“ geschrieben: Texte aus dem Leistungsverzeichnis des Landes.\n"
    "# Bitte nicht von Hand ändern, der nächste Abgleich ersetzt die Datei. Eigene Angaben der\n"
    "# Redaktion gehören in data/services/{id}.yml; dort eingetragene Felder haben Vorrang.\n"
)
KEY_ORDER = ("id", "id_lb", "name", "leika", "stand", "quelle", "module", "onlinedienste", "synonyme")


# libyaml's emitter where available (ten times faster for 6,000 files), same output.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    pass


def _str_presenter(dumper, value: str):
    # Multi-line Markdown as a literal block, so a changed sentence is a one-line diff.
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str_presenter)


def render(service_id: str, content: dict) -> str:
    """The YAML text of data/pvog/<service_id>.yml: fixed key order, same input, same bytes."""
    body = {"id": service_id, **content}
    ordered = {k: body[k] for k in KEY_ORDER if k in body}
    text = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000, default_flow_style=False)
    return HEADER.format(id=service_id) + text


# --------------------------------------------------------------------------- matching


@dataclass
class Match:
    service_id: str
    id_lb: str
    how: str  # "leika" or "gemerkt" (remembered ID-LB)
    others: list[str] = field(default_factory=list)  # other ID-LBs with the same key, not taken


def match(records: dict[str, dict], catalogue: Catalogue, remembered: dict[str, str]) -> tuple[list[Match], list[str]]:
    """Which PVOG description belongs to which record.

    1. The ID-LB remembered for the record in the state file, while the catalogue still
       lists it and (if the record has a key) under the record's key: a record keeps its
       description even if another one with the same key appears later.
    2. Else the record's LeiKa key. Several descriptions for one key (a state-wide and a
       city text, say): the lowest ID-LB (prefix, then number) is taken, deterministically,
       and the others are named in the summary.

    A description is matched to at most one record (the first by id); a second record
    claiming it is reported, not matched. Returns the matches and records without one.
    """
    by_leika = catalogue.by_leika()
    taken: dict[str, str] = {}
    matches: list[Match] = []
    unmatched: list[str] = []
    for sid in sorted(records):
        data = records[sid]
        leika = data.get("leika") if isinstance(data.get("leika"), str) else None
        old = remembered.get(sid)
        chosen = None
        how = ""
        others: list[str] = []
        if old and old in catalogue.services and old not in taken and (leika is None or catalogue.services[old].leika in (leika, None)):
            chosen, how = old, "gemerkt"
        elif leika and leika in by_leika:
            free = [i for i in by_leika[leika] if i not in taken]
            if free:
                chosen, how = free[0], "leika"
                others = [i for i in by_leika[leika] if i != chosen]
        if chosen is None:
            if leika or old:
                unmatched.append(sid)
            continue
        taken[chosen] = sid
        matches.append(Match(sid, chosen, how, others))
    return matches, unmatched
