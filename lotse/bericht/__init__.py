"""Digitalisierung in Zahlen: the overview the city council asked for in May 2025.

The council (inquiry "Ist-Zustand der Verwaltungsdigitalisierung", answered 20 May
2025) asked for one row per municipal service with availability, case numbers,
minimum processing time, backlog and throughput, plus the digitalisation plan.
This module computes that overview ONCE from a validated :class:`Dataset`; the
page ``/digitalisierung/``, its CSV download and ``lotse bericht`` all render the
same :class:`Bericht`, so the numbers cannot drift apart.

Rules that shape every figure here:

* Scope: services whose responsible office (``zustaendig``) belongs to the city
  (``traeger: stadt``). The council asked about *municipal* services; services of
  the Familienkasse or the tax office are listed as excluded, not counted.
* Missing stays missing: a figure nobody entered is ``None`` and is shown as
  "keine Angabe" (empty cell in the CSV), never as 0 and never estimated.
* Kennzahlen: the latest year a service has figures for, with that year and its
  source; fields missing in that year are missing (older years are not mixed in,
  so every row's figures come from one year and one source).
* Channels follow the city's own count: amt24, formular, efa and portal make a
  service digital; a PDF sent by e-mail does not (see :data:`ONLINE_TYPES`).

Priority list (see :data:`CRITERIA`): every still-analog service is checked
against the four criteria the city named in its answer to question 4. Each
criterion is "erfüllt", "nicht erfüllt" or "unbekannt"; the city gives no
weights, so each met criterion counts one point. Ties are broken by known case
numbers (more first, unknown last), then by name, then by id.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click

from ..cli import DATA_OPTION, report_problems
from ..dataset import COUNCIL_GROUPS, LEVELS, ONLINE_TYPES, Dataset, latest_kennzahl
from ..site.text import csv_cell, duration, number, sort_key
from ..validator import load

# The city's threshold for "a large user group" (answer to question 4: "> 10.000").
REACH_THRESHOLD = 10_000
# "Very high case numbers, usually at least ten thousand applications a year": the
# city's own criterion for work done in its service areas (Vorlage VII-DS-08441).
HIGH_ANALOG_CASES = 10_000

MISSING = "keine Angabe"

def report_sources(ds: Dataset) -> list[str]:
    """Documents the overview builds on: a city's own council papers, so they come from
    data/lotse.yml (``bericht_quellen``), not from code."""
    return [q["titel"] + (f" ({q['url']})" if q.get("url") else "") for q in ds.settings.get("bericht_quellen") or []]

LEVEL_LABELS = {"analog": "analog", "digital": "digital", "ende-zu-ende": "Ende-zu-Ende"}

# The council answer's split of digital services: 134 Amt24, 105 leipzig.de form,
# 53 "andere (EfA, Bauportal, iKfz, etc.)". One group per service (its main channel).
# {portal} is the state portal's name from data/lotse.yml.
_GROUP_LABELS = {
    "amt24": "{portal}",
    "formular": "Antragsformular auf der Website der Stadt",
    "andere": "EfA und andere Portale (Bauportal, i-Kfz …)",
}
CHANNEL_GROUPS = tuple((key, _GROUP_LABELS[key], types) for key, types in COUNCIL_GROUPS.items())

MET, NOT_MET, UNKNOWN = "erfüllt", "nicht erfüllt", "unbekannt"


# --------------------------------------------------------------------------- number formats


def fmt_int(value: int | float | None) -> str:
    """The site's German number format (12.345; 1.083,5); None -> "keine Angabe"."""
    return MISSING if value is None else number(value)


def fmt_pct(part: int, whole: int) -> str:
    """Share as "41,7 %"; an empty whole has no share (shown as "–")."""
    if not whole:
        return "–"
    return number(100 * part / whole, 1) + "\u00a0%"


def csv_number(value: int | float | None) -> str:
    """CSV cells: no thousands separator, decimal comma (German spreadsheets), empty if missing."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return repr(value).replace(".", ",")
    return str(int(value))


@dataclass(frozen=True)
class Dauer:
    wert: float
    einheit: str

    def text(self) -> str:
        return duration({"wert": self.wert, "einheit": self.einheit})

    @classmethod
    def of(cls, data) -> "Dauer | None":
        if not isinstance(data, dict):
            return None
        return cls(data["wert"], data["einheit"])


# --------------------------------------------------------------------------- rows


@dataclass
class Zeile:
    """One service as the council asked for it. ``None`` always means "not known"."""

    id: str
    name: str
    amt_id: str
    amt_name: str
    verfuegbarkeit: str  # one of LEVELS
    online_kanaele: tuple[str, ...]
    hauptkanal: str | None  # channel group key of the first online channel
    email_pdf: bool
    jahr: int | None = None
    faelle_analog: int | None = None
    faelle_digital: int | None = None
    min_analog: Dauer | None = None
    min_digital: Dauer | None = None
    rueckstand: int | None = None
    durchlauf: float | None = None
    kennzahl_quelle: str | None = None
    digital_bis: str | None = None
    ende_zu_ende: bool | None = None
    planung_quelle: str | None = None
    professionelle_nutzer: tuple[str, ...] | None = None
    efa_verfuegbar: bool | None = None
    efa_bezeichnung: str | None = None

    @property
    def is_digital(self) -> bool:
        return self.verfuegbarkeit != "analog"

    @property
    def has_cases(self) -> bool:
        return self.faelle_analog is not None or self.faelle_digital is not None

    @property
    def known_cases(self) -> int | None:
        """Sum of the case numbers that are known (a lower bound if one part is missing)."""
        if not self.has_cases:
            return None
        return (self.faelle_analog or 0) + (self.faelle_digital or 0)


def build_row(ds: Dataset, sid: str) -> Zeile:
    data = ds.leistungen[sid].data
    types = ds.channel_types(data)
    online = tuple(t for t in types if t in ONLINE_TYPES)
    amt_id = data["zustaendig"]
    amt = ds.aemter.get(amt_id)
    row = Zeile(
        id=sid,
        name=data["name"],
        amt_id=amt_id,
        amt_name=amt.data["name"] if amt else amt_id,
        verfuegbarkeit=data["digitalisierung"],
        online_kanaele=online,
        hauptkanal=ds.online_group(data),
        email_pdf="email-pdf" in types,
    )
    k = latest_kennzahl(data)
    if k is not None:
        row.jahr = k["jahr"]
        row.faelle_analog = k.get("faelle_analog")
        row.faelle_digital = k.get("faelle_digital")
        row.min_analog = Dauer.of(k.get("mindestbearbeitungszeit_analog"))
        row.min_digital = Dauer.of(k.get("mindestbearbeitungszeit_digital"))
        row.rueckstand = k.get("rueckstand")
        row.durchlauf = k.get("durchlauf_pro_monat")
        row.kennzahl_quelle = k.get("quelle")
    planung = data.get("planung")
    if isinstance(planung, dict):
        row.digital_bis = planung.get("digital_bis")
        row.ende_zu_ende = planung.get("ende_zu_ende")
        row.planung_quelle = planung.get("quelle")
    if isinstance(data.get("professionelle_nutzer"), list):
        row.professionelle_nutzer = tuple(data["professionelle_nutzer"])
    efa = data.get("efa_loesung")
    if isinstance(efa, dict):
        row.efa_verfuegbar = efa.get("verfuegbar")
        row.efa_bezeichnung = efa.get("bezeichnung")
    return row


# --------------------------------------------------------------------------- the table's columns


def _bool_text(value: bool | None) -> str | None:
    return None if value is None else ("ja" if value else "nein")


ALREADY_DIGITAL = "bereits digital"
ALREADY_E2E = "bereits Ende-zu-Ende"


def _plan_text(row: Zeile) -> str | None:
    # A digital service without a plan has nothing left to plan for "digital by";
    # an analog one without a plan is unknown, not "never".
    if row.digital_bis:
        return row.digital_bis
    return ALREADY_DIGITAL if row.is_digital else None


def _e2e_text(row: Zeile) -> str | None:
    if row.verfuegbarkeit == "ende-zu-ende":
        return ALREADY_E2E
    return _bool_text(row.ende_zu_ende)


@dataclass(frozen=True)
class Spalte:
    """One column of the council table, shared by page, CSV and Markdown.

    ``raw`` gives the value (``None`` = keine Angabe); ``kind`` says how it is
    written: "text", "int", "decimal" or "dauer".
    """

    key: str
    header: str
    raw: Callable[[Zeile], object]
    kind: str = "text"

    def value(self, row: Zeile):
        return self.raw(row)

    def display(self, row: Zeile) -> str:
        value = self.value(row)
        if value is None:
            return MISSING
        if self.kind in ("int", "decimal"):
            return fmt_int(value)
        if self.kind == "dauer":
            return value.text()
        return str(value)

    def csv(self, row: Zeile) -> str:
        value = self.value(row)
        if value is None:
            return ""
        if self.kind in ("int", "decimal"):
            return csv_number(value)
        if self.kind == "dauer":
            # A plain space: spreadsheet users search and split on it.
            return value.text().replace("\u00a0", " ")
        return str(value)


COLUMNS = (
    Spalte("id", "Kennung", lambda r: r.id),
    Spalte("name", "Leistung", lambda r: r.name),
    Spalte("amt", "Zuständige Stelle", lambda r: r.amt_name),
    Spalte("verfuegbarkeit", "Verfügbarkeit", lambda r: LEVEL_LABELS[r.verfuegbarkeit]),
    Spalte("kanaele", "Online-Kanäle", lambda r: ", ".join(r.online_kanaele) if r.online_kanaele else "keine"),
    Spalte("jahr", "Jahr der Kennzahlen", lambda r: r.jahr),
    Spalte("faelle_analog", "Fälle analog pro Jahr", lambda r: r.faelle_analog, "int"),
    Spalte("faelle_digital", "Fälle digital pro Jahr", lambda r: r.faelle_digital, "int"),
    Spalte("min_analog", "Mindestbearbeitungszeit analog", lambda r: r.min_analog, "dauer"),
    Spalte("min_digital", "Mindestbearbeitungszeit digital", lambda r: r.min_digital, "dauer"),
    Spalte("rueckstand", "Bearbeitungsstau (Fälle)", lambda r: r.rueckstand, "int"),
    Spalte("durchlauf", "Durchlauf pro Monat", lambda r: r.durchlauf, "decimal"),
    Spalte("kennzahl_quelle", "Quelle der Kennzahlen", lambda r: r.kennzahl_quelle),
    Spalte("digital_bis", "Digital geplant bis", lambda r: _plan_text(r)),
    Spalte("ende_zu_ende", "Ende-zu-Ende geplant", lambda r: _e2e_text(r)),
)

# Only to put durations in order when the page's table is sorted; never shown, so
# whether a "Tag" is a working day does not matter here.
_MINUTES = {"minuten": 1, "stunden": 60, "tage": 1440, "wochen": 10080}
NUMERIC_KINDS = ("int", "decimal", "dauer")


def sort_value(column: Spalte, row: Zeile) -> str:
    """The number the page's table sorts a figure by ("" = missing)."""
    value = column.value(row)
    if value is None:
        return ""
    if column.kind == "dauer":
        return repr(value.wert * _MINUTES[value.einheit])
    return repr(value)


# --------------------------------------------------------------------------- priority list


@dataclass(frozen=True)
class Kriterium:
    key: str
    label: str
    rule: str  # how Lotse decides, shown on the page


CRITERIA = (
    Kriterium(
        "reichweite", f"Große Nutzergruppe (> {fmt_int(REACH_THRESHOLD)})",
        f"erfüllt, wenn die bekannten Fälle im letzten Jahr mit Kennzahlen zusammen mehr als {fmt_int(REACH_THRESHOLD)} sind; "
        f"nicht erfüllt, wenn analoge und digitale Fälle bekannt sind und zusammen höchstens {fmt_int(REACH_THRESHOLD)} ergeben; sonst unbekannt.",
    ),
    Kriterium(
        "professionell", "Professionelle Nutzer mit großem Wirkungskreis",
        "erfüllt, wenn im Feld „professionelle_nutzer“ eine Gruppe steht (etwa Geburtskliniken, Bestatter, Autohäuser, Architekten); "
        "nicht erfüllt bei leerer Liste; unbekannt, wenn das Feld fehlt.",
    ),
    Kriterium(
        "efa", "EfA- oder Standardlösung verfügbar",
        "erfüllt, wenn „efa_loesung.verfuegbar“ true ist; nicht erfüllt bei false; unbekannt, wenn das Feld fehlt.",
    ),
    Kriterium(
        "entlastung", "Entlastung manueller Arbeit",
        "erfüllt, wenn ein PDF-Antrag per E-Mail von Hand ins Fachverfahren übertragen werden muss (Kanal email-pdf), "
        f"ein Bearbeitungsstau besteht oder mindestens {fmt_int(HIGH_ANALOG_CASES)} analoge Fälle im Jahr anfallen; nicht erfüllt, "
        f"wenn es keinen E-Mail-Kanal gibt, der Stau 0 ist und weniger als {fmt_int(HIGH_ANALOG_CASES)} analoge Fälle bekannt sind; sonst unbekannt.",
    ),
)


@dataclass
class Bewertung:
    """One criterion for one service: status and the reason in words."""

    kriterium: Kriterium
    status: str  # MET, NOT_MET or UNKNOWN
    grund: str


def assess(row: Zeile) -> list[Bewertung]:
    """Check one service against :data:`CRITERIA`; every verdict carries its reason."""
    crit = {c.key: c for c in CRITERIA}
    out = []

    # Reach: the known parts are a lower bound, so they can prove "more than", but only
    # both parts together can prove "not more than".
    total = row.known_cases
    if total is not None and total > REACH_THRESHOLD:
        out.append(Bewertung(crit["reichweite"], MET, f"{fmt_int(total)} Fälle im Jahr {row.jahr}"))
    elif row.faelle_analog is not None and row.faelle_digital is not None:
        out.append(Bewertung(crit["reichweite"], NOT_MET, f"{fmt_int(total)} Fälle im Jahr {row.jahr}"))
    elif total is not None:
        out.append(Bewertung(crit["reichweite"], UNKNOWN, f"nur ein Teil der Fälle bekannt ({fmt_int(total)} im Jahr {row.jahr})"))
    else:
        out.append(Bewertung(crit["reichweite"], UNKNOWN, "keine Fallzahlen"))

    if row.professionelle_nutzer is None:
        out.append(Bewertung(crit["professionell"], UNKNOWN, "keine Angabe"))
    elif row.professionelle_nutzer:
        out.append(Bewertung(crit["professionell"], MET, ", ".join(row.professionelle_nutzer)))
    else:
        out.append(Bewertung(crit["professionell"], NOT_MET, "keine solche Nutzergruppe"))

    if row.efa_verfuegbar is None:
        out.append(Bewertung(crit["efa"], UNKNOWN, "keine Angabe"))
    elif row.efa_verfuegbar:
        out.append(Bewertung(crit["efa"], MET, row.efa_bezeichnung or "verfügbar"))
    else:
        out.append(Bewertung(crit["efa"], NOT_MET, "keine Lösung verfügbar"))

    signs = []
    if row.email_pdf:
        signs.append("PDF per E-Mail wird von Hand übertragen")
    if row.rueckstand:
        signs.append(f"Bearbeitungsstau {fmt_int(row.rueckstand)} Fälle")
    if row.faelle_analog is not None and row.faelle_analog >= HIGH_ANALOG_CASES:
        signs.append(f"{fmt_int(row.faelle_analog)} analoge Fälle im Jahr")
    if signs:
        out.append(Bewertung(crit["entlastung"], MET, "; ".join(signs)))
    elif row.rueckstand == 0 and row.faelle_analog is not None:
        out.append(Bewertung(crit["entlastung"], NOT_MET, f"kein E-Mail-Kanal, kein Stau, {fmt_int(row.faelle_analog)} analoge Fälle"))
    else:
        unknown = [name for name, value in (("Bearbeitungsstau", row.rueckstand), ("analogen Fällen", row.faelle_analog)) if value is None]
        out.append(Bewertung(crit["entlastung"], UNKNOWN, "keine Angabe zu " + " und ".join(unknown)))
    return out


@dataclass
class Prioritaet:
    rang: int
    zeile: Zeile
    bewertungen: list[Bewertung]

    @property
    def punkte(self) -> int:
        return sum(b.status == MET for b in self.bewertungen)

    @property
    def offen(self) -> int:
        return sum(b.status == UNKNOWN for b in self.bewertungen)


def rank(rows: list[Zeile]) -> list[Prioritaet]:
    """Still-analog services, most criteria met first (see module docstring for ties)."""
    assessed = [(row, assess(row)) for row in rows if row.verfuegbarkeit == "analog"]

    def key(item):
        row, marks = item
        met = sum(b.status == MET for b in marks)
        cases = row.known_cases if row.known_cases is not None else -1
        return (-met, -cases, sort_key(row.name), row.id)

    assessed.sort(key=key)
    return [Prioritaet(i, row, marks) for i, (row, marks) in enumerate(assessed, start=1)]


# --------------------------------------------------------------------------- headline figures


@dataclass
class Anteil:
    """Digital share of a group of services (a Lebenslage, an office)."""

    key: str
    label: str
    digital: int
    gesamt: int

    @property
    def prozent(self) -> str:
        return fmt_pct(self.digital, self.gesamt)


@dataclass
class Kanalzahl:
    key: str
    label: str
    hauptkanal: int  # services whose first online channel is in this group
    mit_kanal: int  # services offering any channel of this group


@dataclass
class Fahrplanjahr:
    jahr: str
    zeilen: list[Zeile]

    @property
    def ende_zu_ende(self) -> int:
        return sum(r.ende_zu_ende is True for r in self.zeilen)

    @property
    def nicht_ende_zu_ende(self) -> int:
        return sum(r.ende_zu_ende is False for r in self.zeilen)

    @property
    def ohne_angabe(self) -> int:
        return sum(r.ende_zu_ende is None for r in self.zeilen)


@dataclass
class Abdeckung:
    label: str
    bekannt: int
    von: int


@dataclass
class Bericht:
    stadt: str
    stand: str | None
    zeilen: list[Zeile]
    ausserhalb: list[tuple[str, str, str]]  # (service id, office id, office name) of services not run by the city
    kanaele: list[Kanalzahl] = field(default_factory=list)
    nur_analog: int = 0
    analog_mit_email_pdf: int = 0
    stufen: dict[str, int] = field(default_factory=dict)
    je_lebenslage: list[Anteil] = field(default_factory=list)
    je_amt: list[Anteil] = field(default_factory=list)
    fahrplan: list[Fahrplanjahr] = field(default_factory=list)
    analog_ohne_planung: int = 0
    prioritaet: list[Prioritaet] = field(default_factory=list)
    abdeckung: list[Abdeckung] = field(default_factory=list)
    quellen: list[str] = field(default_factory=list)  # from data/lotse.yml, see report_sources
    verzeichnis_gesamt: int = 0  # every service in the directory, the start page's count
    vergleich: dict | None = None  # the city's own count (data/lotse.yml, vergleich_stadt)
    pruefen: list = field(default_factory=list)  # lotse.frische.Veraltet: dated facts to check again

    @property
    def gesamt(self) -> int:
        return len(self.zeilen)

    @property
    def digital(self) -> int:
        return sum(r.is_digital for r in self.zeilen)

    @property
    def ausserhalb_je_stelle(self) -> list[tuple[str, str, int]]:
        """(office id, office name, number of services) for the offices outside the city, A–Z."""
        counts: dict[tuple[str, str], int] = {}
        for _sid, amt_id, amt_name in self.ausserhalb:
            counts[(amt_id, amt_name)] = counts.get((amt_id, amt_name), 0) + 1
        return [(i, n, c) for (i, n), c in sorted(counts.items(), key=lambda kv: (sort_key(kv[0][1]), kv[0][0]))]

    @property
    def kennzahl_quellen(self) -> list[str]:
        return sorted({r.kennzahl_quelle for r in self.zeilen if r.kennzahl_quelle}, key=sort_key)

    @property
    def planung_quellen(self) -> list[str]:
        return sorted({r.planung_quelle for r in self.zeilen if r.planung_quelle}, key=sort_key)


def compute(ds: Dataset, today=None) -> Bericht:
    """The whole overview from a validated dataset (``today`` decides what counts as old)."""
    city, outside = [], []
    for sid in sorted(ds.leistungen):
        data = ds.leistungen[sid].data
        if data.get("geprueft") is False:
            continue  # taken over from the state directory, not yet confirmed by the city: not its figures
        if ds.is_city(data["zustaendig"]):
            city.append(build_row(ds, sid))
        else:
            amt = ds.aemter.get(data["zustaendig"])
            outside.append((sid, data["zustaendig"], amt.data["name"] if amt else data["zustaendig"]))
    rows = sorted(city, key=lambda r: (sort_key(r.name), r.id))
    rep = Bericht(stadt=ds.settings.get("stadt", ""), stand=ds.settings.get("stand"), zeilen=rows, ausserhalb=outside)

    portal = ds.settings.get("portale", {}).get("amt24_name") or "Landesportal"
    for key, label, types in CHANNEL_GROUPS:
        rep.kanaele.append(Kanalzahl(
            key, label.replace("{portal}", portal),
            hauptkanal=sum(r.hauptkanal == key for r in rows),
            mit_kanal=sum(any(t in types for t in r.online_kanaele) for r in rows),
        ))
    analog = [r for r in rows if r.verfuegbarkeit == "analog"]
    rep.nur_analog = len(analog)
    rep.analog_mit_email_pdf = sum(r.email_pdf for r in analog)
    rep.stufen = {level: sum(r.verfuegbarkeit == level for r in rows) for level in LEVELS}

    by_id = {r.id: r for r in rows}
    for ll_id in sorted(ds.lebenslagen, key=lambda i: (sort_key(ds.lebenslagen[i].data["titel"]), i)):
        members = []
        for schritt in ds.lebenslagen[ll_id].data.get("schritte", []):
            for sid in schritt.get("leistungen", []):
                if sid in by_id and sid not in members:
                    members.append(sid)
        if members:
            rep.je_lebenslage.append(Anteil(
                ll_id, ds.lebenslagen[ll_id].data["titel"],
                digital=sum(by_id[s].is_digital for s in members), gesamt=len(members),
            ))
    offices: dict[str, list[Zeile]] = {}
    for r in rows:
        offices.setdefault(r.amt_id, []).append(r)
    for amt_id, members in sorted(offices.items(), key=lambda kv: (sort_key(kv[1][0].amt_name), kv[0])):
        rep.je_amt.append(Anteil(amt_id, members[0].amt_name, sum(r.is_digital for r in members), len(members)))

    planned: dict[str, list[Zeile]] = {}
    for r in rows:
        if r.digital_bis:
            planned.setdefault(r.digital_bis[:4], []).append(r)
    for jahr in sorted(planned):
        members = sorted(planned[jahr], key=lambda r: (r.digital_bis, sort_key(r.name), r.id))
        rep.fahrplan.append(Fahrplanjahr(jahr, members))
    rep.analog_ohne_planung = sum(r.digital_bis is None for r in analog)

    rep.prioritaet = rank(rows)

    n = len(rows)
    rep.abdeckung = [
        Abdeckung("Fallzahlen (analog oder digital)", sum(r.has_cases for r in rows), n),
        Abdeckung("Fallzahlen analog und digital", sum(r.faelle_analog is not None and r.faelle_digital is not None for r in rows), n),
        Abdeckung("Mindestbearbeitungszeit (analog oder digital)", sum(r.min_analog is not None or r.min_digital is not None for r in rows), n),
        Abdeckung("Bearbeitungsstau", sum(r.rueckstand is not None for r in rows), n),
        Abdeckung("Durchlauf pro Monat", sum(r.durchlauf is not None for r in rows), n),
        Abdeckung("Planung der Digitalisierung", sum(r.digital_bis is not None for r in analog), len(analog)),
        Abdeckung("Professionelle Nutzergruppen", sum(r.professionelle_nutzer is not None for r in analog), len(analog)),
        Abdeckung("EfA-Lösung", sum(r.efa_verfuegbar is not None for r in analog), len(analog)),
    ]
    rep.quellen = report_sources(ds)
    rep.verzeichnis_gesamt = len(ds.leistungen)
    rep.vergleich = ds.settings.get("vergleich_stadt")
    from ..frische import stale

    rep.pruefen = stale(ds, today)
    return rep


# --------------------------------------------------------------------------- sentences
# Shared by the Markdown report and the page, so both say the same in the same words.


def count(n: int, one: str, many: str) -> str:
    return f"{fmt_int(n)} {one if n == 1 else many}"


def scope_sentence(rep: Bericht) -> str:
    return (
        f"Gezählt werden {count(rep.gesamt, 'Leistung', 'Leistungen')}, für die eine Stelle der Stadt zuständig ist; "
        f"online beantragen lassen sich {fmt_int(rep.digital)} davon ({fmt_pct(rep.digital, rep.gesamt)}). "
        "Ein PDF-Formular per E-Mail zählt, wie in der Zählung der Stadt, nicht als digital."
    )


def counting_sentence(rep: Bericht) -> str:
    """One explanation of which services each figure covers: start page, this report, the city's own count."""
    text = (f"Welche Leistungen zählen: Die Startseite zählt alle {count(rep.verzeichnis_gesamt, 'Leistung', 'Leistungen')} "
            f"des Verzeichnisses, auch die von Stellen außerhalb der Stadtverwaltung (etwa Familienkasse, Finanzamt). "
            f"Dieser Bericht zählt nur die {count(rep.gesamt, 'Leistung', 'Leistungen')}, für die eine Stelle der Stadt zuständig ist.")
    v = rep.vergleich
    if v:
        text += (f" Die Stadt selbst zählt {fmt_int(v['digital'])} digital beantragbare Leistungen ({v['quelle']['titel']}); "
                 f"diese Zahl ist unten der Nenner. Ihre Liste je Leistung ist nicht veröffentlicht, deshalb erfasst Lotse "
                 f"nur einen Teil davon.")
    return text


def comparison_sentence(rep: Bericht) -> str | None:
    v = rep.vergleich
    if not v:
        return None
    return (f"Von den {fmt_int(v['digital'])} Leistungen, die die Stadt als digital beantragbar zählt, sind "
            f"{fmt_int(rep.digital)} ({fmt_pct(rep.digital, v['digital'])}) in Lotse mit Online-Weg erfasst.")


def comparison_rows(rep: Bericht) -> list[list[str]]:
    """Per council group: the city's count (the denominator) and what Lotse has recorded."""
    v = rep.vergleich or {}
    rows = []
    for k in rep.kanaele:
        city = v.get(k.key)
        rows.append([k.label, fmt_int(city), fmt_int(k.hauptkanal), fmt_pct(k.hauptkanal, city) if city else "–"])
    rows.append(["Zusammen", fmt_int(v.get("digital")), fmt_int(rep.digital), fmt_pct(rep.digital, v["digital"]) if v.get("digital") else "–"])
    return rows


COMPARISON_HEADERS = ["Kanal", "Zählung der Stadt", "in Lotse erfasst", "Anteil erfasst"]


def headline_rows(rep: Bericht) -> list[list[str]]:
    rows = [["Städtische Leistungen in Lotse", fmt_int(rep.gesamt)],
            ["davon online beantragbar", f"{fmt_int(rep.digital)} ({fmt_pct(rep.digital, rep.gesamt)})"],
            ["davon nur analog", f"{fmt_int(rep.nur_analog)} ({fmt_pct(rep.nur_analog, rep.gesamt)})"],
            ["Ende-zu-Ende (Bescheid kommt digital zurück)", fmt_int(rep.stufen.get("ende-zu-ende", 0))]]
    if rep.vergleich:
        rows.insert(0, ["Digital beantragbar laut Zählung der Stadt", fmt_int(rep.vergleich["digital"])])
    return rows


HEADLINE_HEADERS = ["Kennzahl", "Wert"]


def check_rows(rep: Bericht) -> list[list[str]]:
    return [[f"{v.kind} „{v.name}“", v.field, v.datum, fmt_int(v.alter_tage), f"{v.datei}:{v.line}"] for v in rep.pruefen]


CHECK_HEADERS = ["Eintrag", "Angabe", "Datum", "Alter in Tagen", "Datei"]


def coverage_sentence(rep: Bericht) -> str:
    """The plain statement for the top of page and report."""
    cases = rep.abdeckung[0]
    return (
        f"Fallzahlen sind für {fmt_int(cases.bekannt)} von {count(cases.von, 'städtischen Leistung', 'städtischen Leistungen')} bekannt. "
        f"Fehlende Werte stehen als „{MISSING}“ da: Sie sind nicht null, sondern nicht erhoben oder noch nicht eingetragen."
    )


NOTES = {
    "ueberblick": "Die wichtigsten Zahlen zuerst. Die Zählung der Stadt stammt aus ihrer Antwort auf die Ratsanfrage; "
                  "die übrigen Zahlen berechnet Lotse aus seinen Daten.",
    "pruefen": "Angaben, deren Datum älter ist als die in data/lotse.yml eingestellte Grenze (frische). Sie sind nicht falsch, "
               "aber sie sollten erneut geprüft werden: bitte prüfen.",
    "datenlage": "Wie viele Leistungen welche Angabe haben. Die letzten drei Zeilen beziehen sich nur auf die analogen Leistungen.",
    "kanaele": "Aufgeteilt wie in der Antwort der Stadt: Landesportal, Antragsformular auf der Website, EfA und andere Portale. "
               "Jede Leistung zählt einmal, bei ihrem ersten Online-Kanal (Hauptkanal); die letzte Spalte zählt jede Leistung, "
               "die den Kanal überhaupt anbietet.",
    "digitalisierungsgrad": "analog: kein Online-Kanal. digital: Antrag online möglich. Ende-zu-Ende: auch der Bescheid kommt digital zurück.",
    "lebenslagen": "Gezählt werden die städtischen Leistungen einer Lebenslage.",
    "stellen": "Gezählt nach der zuständigen Stelle der Leistung.",
    "fahrplan": "Leistungen mit eingetragener Planung nach dem Jahr, bis zu dem sie digital sein sollen, und ob Ende-zu-Ende. "
                "Die Stadt weist darauf hin, dass Ende-zu-Ende meist noch nicht möglich ist, weil der Rückkanal über BundID "
                "und Mein Unternehmenskonto fehlt.",
    "prioritaeten": "Die Stadt nennt in ihrer Antwort vom 20.05.2025 vier Kriterien für die Reihenfolge der Digitalisierung. "
                    "Lotse prüft jede analoge Leistung darauf. Jedes erfüllte Kriterium zählt einen Punkt, denn die Stadt nennt "
                    "keine Gewichtung. Bei gleicher Punktzahl steht die Leistung mit mehr bekannten Fällen vorn, dann entscheidet "
                    "der Name. „unbekannt“ heißt: die Angabe fehlt in den Daten; das zählt weder als erfüllt noch als nicht erfüllt.",
    "tabelle": "Eine Zeile je Leistung mit den Spalten der Ratsanfrage. Die Kennzahlen stammen aus dem letzten Jahr, für das "
               "welche eingetragen sind, mit Jahr und Quelle. „keine Angabe“ heißt: nicht erhoben oder noch nicht eingetragen, nicht null.",
}
NO_LEBENSLAGE = "Keine Lebenslage enthält eine städtische Leistung."
NO_PLAN = "Für keine Leistung ist eine Planung eingetragen."
NO_ANALOG = "Keine analoge Leistung."
NOTHING_TO_CHECK = "Keine Angabe ist älter als die eingestellte Grenze."


def analog_sentence(rep: Bericht) -> str:
    return (f"Nur analog: {count(rep.nur_analog, 'Leistung', 'Leistungen')}, "
            f"davon {fmt_int(rep.analog_mit_email_pdf)} mit PDF-Antrag per E-Mail.")


def priority_sentence(rep: Bericht) -> str:
    """How much the ranking says: with nothing known, the order is only alphabetical."""
    n = len(rep.prioritaet)
    scored = sum(p.punkte > 0 for p in rep.prioritaet)
    blank = sum(p.offen == len(CRITERIA) for p in rep.prioritaet)
    text = f"Nach den vorhandenen Daten erfüllen {fmt_int(scored)} von {count(n, 'analogen Leistung', 'analogen Leistungen')} mindestens ein Kriterium."
    if blank:
        text += (f" Bei {count(blank, 'Leistung', 'Leistungen')} ist noch keines der vier Kriterien bekannt; "
                 "dort folgt die Reihenfolge nur dem Namen und sagt nichts über die Priorität.")
    return text


def unplanned_sentence(rep: Bericht) -> str:
    return f"Analoge Leistungen ohne eingetragene Planung: {fmt_int(rep.analog_ohne_planung)} von {fmt_int(rep.nur_analog)}."


def excluded_sentence(rep: Bericht) -> str:
    """Only the lead-in; the offices follow (as links on the page)."""
    return (f"Nicht mitgezählt: {count(len(rep.ausserhalb), 'Leistung', 'Leistungen')}, "
            "für die eine Stelle außerhalb der Stadtverwaltung zuständig ist: ")


# --------------------------------------------------------------------------- CSV


def to_csv(rep: Bericht) -> str:
    """The council table as CSV for spreadsheets.

    Semicolon-separated, UTF-8 with byte order mark, decimal comma: the form that
    German spreadsheet programs open directly with umlauts intact. Missing values
    are empty cells, never 0.
    """
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.header for c in COLUMNS])
    for row in rep.zeilen:
        writer.writerow([csv_cell(c.csv(row)) for c in COLUMNS])
    return buf.getvalue()


# --------------------------------------------------------------------------- Markdown


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def md_table(headers: list[str], rows: list[list], align: str = "") -> str:
    """A Markdown table; ``align`` holds one "l" or "r" per column (default left)."""
    align = align or "l" * len(headers)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


COVERAGE_HEADERS = ["Angabe", "bekannt", "von", "Anteil"]


def coverage_rows(rep: Bericht) -> list[list[str]]:
    return [[a.label, fmt_int(a.bekannt), fmt_int(a.von), fmt_pct(a.bekannt, a.von)] for a in rep.abdeckung]


def channel_rows(rep: Bericht) -> list[list[str]]:
    rows = [[k.label, fmt_int(k.hauptkanal), fmt_int(k.mit_kanal)] for k in rep.kanaele]
    rows.append(["Nur analog (kein Online-Kanal)", fmt_int(rep.nur_analog), "–"])
    return rows


CHANNEL_HEADERS = ["Kanal", "Leistungen (Hauptkanal)", "Leistungen mit diesem Kanal"]


LEVEL_HEADERS = ["Digitalisierungsgrad", "Leistungen", "Anteil"]
SHARE_HEADERS = ["digital", "Leistungen", "Anteil digital"]


def level_rows(rep: Bericht) -> list[list[str]]:
    return [[LEVEL_LABELS[level], fmt_int(n), fmt_pct(n, rep.gesamt)] for level, n in rep.stufen.items()]


def share_rows(shares: list[Anteil]) -> list[list[str]]:
    return [[a.label, fmt_int(a.digital), fmt_int(a.gesamt), a.prozent] for a in shares]


def roadmap_rows(rep: Bericht) -> list[list[str]]:
    return [
        [j.jahr, fmt_int(len(j.zeilen)), fmt_int(j.ende_zu_ende), fmt_int(j.nicht_ende_zu_ende), fmt_int(j.ohne_angabe)]
        for j in rep.fahrplan
    ]


ROADMAP_DETAIL_HEADERS = ["Digital bis", "Leistung", "heute", "Ende-zu-Ende geplant", "Quelle"]


def roadmap_detail(r: Zeile) -> list[str]:
    """One planned service; the second cell is the service's name."""
    return [r.digital_bis, r.name, LEVEL_LABELS[r.verfuegbarkeit], _bool_text(r.ende_zu_ende) or MISSING, r.planung_quelle or MISSING]


ROADMAP_HEADERS = ["Jahr", "Geplante Leistungen", "davon Ende-zu-Ende", "nicht Ende-zu-Ende", "Ende-zu-Ende: keine Angabe"]


def criteria_cells(p: Prioritaet) -> list[str]:
    return [f"{b.status}: {b.grund}" for b in p.bewertungen]


PRIORITY_HEADERS = ["Rang", "Leistung", "Punkte"] + [c.label for c in CRITERIA] + ["Digital geplant bis"]


def priority_row(p: Prioritaet) -> list[str]:
    return [str(p.rang), p.zeile.name, f"{p.punkte} von {len(CRITERIA)}"] + criteria_cells(p) + [p.zeile.digital_bis or MISSING]


# Sections of the overview, in order, for the report and the page (anchor, heading).
# Headline figures and charts first, the long lists (ranking, table per service) last.
SECTIONS = (
    ("ueberblick", "Auf einen Blick"),
    ("kanaele", "Leistungen nach Kanal"),
    ("digitalisierungsgrad", "Leistungen nach Digitalisierungsgrad"),
    ("lebenslagen", "Anteil digital je Lebenslage"),
    ("stellen", "Anteil digital je Stelle"),
    ("fahrplan", "Digitalisierungsfahrplan"),
    ("datenlage", "Datenlage"),
    ("pruefen", "Bitte prüfen"),
    ("prioritaeten", "Reihenfolge für die noch analogen Leistungen"),
    ("tabelle", "Übersicht je Leistung"),
    ("quellen", "Quellen"),
)
HEADING = dict(SECTIONS)


def to_markdown(rep: Bericht) -> str:
    """The overview as Markdown, ready to paste into a council answer."""
    out = [f"# Digitalisierung in Zahlen: {rep.stadt}", "", f"Stand der Daten: {rep.stand or MISSING}. {scope_sentence(rep)}"]
    if rep.ausserhalb:
        out += ["", excluded_sentence(rep) + "; ".join(f"{name} ({fmt_int(n)})" for _id, name, n in rep.ausserhalb_je_stelle) + "."]
    out += ["", coverage_sentence(rep)]

    def section(key: str, *blocks: str) -> None:
        out.extend(["", "## " + HEADING[key]])
        for block in ((NOTES[key],) if key in NOTES else ()) + blocks:
            out.extend(["", block])

    overview = [md_table(HEADLINE_HEADERS, headline_rows(rep), "lr"), counting_sentence(rep)]
    if rep.vergleich:
        overview += [comparison_sentence(rep), md_table(COMPARISON_HEADERS, comparison_rows(rep), "lrrr")]
    section("ueberblick", *overview)
    section("kanaele", md_table(CHANNEL_HEADERS, channel_rows(rep), "lrr"), analog_sentence(rep))
    section("digitalisierungsgrad", md_table(LEVEL_HEADERS, level_rows(rep), "lrr"))
    section("lebenslagen", md_table(["Lebenslage"] + SHARE_HEADERS, share_rows(rep.je_lebenslage), "lrrr") if rep.je_lebenslage else NO_LEBENSLAGE)
    section("stellen", md_table(["Zuständige Stelle"] + SHARE_HEADERS, share_rows(rep.je_amt), "lrrr"))
    if rep.fahrplan:
        section("fahrplan", md_table(ROADMAP_HEADERS, roadmap_rows(rep), "lrrrr"),
                md_table(ROADMAP_DETAIL_HEADERS, [roadmap_detail(r) for j in rep.fahrplan for r in j.zeilen]), unplanned_sentence(rep))
    else:
        section("fahrplan", NO_PLAN, unplanned_sentence(rep))
    section("datenlage", md_table(COVERAGE_HEADERS, coverage_rows(rep), "lrrr"))
    section("pruefen", md_table(CHECK_HEADERS, check_rows(rep), "lllrl") if rep.pruefen else NOTHING_TO_CHECK)
    if rep.prioritaet:
        section("prioritaeten", "\n".join(f"- **{c.label}**: {c.rule}" for c in CRITERIA), priority_sentence(rep),
                md_table(PRIORITY_HEADERS, [priority_row(p) for p in rep.prioritaet]))
    else:
        section("prioritaeten", "\n".join(f"- **{c.label}**: {c.rule}" for c in CRITERIA), NO_ANALOG)
    section("tabelle", md_table([c.header for c in COLUMNS], [[c.display(r) for c in COLUMNS] for r in rep.zeilen]))
    section("quellen", "\n".join(f"- {s}" for s in rep.quellen), *source_lines(rep))
    return "\n".join(out) + "\n"


def source_lines(rep: Bericht) -> list[str]:
    lines = []
    for label, items in (("Quellen der Kennzahlen", rep.kennzahl_quellen), ("Quellen der Planung", rep.planung_quellen)):
        if items:
            lines.append(f"{label}: " + "; ".join(items) + ".")
    return lines + ["Jede Leistungsseite nennt die Quellen ihrer eigenen Angaben."]


# --------------------------------------------------------------------------- CLI


@click.command()
@DATA_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True,
    help="md: Markdown-Tabellen für eine Ratsantwort; csv: die Tabelle je Leistung wie der Download auf der Website.",
)
def bericht(data_dir: Path, fmt: str):
    """Gibt die Übersicht „Digitalisierung in Zahlen“ aus.

    Beispiel: ``lotse bericht --data data --format md > bericht.md``. Dieselben
    Zahlen wie auf der Seite /digitalisierung/; mit ``--format csv`` genau die
    CSV-Datei, die dort zum Download steht. Ungültige Daten werden wie bei
    ``lotse validate`` gemeldet (Status 1).
    """

    ds, problems = load(data_dir)
    if problems:
        report_problems(problems)
        sys.exit(1)
    rep = compute(ds)
    text = to_csv(rep) if fmt == "csv" else to_markdown(rep)
    # Bytes, not text: no newline translation or locale encoding, so the CSV is
    # byte-identical to the download on every platform.
    click.echo(text.encode("utf-8"), nl=False)
