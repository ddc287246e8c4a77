"""From outcomes to the two report files: report.json for machines, report.md for editors.

report.json: ``{"links": [{"url", "status", "http_status", "final_url", "used_by",
...}], ...run metadata}``; links sorted by URL, ``used_by`` the sorted data files.
report.md (German): a summary table, then one section per responsible office
with what to fix, where (file, line, field) and why.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from .checker import Outcome
from .collect import Suppression, Use
from .history import History

STATUSES = ("broken", "redirect", "transient", "ok", "skipped")
STATUS_LABEL = {
    "broken": "Kaputt",
    "redirect": "Umgezogen",
    "transient": "Vorübergehend gestört",
    "ok": "In Ordnung",
    "skipped": "Ausgenommen",
}
NO_OFFICE = "Ohne zuständige Stelle (Konfiguration, Lebenslagen)"


@dataclass
class Link:
    url: str
    status: str
    uses: list[Use]
    outcome: Outcome | None = None
    suppression: Suppression | None = None
    consecutive_failures: int = 0
    recent: list[str] = field(default_factory=list)
    flapping: bool = False

    @property
    def reason(self) -> str | None:
        if self.suppression:
            return self.suppression.reason
        if self.outcome and self.outcome.result == "fail":
            return describe(self.outcome)
        return None

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "url": self.url,
            "status": self.status,
            "http_status": o.http_status if o else None,
            "final_url": o.final_url if o else None,
            "used_by": sorted({u.file for u in self.uses}),
            "fields": [u.as_dict() for u in self.uses],
            "moved_to": o.moved_to if o else None,
            "reason": self.reason,
            "code": o.code if o else ("suppressed" if self.suppression else None),
            "attempts": o.attempts if o else 0,
            "consecutive_failures": self.consecutive_failures,
            "history": self.recent,
            "flapping": self.flapping,
        }


# Failures that another try would only repeat: the page or server is not there, or
# the address itself is wrong. A run without memory (a pull request) calls these
# broken at once; 401/403 (bot blocks), 429, 5xx, timeouts and dropped connections
# stay transient there, since they are often the server's mood, not the editor's typo.
CERTAIN_CODES = frozenset({"http-404", "http-410", "dns", "refused", "tls", "loop", "too-many-redirects", "bad-redirect", "invalid-url", "internal"})


def classify(
    uses: dict[str, list[Use]], outcomes: dict[str, Outcome], supp: dict[str, Suppression],
    history: History, needed: int | None,
) -> list[Link]:
    """Final class per URL. ``history`` must already contain this run's results.

    ``needed`` failed runs in a row make a link broken; ``None`` means a run
    without memory, where only :data:`CERTAIN_CODES` make it broken.
    """
    links = []
    for url, where in uses.items():
        if url in supp:
            links.append(Link(url, "skipped", where, suppression=supp[url], recent=history.results(url)))
            continue
        outcome = outcomes[url]
        fails = history.consecutive_failures(url)
        if outcome.result == "fail" and needed is None:
            status = "broken" if outcome.code in CERTAIN_CODES else "transient"
        elif outcome.result == "fail":
            status = "broken" if fails >= needed else "transient"
        else:
            status = outcome.result
        links.append(Link(url, status, where, outcome, None, fails, history.results(url), history.flapping(url)))
    return links


def describe(o: Outcome) -> str:
    """Why a URL failed, in German, for editors."""
    code = o.code or ""
    if code.startswith("http-"):
        status = o.http_status
        if status == 404:
            return "Seite nicht gefunden (HTTP 404)"
        if status == 410:
            return "Seite wurde entfernt (HTTP 410)"
        if status in (401, 403):
            return (f"Zugriff verweigert (HTTP {status}). Manche Server sperren Prüfprogramme: wenn die Seite "
                    "im Browser funktioniert, mit Grund in die Ausnahmeliste data/linkcheck-ignore.yml eintragen")
        if status == 429:
            return "Der Server meldet zu viele Anfragen (HTTP 429), auch nach Wartezeit"
        if status and status >= 500:
            return f"Serverfehler (HTTP {status}), auch nach {o.attempts} Versuchen"
        return f"Fehler HTTP {status}"
    texts = {
        "dns": "Servername unbekannt (DNS): die Adresse führt nirgendwohin",
        "refused": "Verbindung abgelehnt: unter dieser Adresse antwortet kein Server",
        "tls": "Zertifikatsfehler (TLS): der Browser würde vor dieser Seite warnen",
        "loop": "Weiterleitungsschleife: die Adresse leitet im Kreis",
        "too-many-redirects": f"Zu viele Weiterleitungen (mehr als {o.detail})",
        "bad-redirect": f"Weiterleitung auf eine ungültige Adresse ({o.detail})",
        "timeout": f"Keine Antwort in der Wartezeit, auch nach {o.attempts} Versuchen",
        "reset": f"Verbindung abgebrochen, auch nach {o.attempts} Versuchen",
        "connect": f"Verbindung nicht möglich, auch nach {o.attempts} Versuchen",
        "invalid-url": "Die Adresse ist ungültig",
        "internal": f"nicht geprüft: interne Adresse ({o.detail}). Links müssen auf öffentliche Server zeigen, nicht auf "
                    "localhost, private oder lokale Netze",
        "bad-response": "Der Server antwortet fehlerhaft",
    }
    return texts.get(code, f"Fehler beim Abruf ({o.detail or code})")


def summary_counts(links: list[Link]) -> dict[str, int]:
    counts = Counter(link.status for link in links)
    return {s: counts.get(s, 0) for s in STATUSES}


def report_json(links: list[Link], meta: dict) -> str:
    doc = {"links": [link.as_dict() for link in links]}
    doc.update(meta)
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- Markdown

ACTIONS = (
    ("broken", "Kaputt – bitte korrigieren"),
    ("redirect", "Umgezogen – neue Adresse eintragen"),
    ("transient", "Vorübergehend gestört – wird beim nächsten Lauf erneut geprüft"),
)
# A pull-request run (--new-since) has no next run for its new links: the editor looks now.
TRANSIENT_WITHOUT_MEMORY = "Nicht sicher erreichbar – bitte im Browser prüfen"


def _where(use: Use) -> str:
    return f"`{use.file}`, Zeile {use.line}, Feld `{use.field}`"


def _md(text: str) -> str:
    """Escape what Markdown would otherwise interpret in names taken from the data."""
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


def _item(link: Link, uses: list[Use], needed: int | None) -> list[str]:
    o = link.outcome
    if link.status == "redirect":
        head = f"- `{link.url}` → neue Adresse: `{o.moved_to}`"
        if o.final_url and o.final_url != o.moved_to:
            head += f" (landet auf `{o.final_url}`)"
    elif needed is None:
        head = f"- `{link.url}` – {link.reason}"
    elif link.status == "broken":
        head = f"- `{link.url}` – {link.reason}; gescheitert in {link.consecutive_failures} Läufen nacheinander"
    else:
        head = f"- `{link.url}` – {link.reason}; {link.consecutive_failures}. Fehlschlag in Folge (kaputt ab {needed})"
    if link.flapping:
        head += " – wackelig: " + _pattern(link.recent)
    lines = [head]
    lines += [f"  - {_where(u)}" for u in uses]
    return lines


def _pattern(recent: list[str]) -> str:
    return "".join("✗" if r == "fail" else "✓" for r in recent) + " (älteste zuerst)"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60} s"


def report_markdown(links: list[Link], meta: dict, office_names: dict[str, str], stale: list[Suppression], ignore_path: str | None) -> str:
    counts = summary_counts(links)
    needed = meta["consecutive_failures_needed"]
    since = meta.get("new_since")  # set for a pull-request run: only new URLs, no memory (needed is None)
    when = f"Lauf vom {meta['started'][:10]} um {meta['started'][11:16]} UTC"
    if since:
        out = [f"# Linkprüfung {meta.get('city') or ''}".rstrip() + ": neue Adressen", ""]
        base = f"`{since}` (`{(meta.get('base_commit') or '')[:12]}`)"
        if meta["url_count"]:
            out.append(f"{when}: {meta['url_count']} Adressen, die seit {base} neu in den Daten sind, geprüft in {_duration(meta['duration_seconds'])}.")
        else:
            out.append(f"{when}: Seit {base} ist keine Adresse neu in den Daten; nichts zu prüfen.")
    else:
        out = [f"# Linkprüfung {meta.get('city') or ''}".rstrip(), ""]
        out.append(f"{when}: {meta['url_count']} Adressen geprüft in {_duration(meta['duration_seconds'])}.")
    out.append("")
    out += ["| Ergebnis | Anzahl | Bedeutung |", "|---|---:|---|"]
    meaning = {
        "broken": f"in {needed} Läufen nacheinander nicht erreichbar: bitte korrigieren",
        "redirect": "dauerhaft weitergeleitet (301/308): neue Adresse eintragen",
        "transient": f"gescheitert, aber noch nicht {needed}-mal nacheinander: wird erneut geprüft",
        "ok": "erreichbar",
        "skipped": "steht in der Ausnahmeliste und wird nicht abgerufen",
    }
    label = dict(STATUS_LABEL)
    if needed is None:
        label["transient"] = "Nicht sicher erreichbar"
        meaning["broken"] = "eindeutig nicht erreichbar (Seite nicht gefunden, Server unbekannt, Zertifikatsfehler …): bitte korrigieren"
        meaning["transient"] = "nicht erreicht, aber vielleicht nur gesperrt oder kurz gestört (403, 429, Serverfehler, Zeitüberschreitung): im Browser prüfen"
    for status in STATUSES:
        out.append(f"| {label[status]} | {counts[status]} | {meaning[status]} |")
    out.append("")

    # Group uses by the office responsible for the file, so each editor finds their own links.
    groups: dict[str | None, dict[str, list[tuple[Link, list[Use]]]]] = {}
    for link in links:
        if link.status not in ("broken", "redirect", "transient"):
            continue
        by_office: dict[str | None, list[Use]] = {}
        for use in link.uses:
            by_office.setdefault(use.amt, []).append(use)
        for amt, uses in by_office.items():
            groups.setdefault(amt, {}).setdefault(link.status, []).append((link, uses))

    if not groups:
        out += ["Alles in Ordnung: kein Link ist kaputt, umgezogen oder gestört.", ""]

    def office_key(amt):
        return (amt is None, (office_names.get(amt) or amt or "").casefold(), amt or "")

    for amt in sorted(groups, key=office_key):
        title = NO_OFFICE if amt is None else f"{_md(office_names.get(amt, amt))} (`{amt}`)"
        out += [f"## {title}", ""]
        for status, heading in ACTIONS:
            if status == "transient" and needed is None:
                heading = TRANSIENT_WITHOUT_MEMORY
            items = groups[amt].get(status)
            if not items:
                continue
            out += [f"### {heading}", ""]
            for link, uses in items:
                out += _item(link, uses, needed)
            out.append("")

    flapping = [link for link in links if link.flapping and link.status in ("ok", "redirect")]
    if flapping:
        out += ["## Wackelige Links", "", "Zurzeit erreichbar, aber in den letzten Läufen mehrmals gescheitert (✓ erreichbar, ✗ gescheitert):", ""]
        for link in flapping:
            out.append(f"- `{link.url}`: {_pattern(link.recent)}")
            out += [f"  - {_where(u)}" for u in link.uses]
        out.append("")

    skipped = [link for link in links if link.status == "skipped"]
    if skipped or stale:
        out += ["## Ausnahmeliste", ""]
        if skipped:
            out += [f"Nicht abgerufen, weil sie in `{ignore_path}` stehen:", ""]
            for link in skipped:
                out.append(f"- `{link.url}` – {_md(link.suppression.reason)}")
            out.append("")
        if stale:
            out += [f"Diese Ausnahmen passen zu keiner Adresse in den Daten mehr und können aus `{ignore_path}` entfernt werden:", ""]
            for s in stale:
                out.append(f"- Zeile {s.line}: `{s.url}`")
            out.append("")

    if since:
        footer = (f"Erzeugt mit `lotse linkcheck --new-since {since}`: geprüft werden nur Adressen, die seit diesem Stand "
                  "neu in den Daten sind, jede einmal und ohne Verlauf; alle übrigen prüft die nächtliche Linkprüfung. "
                  "„Kaputt“ heißt: eindeutig nicht erreichbar. ")
    else:
        footer = (f"Erzeugt mit `lotse linkcheck`. „Kaputt“ heißt: in {needed} Läufen nacheinander gescheitert; "
                  "ein einzelner Fehlschlag in der Nacht ist oft nur eine kurze Störung. ")
    out += ["---", "", footer + "Ausnahmen mit Begründung stehen in `data/linkcheck-ignore.yml`.", ""]
    return "\n".join(out)
