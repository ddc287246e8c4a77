"""Synthetic data folders for benchmarks, built from the real 2019 OZG/LeiKa catalogue.

``lotse bench generate --services N --out DIR`` writes a complete data folder
(``lotse.yml``, ``aemter/``, ``services/``, ``lebenslagen/``) that the validator
accepts. Service names, LeiKa keys, OZG services, legal bases and Lebenslagen
come from ``benchmarks/ozg-katalog-2019/`` (see its README for source and
licence), so benchmarks see the lengths, umlauts and link density of real data
instead of random words. Everything else (channels, figures, plans, offices) is
invented and every record says so in ``quelle``.

Key schemes, chosen so that synthetic values can never pass for real ones:

* Services beyond the catalogue's 4,813 are *variants* of catalogue services:
  id ``<catalogue id>-variante-<n>``, name ``<name> (Variante <n>)`` and LeiKa
  key ``99999`` + a 9-digit sequence number (``99999000000001`` …). LeiKa
  groups are digits 3-5 of the key; group 999 is unassigned (the 2019
  catalogue's groups run from 001 to 158 and current PVOG data adds 600).
* Amt24 ids are 10-digit numbers starting with ``9`` (real ones have 7 digits).
* Every web address except the catalogue's gesetze-im-internet.de links points
  at ``beispielstadt.example``, a reserved domain (RFC 2606), so a site built
  from these folders links to no real portal with invented ids.

Output is deterministic: the same ``count`` and ``seed`` give the same bytes,
independent of the date, the machine and the order files are written in.
"""

from __future__ import annotations

import csv
import os
import random
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from . import ROOT

CATALOGUE_DIR = ROOT / "benchmarks" / "ozg-katalog-2019"
CATALOGUE_URL = "https://github.com/kdn-nrw/OZG-Datenbank-NRW"
HOST = "beispielstadt.example"
VARIANT_KEY_PREFIX = "99999"
AMT24_ID_BASE = 9_000_000_000

# Fixed past dates: "stand" must not lie in the future, and the output must not
# depend on the day the generator runs.
STAND_DATES = ("2024-11-04", "2025-01-15", "2025-03-31", "2025-06-02", "2025-09-18")
QUELLE = {
    "titel": "Synthetische Testdaten, erzeugt mit „lotse bench generate“ aus dem OZG-Katalog 2019 "
    "(kdn-nrw/OZG-Datenbank-NRW, MIT-Lizenz); keine echten Angaben der Stadt.",
    "url": CATALOGUE_URL,
}
KENNZAHL_QUELLE = "Synthetische Werte (lotse bench generate)"
HEADER = (
    "# Synthetische Testdaten für Messungen, erzeugt mit „lotse bench generate“.\n"
    "# Namen, LeiKa-Schlüssel und Rechtsgrundlagen aus dem OZG-Katalog 2019; alles andere erfunden.\n"
)

BUND = "bundesbehoerde"
LAND = "landesbehoerde"
SONSTIGE = "kammer-oder-kasse"
BUERGERBUEROS = ("buergerbuero-mitte", "buergerbuero-nord")
QUERSCHNITT_THEMENFELD = "10"
# Lebenslagen whose services concern companies as well as citizens.
MIXED_LEBENSLAGEN = {"Auslandsgeschäft", "Logistik & Transport", "Querschnitt Unternehmen", "Finanzierung & Förderung"}


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class CatalogueService:
    key: str
    name: str
    typ: str
    ozg_id: int | None
    ozg_name: str | None
    lebenslage: str | None  # catalogue id
    themenfeld: str
    legal_basis: str
    law_shortcuts: str
    slug: str


@dataclass(frozen=True)
class Catalogue:
    themenfelder: dict  # id -> name
    lebenslagen: dict  # id -> (themenfeld id, name)
    services: tuple  # of CatalogueService, in catalogue order


def _read_tsv(name: str) -> list[dict]:
    path = CATALOGUE_DIR / name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t"))
    except OSError:
        raise ValueError(f"Der OZG-Katalog fehlt: {path} kann nicht gelesen werden. Er gehört zum Repository (benchmarks/ozg-katalog-2019/).") from None


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    themenfelder = {r["id"]: r["name"] for r in _read_tsv("themenfelder.tsv")}
    lebenslagen = {r["id"]: (r["subject_id"], r["name"]) for r in _read_tsv("lebenslagen.tsv")}
    ozg = {r["id"]: r for r in _read_tsv("ozg-leistungen.tsv")}
    used: set[str] = set()
    services = []
    for row in _read_tsv("leika-leistungen.tsv"):
        bundle = ozg.get(row["service_system_id"])
        lebenslage = bundle["situation_id"] if bundle and bundle["situation_id"] in lebenslagen else None
        themenfeld = lebenslagen[lebenslage][0] if lebenslage else QUERSCHNITT_THEMENFELD
        services.append(CatalogueService(
            key=row["service_key"],
            name=_clip(row["name"].strip(), 160),
            typ=row["service_type"],
            ozg_id=int(bundle["service_key"]) if bundle and bundle["service_key"].isdigit() else None,
            ozg_name=bundle["name"].strip() if bundle else None,
            lebenslage=lebenslage,
            themenfeld=themenfeld,
            legal_basis=row["legal_basis"],
            law_shortcuts=row["law_shortcuts"],
            slug=_unique(slugify(row["name"], 72), used),
        ))
    return Catalogue(themenfelder, lebenslagen, tuple(services))


# --------------------------------------------------------------------------- small helpers


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "ss"})


def slugify(text: str, limit: int = 80) -> str:
    """German text -> record id (``Führerschein & Kfz`` -> ``fuehrerschein-kfz``)."""
    text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug or "eintrag"


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;-") + "…"


_LAW = re.compile(r"\s*,?\s*([^\[\]]+?)\s*\[([^\]\s]+)\]")


def legal_references(legal_basis: str) -> list[dict]:
    """Catalogue text ``§ 34 PStG [http://www.gesetze-im-internet.de/...], ...`` -> Verweise.

    Only gesetze-im-internet.de links are kept (as https, which that site
    serves); other links in the 2019 data point at moved PDFs and pages.
    """
    out: list[dict] = []
    seen: set[str] = set()
    pos = 0
    for match in _LAW.finditer(legal_basis):
        if legal_basis[pos:match.start()].strip(" ,"):
            break  # text outside the "title [url]" pattern: keep what parsed cleanly
        pos = match.end()
        titel = _clip(match.group(1).strip(" ,;"), 300)
        if len(titel) < 2 or titel in seen:
            continue
        seen.add(titel)
        ref = {"titel": titel}
        url = match.group(2)
        if re.match(r"https?://(www\.)?gesetze-im-internet\.de/\S+$", url):
            ref["url"] = "https://" + url.split("://", 1)[1]
        out.append(ref)
    if not out and legal_basis.strip() and "[" not in legal_basis:
        out.append({"titel": _clip(legal_basis.strip(), 300)})
    return out


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):
    """Block style for multi-line Markdown, so files read like hand-written ones."""


def _represent_str(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def dump(record: dict) -> str:
    return HEADER + yaml.dump(record, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- target folder


def check_target(out_dir: Path) -> None:
    """Refuse the repository's data/ and any folder that already holds something."""
    resolved = out_dir.resolve()
    protected = (ROOT / "data").resolve()
    if resolved == protected or protected in resolved.parents:
        raise ValueError(f"„{out_dir}“ liegt im Datenordner des Repositorys ({protected}). Synthetische Testdaten gehören nie in data/; bitte einen anderen Ordner angeben, z. B. --out /tmp/lotse-bench.")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"„{out_dir}“ ist eine Datei, kein Ordner. Bitte einen neuen oder leeren Ordner angeben.")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise ValueError(f"Der Zielordner „{out_dir}“ ist nicht leer. Es werden keine vorhandenen Dateien überschrieben; bitte einen neuen oder leeren Ordner angeben.")


# --------------------------------------------------------------------------- records


def _office(aid: str, name: str, traeger: str, n: int, parent: str | None = None, long_hours: bool = False) -> dict:
    record: dict = {"id": aid, "name": name, "traeger": traeger}
    if parent:
        record["uebergeordnet"] = parent
    record["beschreibung"] = f"Synthetische Stelle für Messungen.\n\nSie steht für: {name}.\n"
    record["adresse"] = {"strasse": f"Beispielstraße {n}", "plz": "00000", "ort": "Beispielstadt"}
    record["kontakt"] = {"telefon": f"0000 0000-{n:02d}", "email": f"{aid}@{HOST}"}
    if traeger == "stadt":
        if long_hours:
            zeiten = [{"tage": ["mo", "di", "mi", "do", "fr"], "von": "08:00", "bis": "19:00"}, {"tage": ["sa"], "von": "09:00", "bis": "12:00"}]
            hours = {"stunden_pro_woche": 58.0, "tage_pro_woche": 6, "lange_tage": 5, "spaetestens": "19:00", "termin": True}
        else:
            zeiten = [{"tage": ["mo", "di", "do"], "von": "08:00", "bis": "16:00"}, {"tage": ["mi", "fr"], "von": "08:00", "bis": "12:00"}]
            hours = {"stunden_pro_woche": 32.0, "tage_pro_woche": 5, "lange_tage": 0, "spaetestens": "16:00", "termin": n % 2 == 0}
        record["oeffnungszeiten"] = {"zeiten": zeiten, **hours, "quelle": "Synthetische Werte"}
    record["website"] = f"https://www.{HOST}/stellen/{aid}/"
    record["stand"] = STAND_DATES[n % len(STAND_DATES)]
    record["quelle"] = [QUELLE]
    return record


def offices(cat: Catalogue) -> tuple[list[dict], dict]:
    """All offices, and the city office id of each Themenfeld."""
    out = []
    by_themenfeld = {}
    for n, (tid, name) in enumerate(sorted(cat.themenfelder.items(), key=lambda item: int(item[0])), start=1):
        aid = "amt-" + slugify(name, 60)
        by_themenfeld[tid] = aid
        out.append(_office(aid, f"Amt für {name}", "stadt", n))
    hub = by_themenfeld[QUERSCHNITT_THEMENFELD]
    n = len(out)
    out.append(_office(BUERGERBUEROS[0], "Bürgerbüro Mitte", "stadt", n + 1, parent=hub, long_hours=True))
    out.append(_office(BUERGERBUEROS[1], "Bürgerbüro Nord", "stadt", n + 2, parent=hub, long_hours=True))
    out.append(_office(BUND, "Bundesbehörde (synthetisch)", "bund", n + 3))
    out.append(_office(LAND, "Landesbehörde (synthetisch)", "land", n + 4))
    out.append(_office(SONSTIGE, "Kammer oder Krankenkasse (synthetisch)", "sonstige", n + 5))
    return out, by_themenfeld


def _zustaendig(svc: CatalogueService, rng: random.Random, by_themenfeld: dict) -> str:
    if svc.typ.startswith("1"):
        return BUND  # federal rules and federal execution
    if svc.typ == "4" and rng.random() < 0.35:
        return LAND
    if svc.typ in ("5", "6") or rng.random() < 0.03:
        return SONSTIGE
    return by_themenfeld[svc.themenfeld]


def _online_channel(typ: str, sid: str, amt24_id: str | None, companies: bool, end_to_end: bool, rng: random.Random) -> dict:
    account = ["muk"] if companies else ["bundid"]
    if typ == "amt24":
        kanal = {"typ": "amt24", "bezeichnung": "Online-Antrag bei Amt24", "url": f"https://amt24.{HOST}/zufi/leistungen/{amt24_id}"}
        if not end_to_end:
            account = ["amt24-servicekonto"]
    elif typ == "formular":
        kanal = {"typ": "formular", "bezeichnung": "Online-Formular der Stadt", "url": f"https://www.{HOST}/formulare/{sid}/"}
    elif typ == "efa":
        kanal = {"typ": "efa", "bezeichnung": "Einer-für-Alle-Onlinedienst", "url": f"https://efa.{HOST}/{sid}/"}
    else:
        kanal = {"typ": "portal", "bezeichnung": rng.choice(["Fachportal des Landes", "Fachportal des Bundes", "ELSTER-Onlinedienst"]), "url": f"https://portal.{HOST}/{sid}/"}
        if kanal["bezeichnung"].startswith("ELSTER"):
            account = ["elster"]
    if end_to_end or rng.random() < 0.4:
        kanal["nutzerkonto"] = account
    if rng.random() < 0.3:
        kanal["eid"] = True
    if rng.random() < 0.35:
        kanal["epayment"] = rng.random() < 0.7
    if rng.random() < 0.2:
        kanal["online_status"] = "ok" if rng.random() < 0.85 else "nicht ok"
    return kanal


def _channels(sid: str, level: str, amt24_id: str | None, companies: bool, city: bool, rng: random.Random) -> list[dict]:
    kanaele = []
    if level != "analog":
        typ = "amt24" if amt24_id else rng.choice(["formular", "efa", "efa", "portal", "portal"])
        kanaele.append(_online_channel(typ, sid, amt24_id, companies, level == "ende-zu-ende", rng))
    if rng.random() < 0.25:
        kanaele.append({"typ": "email-pdf", "bezeichnung": "PDF-Formular per E-Mail", "hinweis": "Ausgefülltes PDF-Formular als Anhang senden."})
    if rng.random() < 0.4:
        kanaele.append({"typ": "post", "bezeichnung": "Antrag per Post"})
    if rng.random() < 0.8 or not kanaele:
        vor_ort = {"typ": "vor-ort", "bezeichnung": "Persönlich vor Ort"}
        if city and rng.random() < 0.3:
            vor_ort["bezeichnung"] = "Persönlich im Bürgerbüro"
            vor_ort["amt"] = rng.choice(BUERGERBUEROS)
            vor_ort["hinweis"] = "Termin vorher online buchen."
        kanaele.append(vor_ort)
    return kanaele


def service_record(svc: CatalogueService, sid: str, leika: str, name: str, k: int, seed: int, cat: Catalogue, by_themenfeld: dict) -> dict:
    rng = random.Random(f"{seed}:{k}")
    lebenslage_name = cat.lebenslagen[svc.lebenslage][1] if svc.lebenslage else None
    companies = svc.themenfeld == "14"
    zielgruppe = ["unternehmen"] if companies else ["buerger", "unternehmen"] if lebenslage_name in MIXED_LEBENSLAGEN else ["buerger"]
    zustaendig = _zustaendig(svc, rng, by_themenfeld)
    city = zustaendig not in (BUND, LAND, SONSTIGE)
    roll = rng.random()
    level = "analog" if roll < 0.45 else "digital" if roll < 0.85 else "ende-zu-ende"
    amt24_id = str(AMT24_ID_BASE + k) if level != "analog" and city and rng.random() < 0.45 else None

    record: dict = {"id": sid, "name": name, "leika": leika}
    synonyme = []
    if svc.ozg_name and svc.ozg_name != name and 2 <= len(svc.ozg_name) <= 80:
        synonyme.append(svc.ozg_name)
    for short in svc.law_shortcuts.split(","):
        short = short.strip()
        if 2 <= len(short) <= 80 and short not in synonyme:
            synonyme.append(short)
    if synonyme:
        record["synonyme"] = synonyme
    record["kurzbeschreibung"] = f"Synthetischer Testeintrag zur LeiKa-Leistung „{name}“; keine echte Leistungsbeschreibung."
    if rng.random() < 0.6:
        parts = [f"Diese Seite ist **synthetisch** und dient nur Messungen. Die Leistung „{name}“ stammt aus dem OZG-Katalog 2019."]
        if svc.ozg_name:
            parts.append(f"Sie gehört zur OZG-Leistung *{svc.ozg_name}*" + (f" in der Lebenslage *{lebenslage_name}*." if lebenslage_name else "."))
        parts.append("- Antrag stellen\n- Unterlagen nachreichen\n- Bescheid erhalten")
        record["beschreibung"] = "\n\n".join(parts) + "\n"
    record["zielgruppe"] = zielgruppe
    record["zustaendig"] = zustaendig
    record["kanaele"] = _channels(sid, level, amt24_id, companies, city, rng)
    record["digitalisierung"] = level
    if amt24_id:
        record["amt24_id"] = amt24_id
    if svc.ozg_id:
        record["ozg"] = {"id": svc.ozg_id, "name": svc.ozg_name}
    if rng.random() < 0.5:
        record["unterlagen"] = rng.sample(["Personalausweis oder Reisepass", "Nachweis über den Wohnsitz", "Vollmacht, falls jemand anderes den Antrag stellt", "Bisherige Bescheide", "Handelsregisterauszug", "Lichtbild"], rng.randint(1, 3))
    if rng.random() < 0.3:
        record["gebuehren"] = [{"bezeichnung": "Bearbeitung", "betrag": rng.choice([0, 5, 10, 12.5, 25, 50, 120]), "hinweis": "synthetischer Betrag"}]
    if rng.random() < 0.4:
        record["bearbeitungsdauer"] = rng.choice(["sofort bei Vorsprache", "etwa 1 Woche", "etwa 2 bis 4 Wochen", "bis zu 3 Monate"])
    if rng.random() < 0.15:
        record["frist"] = rng.choice(["innerhalb von zwei Wochen", "innerhalb eines Monats", "vor Beginn der Tätigkeit"])
    rechtsgrundlage = legal_references(svc.legal_basis)
    if rechtsgrundlage:
        record["rechtsgrundlage"] = rechtsgrundlage
    if rng.random() < 0.15:
        record["kennzahlen"] = _kennzahlen(level, rng)
    if level == "analog" and rng.random() < 0.3:
        planung = {"digital_bis": rng.choice(["2025", "2026", "2026-06", "2027", "2027-12-31"]), "ende_zu_ende": rng.random() < 0.4}
        if rng.random() < 0.7:
            planung["kanal"] = rng.choice(["amt24", "efa", "formular"])
        planung["hinweis"] = "Synthetische Planung für Messungen."
        planung["quelle"] = KENNZAHL_QUELLE
        record["planung"] = planung
    if rng.random() < 0.2:
        record["hinweise"] = "Für die Vorsprache ist ein **Termin** nötig.\n"
    record["stand"] = STAND_DATES[rng.randrange(len(STAND_DATES))]
    record["quelle"] = [QUELLE]
    return record


def _kennzahlen(level: str, rng: random.Random) -> list[dict]:
    out = []
    for jahr in (2023, 2024):
        analog = rng.randint(50, 20000)
        entry: dict = {"jahr": jahr, "faelle_analog": analog}
        if level != "analog":
            entry["faelle_digital"] = rng.randint(0, analog)
        entry["mindestbearbeitungszeit_analog"] = {"wert": rng.choice([10, 15, 20, 30]), "einheit": "minuten"}
        if level != "analog":
            entry["mindestbearbeitungszeit_digital"] = {"wert": rng.choice([5, 10, 15]), "einheit": "minuten"}
        if rng.random() < 0.5:
            entry["rueckstand"] = rng.randint(0, 2000)
        entry["durchlauf_pro_monat"] = round(analog / 12, 1)
        entry["quelle"] = KENNZAHL_QUELLE
        out.append(entry)
    return out


def lebenslage_record(lid: str, titel: str, themenfeld: str, steps: list[tuple[str, list[str]]], n: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:lebenslage:{lid}")
    record: dict = {
        "id": lid,
        "titel": _clip(titel, 120),
        "kurzbeschreibung": f"Synthetische Lebenslage „{_clip(titel, 120)}“ aus dem OZG-Katalog 2019, für Messungen.",
        "beschreibung": f"Die Schritte entsprechen den OZG-Leistungen dieser Lebenslage (Themenfeld *{themenfeld}*).\n",
        "synonyme": [themenfeld],
        "schritte": [],
    }
    for i, (title, services) in enumerate(steps):
        step: dict = {"titel": _clip(title, 160) if len(title) >= 3 else f"Schritt {i + 1}: {title}"}
        art = "pflicht" if i == 0 else rng.choice(["pflicht", "optional", "eine-von"])
        if art != "pflicht" or rng.random() < 0.3:
            step["art"] = art
        step["leistungen"] = services
        if rng.random() < 0.2:
            step["hinweis"] = "Synthetischer Hinweis zu diesem Schritt."
        record["schritte"].append(step)
    if n % 9 == 0:
        record["buendel"] = {
            "bezeichnung": "Gemeinsamer Antrag (synthetisch)",
            "typ": "vor-ort",
            "beschreibung": "Alle Anträge dieser Lebenslage in **einem** Umschlag abgeben.\n",
            "abgabeorte": ["Bürgerbüro Mitte", "Bürgerbüro Nord"],
            "status": rng.choice(["pilot", "produktiv"]),
            "seit": "2023-10",
            "seit_text": "Herbst 2023",
            "naechster_schritt": "Den gemeinsamen Antrag digital anbieten.",
        }
    record["stand"] = STAND_DATES[n % len(STAND_DATES)]
    record["quelle"] = [QUELLE]
    return record


def config_record(highlighted: list[str]) -> dict:
    record = {
        "stadt": "Beispielstadt (synthetische Testdaten)",
        "ars": "000000000000",
        "ags": "00000000",
        "plz": "00000",
        "website": f"https://www.{HOST}/",
        "buergertelefon": "0000 0000-00",
        "portale": {
            "amt24": f"https://amt24.{HOST}/",
            "amt24_name": "Amt24 (synthetisch)",
            "amt24_leistung": f"https://amt24.{HOST}/zufi/leistungen/{{id}}",
            "bundesportal": f"https://bundesportal.{HOST}/leistung/{{id}}",
        },
    }
    if highlighted:
        record["hervorgehoben"] = highlighted
    # Legal pages: nothing is known about a synthetic city, so every value stays open.
    record["rechtliches"] = {
        "anbieter": {"name": None, "anschrift": None, "vertreten_durch": None, "email": None, "telefon": None},
        "redaktion": None,
        "datenschutz": {"datenschutzbeauftragter": None, "hosting": None, "protokolle": None, "aufsichtsbehoerde": None},
        "barrierefreiheit": {"vereinbarkeit": None, "maengel": None, "erstellt_am": None, "kontakt": None, "durchsetzungsstelle": None},
        "leichte_sprache": None,
        "gebaerdensprache": None,
    }
    record["stand"] = STAND_DATES[-1]
    return record


# --------------------------------------------------------------------------- entry point


def generate(count: int, out_dir: Path | str, seed: int = 1) -> dict:
    """Write a valid synthetic data folder with ``count`` services into ``out_dir``.

    Raises ``ValueError`` with a German message when the target is not usable.
    """
    out_dir = Path(out_dir)
    if count < 1:
        raise ValueError("Mindestens eine Leistung (--services 1 oder mehr).")
    check_target(out_dir)
    cat = load_catalogue()
    size = len(cat.services)

    order = list(range(size))
    random.Random(seed).shuffle(order)

    office_records, by_themenfeld = offices(cat)
    used_ids = {svc.slug for svc in cat.services}
    services: list[dict] = []
    members: dict[str, dict[int | None, list[str]]] = {}  # lebenslage -> ozg id -> service ids
    ozg_names: dict[int, str] = {}
    for k in range(count):
        svc = cat.services[order[k % size]]
        variant = k // size
        if variant == 0:
            sid, leika, name = svc.slug, svc.key, svc.name
        else:
            suffix = f"-variante-{variant + 1}"
            sid = _unique(svc.slug[: 80 - len(suffix) - 3].rstrip("-") + suffix, used_ids)
            leika = f"{VARIANT_KEY_PREFIX}{k - size + 1:09d}"
            name = _clip(svc.name, 160 - len(f" (Variante {variant + 1})")) + f" (Variante {variant + 1})"
        services.append(service_record(svc, sid, leika, name, k, seed, cat, by_themenfeld))
        if svc.lebenslage:
            members.setdefault(svc.lebenslage, {}).setdefault(svc.ozg_id, []).append(sid)
            if svc.ozg_id:
                ozg_names[svc.ozg_id] = svc.ozg_name

    lebenslagen = []
    used_ll: set[str] = set()
    for n, lid in enumerate(sorted(members, key=int)):
        themenfeld_id, titel = cat.lebenslagen[lid]
        steps = [
            (ozg_names.get(ozg_id) or "Weitere Leistungen", sorted(ids))
            for ozg_id, ids in sorted(members[lid].items(), key=lambda item: (ozg_names.get(item[0]) or "~", item[0] or 0))
        ]
        lebenslagen.append(lebenslage_record(_unique(slugify(titel, 80), used_ll), titel, cat.themenfelder[themenfeld_id], steps, n, seed))

    online = [s["id"] for s in services if s["digitalisierung"] != "analog"]
    config = config_record(online[:8])

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder in ("aemter", "services", "lebenslagen"):
            (out_dir / folder).mkdir(exist_ok=True)
        write_atomic(out_dir / "README.md", "# Synthetische Testdaten\n\nErzeugt mit `lotse bench generate` aus dem OZG-Katalog 2019 (siehe benchmarks/ozg-katalog-2019/README.md). Keine echten Angaben einer Stadt; nie in data/ übernehmen.\n")
        write_atomic(out_dir / "lotse.yml", dump(config))
        for folder, records in (("aemter", office_records), ("services", services), ("lebenslagen", lebenslagen)):
            for record in records:
                write_atomic(out_dir / folder / f"{record['id']}.yml", dump(record))
    except OSError as exc:
        raise ValueError(f"In „{out_dir}“ kann nicht geschrieben werden: {exc.strerror or exc}. Bitte einen beschreibbaren Ordner angeben.") from None
    return {"leistungen": len(services), "lebenslagen": len(lebenslagen), "aemter": len(office_records)}
