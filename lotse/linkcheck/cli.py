"""``lotse linkcheck``: check the URLs in the data and write report.json and report.md.

Two kinds of run share this one command, so that there is one way to check links:

* the nightly run checks every URL and keeps a history, because one failed
  request at night is usually a blip (``--history``, ``--consecutive``);
* a pull-request run (``--new-since REF``) checks only the URLs that are new
  since git revision REF. An editor is waiting for the answer on the URLs they
  just typed, so it has no memory: it neither reads nor writes the nightly
  history (a pull request is not a night, and its URLs may never be merged),
  a certain failure (404, unknown host, certificate error, ...) is ``broken`` at
  once, and answers that may be a bot block or a hiccup (403, 429, 5xx,
  timeouts) are ``transient``, reported as warnings that do not fail the check.

One option carrying the revision rather than a flag plus a ``--base REF``: a
flag without a base or a base without the flag would mean nothing. Its name is
English like every option of ``lotse`` (``--out``, ``--history``, ``--fix``,
``--dry-run``); the help texts are German.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from .. import __version__
from ..cli import DATA_OPTION, github_annotation, report_problems
from ..validator import InvalidData, load_valid
from ..yamlload import Problem
from .checker import Settings, check_urls
from .collect import collect_urls, ignore_file, suppressions
from .history import History, HistoryError, write_atomic
from .report import STATUSES, Link, classify, report_json, report_markdown, summary_counts
from .revision import RevisionError, urls_at_revision

DEFAULTS = Settings()
EXIT_BROKEN = 1
EXIT_UNUSABLE = 2  # invalid data or no network: distinct from "links are broken"
SUMMARY_WORDS = {"broken": "kaputt", "redirect": "umgezogen", "transient": "vorübergehend gestört", "ok": "in Ordnung", "skipped": "ausgenommen"}
# Without memory a transient failure is not "temporary" but "not sure": a warning for the editor.
SUMMARY_WORDS_NEW = {**SUMMARY_WORDS, "transient": "nicht sicher erreichbar (Hinweis)"}
ANNOTATION_LEVEL = {"broken": "error", "redirect": "warning", "transient": "warning"}
NIGHTLY_ONLY = {"history_file": "--history", "needed": "--consecutive"}  # options that mean nothing without memory
NETWORK_CODES = {"dns", "refused", "connect", "timeout", "reset"}


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _unusable(message: str) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = EXIT_UNUSABLE
    return error


def annotations(links: list[Link]) -> list[str]:
    """GitHub Actions workflow commands: each problem link shown on every file and line that uses it."""
    lines = []
    for link in links:
        level = ANNOTATION_LEVEL.get(link.status)
        if level is None:
            continue
        if link.status == "redirect":
            text = f"{link.url} ist umgezogen nach {link.outcome.moved_to}. Bitte die neue Adresse eintragen."
        else:
            text = f"{link.url}: {link.reason}."
        for use in link.uses:
            lines.append(github_annotation(Problem(use.file, use.line, text), level, f"Link ({use.field})"))
    return lines


@click.command()
@DATA_OPTION
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out/linkcheck"), show_default=True,
              help="Ordner für report.json und report.md.")
@click.option("--history", "history_file", type=click.Path(path_type=Path, dir_okay=False), default=Path(".lotse-cache/linkcheck-history.json"), show_default=True,
              help="Verlauf der letzten Läufe (JSON). Ohne ihn weiß die Prüfung nicht, ob ein Fehler schon beim letzten Mal auftrat.")
@click.option("--consecutive", "needed", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Nach so vielen gescheiterten Läufen nacheinander gilt ein Link als kaputt; vorher als vorübergehend gestört.")
@click.option("--concurrency", type=click.IntRange(1, 2000), default=DEFAULTS.concurrency, show_default=True, help="Gleichzeitige Anfragen insgesamt.")
@click.option("--per-host", type=click.IntRange(1, 100), default=DEFAULTS.per_host, show_default=True, help="Gleichzeitige Anfragen an einen Server.")
@click.option("--spacing", type=click.FloatRange(0, 60), default=DEFAULTS.spacing, show_default=True, help="Mindestabstand in Sekunden zwischen zwei Anfragen an denselben Server.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=DEFAULTS.timeout, show_default=True, help="Wartezeit in Sekunden für eine Anfrage.")
@click.option("--retries", type=click.IntRange(0, 10), default=DEFAULTS.retries, show_default=True, help="Weitere Versuche bei vorübergehenden Fehlern (Zeitüberschreitung, Serverfehler, 429).")
@click.option("--backoff", type=click.FloatRange(0, 600), default=DEFAULTS.backoff, show_default=True, help="Wartezeit in Sekunden vor dem ersten weiteren Versuch; verdoppelt sich jedes Mal.")
@click.option("--max-retry-after", type=click.FloatRange(0, 3600), default=DEFAULTS.max_retry_after, show_default=True, help="Höchstens so lange (Sekunden) auf ein Retry-After des Servers warten.")
@click.option("--max-redirects", type=click.IntRange(1, 50), default=DEFAULTS.max_redirects, show_default=True, help="Höchstzahl an Weiterleitungen je Adresse.")
@click.option("--new-since", "new_since", metavar="REF",
              help="Nur Adressen prüfen, die seit dem git-Stand REF neu in den Daten sind (für Pull-Requests), ohne Verlauf: "
                   "Eindeutiges (HTTP 404, Server unbekannt, Zertifikatsfehler) gilt sofort als kaputt, "
                   "403, 429, Serverfehler und Zeitüberschreitungen nur als Hinweis.")
@click.option("--format", "output_format", type=click.Choice(["text", "github"]), default="text", show_default=True,
              help="github: kaputte, umgezogene und gestörte Links zusätzlich als Anmerkungen an Datei und Zeile (GitHub Actions).")
# Hidden on purpose: only tests with loopback servers need it, and no workflow passes it
# (tests/test_workflows.py checks that), so data from a pull request cannot reach internal hosts.
@click.option("--interne-adressen-erlauben", "internal_hosts", multiple=True, hidden=True, metavar="HOST",
              help="Nur für Tests: diesen Host (wie in der Adresse geschrieben) trotz interner Adresse abrufen.")
@click.pass_context
def linkcheck(ctx, data_dir: Path, out_dir: Path, history_file: Path, needed: int, concurrency: int, per_host: int, spacing: float,
              timeout: float, retries: int, backoff: float, max_retry_after: float, max_redirects: int,
              new_since: str | None, output_format: str, internal_hosts: tuple = ()):
    """Prüft jede Adresse in den Daten und schreibt einen Bericht.

    Beispiele: ``lotse linkcheck --data data --out out/linkcheck`` (nachts, alle
    Adressen) und ``lotse linkcheck --new-since origin/main --format github``
    (im Pull-Request, nur die neuen Adressen).

    Jede Adresse wird einmal abgerufen, egal wie oft sie vorkommt: erst mit
    HEAD, bei Ablehnung mit GET (ohne den Inhalt herunterzuladen), höflich
    (wenige Anfragen je Server, mit Abstand) und mit weiteren Versuchen bei
    vorübergehenden Fehlern. Ergebnis je Adresse: ok, redirect (umgezogen),
    broken (kaputt: erst nach mehreren gescheiterten Läufen nacheinander, siehe
    --consecutive und --history), transient (gestört) oder skipped (steht in
    data/linkcheck-ignore.yml).

    Schreibt report.json und report.md (nach zuständiger Stelle gegliedert) nach
    --out. Status 1, wenn ein Link kaputt ist; 2, wenn die Daten ungültig sind
    oder kein einziger Server geantwortet hat (dann bleibt der Verlauf unverändert).
    Eigene Zertifizierungsstellen (etwa hinter einem Firmen-Proxy) über die
    Umgebungsvariable SSL_CERT_FILE.

    Mit --new-since REF werden nur Adressen abgerufen, die es im Datenordner
    beim git-Stand REF noch nicht gab; der Verlauf wird weder gelesen noch
    geschrieben. Status 1 nur, wenn eine neue Adresse eindeutig kaputt ist.
    """
    if new_since is not None:
        given = [option for name, option in NIGHTLY_ONLY.items() if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None)]
        if given:
            raise click.UsageError(f"{' und '.join(given)} {'gelten' if len(given) > 1 else 'gilt'} nur für den nächtlichen Lauf; --new-since prüft ohne Verlauf.")
    try:
        ds = load_valid(data_dir)
    except InvalidData as exc:
        report_problems(exc.problems)
        raise _unusable("Die Daten sind ungültig; die Linkprüfung läuft erst, wenn „lotse validate“ keine Probleme mehr meldet.") from None

    uses = collect_urls(ds)
    rules = suppressions(ds)
    base_commit = None
    if new_since is not None:
        try:
            base_commit, known = urls_at_revision(data_dir, new_since)
        except RevisionError as exc:
            raise _unusable(str(exc)) from None
        uses = {url: where for url, where in uses.items() if url not in known}
        # Suppressions that match nothing any more are the nightly report's business.
        stale = []
        # This run's results only, never loaded or saved: a pull request is not a night.
        history = History()
        needed = None
    else:
        stale = [r for r in rules if not any(r.matches(url) for url in uses)]
        try:
            history = History.load(history_file)
        except HistoryError as exc:
            # A damaged cache must not stop the nightly run; the price is one night without memory.
            click.echo(f"Warnung: {exc} Die Prüfung beginnt ohne Verlauf.", err=True)
            history = History()
    suppressed = {}
    for url in uses:
        rule = next((r for r in rules if r.matches(url)), None)
        if rule:
            suppressed[url] = rule
    to_check = [url for url in uses if url not in suppressed]
    if new_since is not None and not uses:
        click.echo(f"Keine neuen Adressen seit {new_since} ({base_commit[:12]}); nichts abzurufen.")

    settings = Settings(concurrency=concurrency, per_host=per_host, spacing=spacing, timeout=timeout, retries=retries,
                        backoff=backoff, max_retry_after=max_retry_after, max_redirects=max_redirects,
                        internal_hosts=frozenset(internal_hosts))
    started = _utc_now()
    clock = time.monotonic()
    if not to_check:
        outcomes = {}
    elif sys.stderr.isatty():
        with click.progressbar(length=len(to_check), label="Links prüfen", file=sys.stderr) as bar:
            outcomes = check_urls(to_check, settings, on_result=lambda _o: bar.update(1))
    else:
        outcomes = check_urls(to_check, settings)
    duration = time.monotonic() - clock

    hosts = {urlsplit(url).hostname for url in to_check}
    if len(hosts) >= 3 and all(o.result == "fail" and o.code in NETWORK_CODES for o in outcomes.values()):
        # Not one server answered: the checking machine is offline, the links are not all dead.
        # Recording this would turn every link "broken" after a second such night.
        raise _unusable(
            f"Keiner der {len(hosts)} Server hat geantwortet (z. B. {outcomes[to_check[0]].code} bei {to_check[0]}). "
            "Vermutlich hat dieser Rechner keine Netzverbindung; der Verlauf bleibt unverändert, es wird kein Bericht geschrieben."
        )

    for url in to_check:
        history.record(outcomes[url], started)
    history.prune(set(uses))
    links = classify(uses, outcomes, suppressed, history, needed)
    counts = summary_counts(links)

    meta = {
        "tool": "lotse linkcheck",
        "lotse_version": __version__,
        "city": ds.settings.get("stadt"),
        "data": str(data_dir),
        "started": started,
        "finished": _utc_now(),
        "duration_seconds": round(duration, 1),
        "url_count": len(uses),
        "checked": len(to_check),
        "new_since": new_since,
        "base_commit": base_commit,
        "consecutive_failures_needed": needed,
        "summary": counts,
        "flapping": sum(1 for link in links if link.flapping),
        "stale_suppressions": [{"url": r.url, "line": r.line} for r in stale],
        "ignore_file": ignore_file(ds),
        "history_file": None if new_since is not None else str(history_file),
        "settings": settings.as_dict(),
    }
    office_names = {aid: doc.data.get("name", aid) for aid, doc in ds.aemter.items()}
    try:
        write_atomic(out_dir / "report.json", report_json(links, meta))
        write_atomic(out_dir / "report.md", report_markdown(links, meta, office_names, stale, ignore_file(ds) or "data/linkcheck-ignore.yml"))
        if new_since is None:
            history.save(history_file)
    except OSError as exc:
        raise click.ClickException(f"Der Bericht oder Verlauf kann nicht geschrieben werden: {exc}. Bitte --out und --history prüfen.") from None

    if output_format == "github":
        for line in annotations(links):
            click.echo(line)
    if new_since is not None:
        words, what, empty = SUMMARY_WORDS_NEW, f"Linkprüfung der neuen Adressen seit {new_since}", "keine neuen Links"
    else:
        words, what, empty = SUMMARY_WORDS, "Linkprüfung", "keine Links in den Daten"
    parts = ", ".join(f"{counts[s]} {words[s]}" for s in STATUSES if counts[s])
    click.echo(f"{what}: {len(uses)} Adressen – {parts or empty} ({duration:.0f} s). Bericht: {out_dir / 'report.md'}")
    if counts["broken"]:
        ctx.exit(EXIT_BROKEN)
