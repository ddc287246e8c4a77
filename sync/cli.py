"""``lotse sync``: keep records in step with external sources."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import sys
from pathlib import Path

import click

from lotse import DEFAULT_DATA
from lotse.validator import load

from . import SyncError, listing
from .hosts import DEFAULT_HOSTS, idn_warning, load_hosts
from .http import DEFAULT_RETRIES, DEFAULT_TIMEOUT, DEFAULT_ZEITLIMIT, Budget, Fetcher
from .ozg import DEFAULT_API_URL, DEFAULT_PAGE_SIZE, WHAT, fetch
from .plan import Plan, make_plan
from .state import load_state, render_state, state_path
from .writer import RecordWriter, atomic_write

SOURCE = "ozg"


class SyncFailed(click.ClickException):
    """A fault: German message, exit status 1, and whether anything changed."""

    def __init__(self, message: str, partial: bool = False):
        super().__init__(message)
        self.partial = partial

    def show(self, file=None):
        click.echo(f"Fehler: {self.message}", err=True)
        if not self.partial:
            click.echo("Es wurde nichts geändert.", err=True)


class Progress:
    """A click progress bar on a terminal; plain lines otherwise (CI logs, pipes)."""

    def __init__(self, label: str, length: int | None = None):
        self.label = label
        self.tty = sys.stderr.isatty()
        self.bar = None
        if self.tty:
            source = {"length": length} if length else {"iterable": itertools.repeat(None)}
            self.bar = click.progressbar(label=label, file=sys.stderr, show_pos=True, **source)
            self.bar.__enter__()
        else:
            click.echo(f"{label} …", err=True)

    def update(self, steps: int = 1, total: int | None = None, line: str | None = None) -> None:
        if self.bar is not None:
            if total:
                self.bar.length = total
            self.bar.update(steps)
        elif line:
            click.echo(f"  {line}", err=True)

    def done(self, line: str | None = None) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        if line:
            click.echo(f"{self.label}: {line}", err=True)


@click.group()
def sync():
    """Gleicht das Verzeichnis mit externen Quellen ab.

    Beispiel: ``lotse sync ozg --dry-run`` zeigt, was der Abgleich mit dem
    OZG-Dashboard ändern würde, ohne etwas zu schreiben.
    """


@sync.command("ozg")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA, show_default=True,
              help="Datenordner mit lotse.yml und services/.")
@click.option("--ars", help="12-stelliger Regionalschlüssel. Standard: „ars“ aus lotse.yml (Leipzig: 147130000000).")
@click.option("--api-url", default=DEFAULT_API_URL, show_default=True, help="Basisadresse der Dashboard-API (Tests: ein lokaler Server).")
@click.option("--dry-run", is_flag=True, help="Nichts schreiben: Änderungen als Diff je Datei und die Zusammenfassung ausgeben.")
@click.option("--hosts", "hosts_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=f"Host-Tabelle (Host → Kanaltyp). Standard: {DEFAULT_HOSTS.name} im Paket sync.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=DEFAULT_TIMEOUT, show_default=True,
              help="Sekunden je Antwort, vom Verbindungsaufbau bis zum letzten Byte.")
@click.option("--zeitlimit", type=click.FloatRange(1, 6 * 3600), default=DEFAULT_ZEITLIMIT, show_default=True,
              help="Sekunden für den ganzen Abruf samt Wiederholungen; danach bricht der Abgleich ab, ohne etwas zu ändern.")
@click.option("--retries", type=click.IntRange(0, 10), default=DEFAULT_RETRIES, show_default=True,
              help="Wiederholungen bei Verbindungsfehlern, 429 und 5xx (mit wachsender Wartezeit).")
@click.option("--page-size", type=click.IntRange(1, 10_000), default=DEFAULT_PAGE_SIZE, show_default=True, help="Einträge je Seite.")
@click.option("--summary-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Zusammenfassung zusätzlich in diese Datei schreiben (Markdown, etwa als Text des Pull Requests).")
def ozg(data_dir: Path, ars: str | None, api_url: str, dry_run: bool, hosts_file: Path | None, timeout: float,
        zeitlimit: float, retries: int, page_size: int, summary_file: Path | None):
    """Abgleich mit dem OZG-Dashboard „Digitale Verwaltung“ (Datenquelle für Sachsen: Amt24).

    Übernimmt je LeiKa-Schlüssel Adresse, Typ und Status des Online-Dienstes
    sowie die OZG-Leistung in die Leistungen; sonst wird nichts verändert.
    Leistungen, die das Dashboard kennt, das Verzeichnis aber nicht, und
    Online-Kanäle, die das Dashboard nicht mehr nennt, stehen in der
    Zusammenfassung. Buchführung: <Datenordner>/sync-state.json.

    Beispiel: ``lotse sync ozg --dry-run`` und danach ``lotse sync ozg``.
    """
    try:
        run_ozg(data_dir, ars, api_url, dry_run, hosts_file, timeout, retries, page_size, summary_file, zeitlimit)
    except SyncError as exc:
        raise SyncFailed(str(exc), exc.partial) from None
    except MemoryError:
        # The byte, page and row caps (sync/http.py) should make this unreachable; if not, still no traceback.
        raise SyncFailed("Nicht genug Arbeitsspeicher für diese Antwort der Quelle; der Abgleich wurde vor dem Schreiben abgebrochen.") from None


def run_ozg(data_dir, ars, api_url, dry_run, hosts_file, timeout, retries, page_size, summary_file, zeitlimit=DEFAULT_ZEITLIMIT) -> None:
    hosts = load_hosts(hosts_file)
    dataset, ars = valid_start(data_dir, ars)
    today = dt.date.today().isoformat()

    bar = Progress("OZG-Dashboard abrufen")
    # The budget starts here, not at process start: loading the data is not the source's time.
    fetcher = Fetcher(WHAT, Budget(zeitlimit), timeout=timeout, retries=retries)
    result = fetch(
        api_url, ars, fetcher,
        lambda pages, total, rows: bar.update(1, total, f"Seite {pages}{f' von {total}' if total else ''}: {rows} Einträge"),
        page_size=page_size,
    )
    bar.done(f"{result.rows} Einträge auf {result.pages} Seite(n), {len(result.entries)} LeiKa-Schlüssel")

    state_file = state_path(data_dir)
    state = load_state(state_file)
    plan = make_plan(result.entries, dataset.leistungen, hosts, (state.get(SOURCE) or {}).get(ars) or {}, today)

    with RecordWriter(data_dir) as writer:
        if plan.changes:
            bar = Progress("Änderungen vorbereiten", len(plan.changes))
            for change in plan.changes:
                writer.stage_record(change.path, change.data, change.ops)
                bar.update()
            bar.done(f"{len(writer.staged)} Datei(en) ändern sich")
        new_state = {**state, SOURCE: {**(state.get(SOURCE) or {}), ars: plan.state}}
        writer.stage_text(state_file, render_state(new_state))
        written = finish(writer, dataset, dry_run)
        text = summary(plan, result, ars, api_url, writer, written, dry_run, list(hosts.rules))
    emit(text, summary_file)


def valid_start(data_dir, ars: str | None, collections=None):
    """The loaded data folder and the ARS to sync, or a :class:`SyncError`.

    Every sync starts only from valid data: then the result needs checking only where it changed.
    """
    if not Path(data_dir).is_dir():
        raise SyncError(f"Der Datenordner {data_dir} existiert nicht. Mit --data DIR einen anderen Ordner angeben.")
    click.echo("Daten prüfen (lotse validate) …", err=True)
    dataset, problems = load(data_dir) if collections is None else load(data_dir, collections=collections)
    if problems:
        raise SyncError(
            f"Die Daten haben schon vor dem Abgleich {len(problems)} Problem(e); bitte zuerst „lotse validate“ "
            f"ausführen und beheben, dann erneut abgleichen.\n{listing(problems, 50)}"
        )
    ars = str(ars or dataset.settings.get("ars") or "")
    if not ars:
        raise SyncError(f"{Path(data_dir) / 'lotse.yml'}: „ars“ fehlt; bitte eintragen oder --ars angeben.")
    return dataset, ars


def finish(writer: RecordWriter, dataset, dry_run: bool, progress_label: str = "Dateien schreiben") -> list:
    """Validate what is staged, then show it (dry run) or write it; the one ending of every sync."""
    if writer.needs_validation:
        click.echo("Ergebnis prüfen (lotse validate) …", err=True)
    problems = writer.validate(dataset)
    if problems:
        raise SyncError(_invalid_message(problems))
    if dry_run:
        for path in sorted(writer.staged):
            click.echo(writer.diff(writer.staged[path]), nl=False)
        return []
    bar = Progress(progress_label, len(writer.staged)) if writer.staged else None
    written = writer.commit(progress=bar.update if bar else None)
    if bar:
        bar.done(f"{len(written)} Datei(en) geschrieben")
    return written


def emit(text: str, summary_file: Path | None) -> None:
    click.echo(text, nl=False)
    if summary_file:
        summary_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(summary_file, text.encode("utf-8"))


def _invalid_message(problems) -> str:
    return f"Nach dem Abgleich wären die Daten ungültig ({len(problems)} Problem(e)); nichts wird geschrieben.\n{listing(problems, 50)}"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>]+")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~])")


def md(text: str) -> str:
    """Text that came from a source, made inert for the pull request and the terminal.

    The summary becomes the pull request's text: a name from an API must not add
    links or images (``[..](..)``), HTML, tables, mentions (``@team`` pings people)
    or cross-references (``org/repo#1``), and ANSI or bidi control characters must
    not rewrite the terminal. URLs with such characters become autolinks (``<...>``),
    where nothing is interpreted; ``@`` and ``#`` get a zero-width space, the rest a backslash.
    """
    text = _CONTROL.sub("", str(text)).replace("\n", " ").replace("\r", " ")
    out = []
    pos = 0
    for match in _URL_IN_TEXT.finditer(text):
        out.append(_inert(text[pos:match.start()]))
        url = match.group()
        # A plain URL stays as it is (GitHub links it); one with Markdown or HTML characters
        # in it becomes an autolink, inside which nothing is interpreted.
        out.append(url if not _MARKDOWN.search(url) and "@" not in url else "<" + url.replace("<", "%3C").replace(">", "%3E") + ">")
        pos = match.end()
    out.append(_inert(text[pos:]))
    return "".join(out)


def _inert(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text).replace("@", "@\u200b").replace("#", "#\u200b")


def summary(plan: Plan, result, ars: str, api_url: str, writer: RecordWriter, written: list, dry_run: bool,
            portals: list[str] | None = None) -> str:
    """The German summary for the terminal and the pull request (Markdown); source text goes through :func:`md`."""
    rel = writer.relative
    changed = [c for c in plan.changes if c.path in writer.staged]
    lines = [f"## Abgleich mit dem OZG-Dashboard (ARS {ars})", ""]
    lines.append(f"- Quelle: {api_url} – {result.rows} Einträge auf {result.pages} Seite(n), {len(result.entries)} LeiKa-Schlüssel.")
    lines.append(f"- Verzeichnis: {plan.records} Leistungen, {plan.with_leika} mit LeiKa-Schlüssel, davon {plan.matched} im Dashboard.")
    lines.append(f"- Geänderte Leistungen: {len(changed)}; Kandidaten: {len(plan.candidates)}; markierte Online-Kanäle: {len(plan.flagged)}.")
    lines.append("- Probelauf (--dry-run): nichts geschrieben." if dry_run else f"- Geschriebene Dateien: {len(written)}.")
    if changed:
        lines += ["", f"### Änderungen ({len(changed)})", ""]
        for change in changed:
            lines.append(f"- `{change.service_id}` ({rel(change.path)}): " + md("; ".join(change.notes)))
    if plan.candidates:
        lines += ["", f"### Kandidaten: im Dashboard, aber nicht im Verzeichnis ({len(plan.candidates)})", "",
                  "Nicht automatisch angelegt. Bitte prüfen, ob die Leistung ins Verzeichnis gehört.", ""]
        for cand in plan.candidates:
            e = cand.entry
            ozg = f"OZG {e.ozg_id}" + (f" „{e.ozg_name}“" if e.ozg_name else "") if e.ozg_id else "ohne OZG-Angabe"
            since = f", gelistet seit {cand.seit}" if cand.seit else ""
            lines.append(f"- {e.leika} " + md(f"{e.leika_name or '(ohne Namen)'}: {e.url} ({ozg}, Status {e.online_status}{since})"))
    if plan.flagged:
        lines += ["", f"### Markiert: Online-Kanäle, die das Dashboard nicht mehr nennt ({len(plan.flagged)})", "",
                  "Nicht entfernt. Bitte prüfen, ob der Online-Dienst noch besteht.", ""]
        for flag in plan.flagged:
            lines.append(f"- `{flag.service_id}`: " + md(f"„{flag.label}“ {flag.url} (fehlt seit {flag.fehlt_seit})"))
    if writer.refused:
        lines += ["", f"### Nicht geändert: Datei lässt sich nicht verlustfrei bearbeiten ({len(writer.refused)})", "",
                  "Die geplante Änderung bitte von Hand eintragen (oder die Formatierung der Datei vereinheitlichen).", ""]
        notes = {c.path: c.notes for c in plan.changes}
        for path, reason in sorted(writer.refused.items()):
            lines.append(f"- {rel(path)}: {reason}. Geplant: " + md("; ".join(notes.get(path, []))))
    hints = [md(w) for w in result.warnings]
    lookalikes = [w for w in (idn_warning(e.url, portals or []) for e in result.entries) if w]
    if lookalikes:
        hints += [f"**Vorsicht:** {md(w)}" for w in lookalikes]
    if plan.unknown_hosts:
        hosts = ", ".join(f"{h} ({n})" for h, n in sorted(plan.unknown_hosts.items(), key=lambda kv: (-kv[1], kv[0]))[:20])
        hints.append(md(f"Hosts ohne Eintrag in der Host-Tabelle (als Standardtyp übernommen): {hosts}."))
    if hints:
        lines += ["", "### Hinweise", ""] + [f"- {h}" for h in hints]
    if written:
        lines += ["", f"### Geschriebene Dateien ({len(written)})", ""] + [f"- {rel(p)}" for p in written]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- PVOG


@sync.command("pvog")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA, show_default=True,
              help="Datenordner mit lotse.yml und services/.")
@click.option("--ars", help="12-stelliger Regionalschlüssel. Standard: „ars“ aus lotse.yml (Leipzig: 147130000000).")
@click.option("--api-url", default=None, help="Basisadresse des PVOG-Suchdienstes (API v5). Standard: „pvog.api_url“ aus lotse.yml.")
@click.option("--neue", is_flag=True, help="Für jede Leistung der Region, die das Verzeichnis nicht hat, einen Eintrag anlegen (herkunft: pvog, geprueft: false).")
@click.option("--dry-run", is_flag=True, help="Nichts schreiben: Änderungen als Diff je Datei und die Zusammenfassung ausgeben.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=DEFAULT_TIMEOUT, show_default=True,
              help="Sekunden je Antwort, vom Verbindungsaufbau bis zum letzten Byte.")
@click.option("--retries", type=click.IntRange(0, 10), default=DEFAULT_RETRIES, show_default=True,
              help="Wiederholungen bei Verbindungsfehlern, 429 und 5xx (mit wachsender Wartezeit).")
@click.option("--zeitlimit", type=click.FloatRange(1, 6 * 3600), default=DEFAULT_ZEITLIMIT, show_default=True,
              help="Sekunden für den ganzen Abruf samt Wiederholungen; danach bricht der Abgleich ab, ohne etwas zu ändern.")
@click.option("--summary-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Zusammenfassung zusätzlich in diese Datei schreiben (Markdown, etwa als Text des Pull Requests).")
def pvog(data_dir: Path, ars: str | None, api_url: str | None, neue: bool, dry_run: bool, timeout: float, retries: int,
         zeitlimit: float, summary_file: Path | None):
    """Abgleich mit dem Leistungsverzeichnis des Landes (PVOG-Suchdienst, die Texte hinter Amt24).

    Holt den Katalog der Region und, nur für geänderte Leistungen, die
    Beschreibungen: Voraussetzungen, Unterlagen, Kosten, Fristen,
    Bearbeitungsdauer, Ablauf, zuständige Stelle, Rechtsgrundlagen und
    Online-Dienste. Sie landen in <Datenordner>/pvog/<Kennung>.yml, getrennt von
    den Feldern der Redaktion (die immer Vorrang haben). Zuordnung über den
    LeiKa-Schlüssel, danach über die gemerkte ID-LB (sync-state.json).

    Beispiel: ``lotse sync pvog --api-url https://…/suchdienst/api/v5 --dry-run``
    """
    from .pvog_run import run_pvog

    try:
        run_pvog(data_dir, ars, api_url, neue, dry_run, timeout, retries, zeitlimit, summary_file)
    except SyncError as exc:
        raise SyncFailed(str(exc), exc.partial) from None
