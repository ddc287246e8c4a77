"""``lotse linkcheck``: check every URL in the data and write report.json and report.md."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import click

from .. import __version__
from ..cli import DATA_OPTION, report_problems
from ..validator import InvalidData, load_valid
from .checker import Settings, check_urls
from .collect import collect_urls, ignore_file, suppressions
from .history import History, HistoryError, write_atomic
from .report import STATUSES, classify, report_json, report_markdown, summary_counts

DEFAULTS = Settings()
EXIT_BROKEN = 1
EXIT_UNUSABLE = 2  # invalid data or no network: distinct from "links are broken"
SUMMARY_WORDS = {"broken": "kaputt", "redirect": "umgezogen", "transient": "vorübergehend gestört", "ok": "in Ordnung", "skipped": "ausgenommen"}
NETWORK_CODES = {"dns", "refused", "connect", "timeout", "reset"}


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


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
@click.pass_context
def linkcheck(ctx, data_dir: Path, out_dir: Path, history_file: Path, needed: int, concurrency: int, per_host: int, spacing: float,
              timeout: float, retries: int, backoff: float, max_retry_after: float, max_redirects: int):
    """Prüft jede Adresse in den Daten und schreibt einen Bericht.

    Beispiel: ``lotse linkcheck --data data --out out/linkcheck``.

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
    """
    try:
        ds = load_valid(data_dir)
    except InvalidData as exc:
        report_problems(exc.problems)
        error = click.ClickException("Die Daten sind ungültig; die Linkprüfung läuft erst, wenn „lotse validate“ keine Probleme mehr meldet.")
        error.exit_code = EXIT_UNUSABLE
        raise error from None

    uses = collect_urls(ds)
    rules = suppressions(ds)
    suppressed = {}
    for url in uses:
        rule = next((r for r in rules if r.matches(url)), None)
        if rule:
            suppressed[url] = rule
    stale = [r for r in rules if not any(r.matches(url) for url in uses)]
    to_check = [url for url in uses if url not in suppressed]

    try:
        history = History.load(history_file)
    except HistoryError as exc:
        # A damaged cache must not stop the nightly run; the price is one night without memory.
        click.echo(f"Warnung: {exc} Die Prüfung beginnt ohne Verlauf.", err=True)
        history = History()

    settings = Settings(concurrency=concurrency, per_host=per_host, spacing=spacing, timeout=timeout, retries=retries,
                        backoff=backoff, max_retry_after=max_retry_after, max_redirects=max_redirects)
    started = _utc_now()
    clock = time.monotonic()
    if sys.stderr.isatty() and to_check:
        with click.progressbar(length=len(to_check), label="Links prüfen", file=sys.stderr) as bar:
            outcomes = check_urls(to_check, settings, on_result=lambda _o: bar.update(1))
    else:
        outcomes = check_urls(to_check, settings)
    duration = time.monotonic() - clock

    hosts = {urlsplit(url).hostname for url in to_check}
    if len(hosts) >= 3 and all(o.result == "fail" and o.code in NETWORK_CODES for o in outcomes.values()):
        # Not one server answered: the checking machine is offline, the links are not all dead.
        # Recording this would turn every link "broken" after a second such night.
        error = click.ClickException(
            f"Keiner der {len(hosts)} Server hat geantwortet (z. B. {outcomes[to_check[0]].code} bei {to_check[0]}). "
            "Vermutlich hat dieser Rechner keine Netzverbindung; der Verlauf bleibt unverändert, es wird kein Bericht geschrieben."
        )
        error.exit_code = EXIT_UNUSABLE
        raise error

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
        "consecutive_failures_needed": needed,
        "summary": counts,
        "flapping": sum(1 for link in links if link.flapping),
        "stale_suppressions": [{"url": r.url, "line": r.line} for r in stale],
        "ignore_file": ignore_file(ds),
        "history_file": str(history_file),
        "settings": settings.as_dict(),
    }
    office_names = {aid: doc.data.get("name", aid) for aid, doc in ds.aemter.items()}
    try:
        write_atomic(out_dir / "report.json", report_json(links, meta))
        write_atomic(out_dir / "report.md", report_markdown(links, meta, office_names, stale, ignore_file(ds) or "data/linkcheck-ignore.yml"))
        history.save(history_file)
    except OSError as exc:
        raise click.ClickException(f"Der Bericht oder Verlauf kann nicht geschrieben werden: {exc}. Bitte --out und --history prüfen.") from None

    parts = ", ".join(f"{counts[s]} {SUMMARY_WORDS[s]}" for s in STATUSES if counts[s])
    click.echo(f"Linkprüfung: {len(uses)} Adressen – {parts or 'keine Links in den Daten'} ({duration:.0f} s). Bericht: {out_dir / 'report.md'}")
    if counts["broken"]:
        ctx.exit(EXIT_BROKEN)
