"""``lotse import plone`` (mapped lazily in lotse/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lotse import DEFAULT_DATA


@click.group("import")
def import_group():
    """Inhalte aus einer anderen Website übernehmen."""


@import_group.command("plone")
@click.argument("export", type=click.Path(path_type=Path))
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA, show_default=True,
              help="Datenordner (Leistungen, Lebenslagen, Stellen, Weiterleitungen).")
@click.option("--docs", "docs_dir", type=click.Path(path_type=Path), default=Path("docs"), show_default=True,
              help="Ordner der Seiten; übernommene Seiten liegen dort an ihrem alten Pfad.")
@click.option("--zuordnung", type=click.Path(path_type=Path), default=None,
              help="YAML-Datei: welche Inhaltstypen/Pfade Leistung, Lebenslage, Stelle oder Seite werden (Schema: schemas/plone-zuordnung.schema.json).")
@click.option("--bericht", "report_path", type=click.Path(path_type=Path), default=Path("plone-import-bericht.md"), show_default=True,
              help="Wohin der Bericht (Markdown) geschrieben wird.")
@click.option("--dry-run", is_flag=True, help="Nur zeigen, was geschähe; nichts schreiben (der Bericht erscheint im Terminal).")
@click.option("--alle", is_flag=True, help="Auch nicht veröffentlichte Inhalte übernehmen.")
def plone(export: Path, data_dir: Path, docs_dir: Path, zuordnung: Path | None, report_path: Path, dry_run: bool, alle: bool):
    """Übernimmt einen Export der alten Plone/Volto-Website.

    Beispiel: ``lotse import plone export/ --zuordnung plone-zuordnung.yml``.
    EXPORT ist der Ordner von plone.exportimport (content/<UID>/data.json …) oder die
    JSON-Datei von collective.exportimport (@@export_content). Seiten werden unter docs/
    an ihrem alten Pfad angelegt, Dateien daneben kopiert, alte Adressen in
    data/weiterleitungen/ und alte_adressen eingetragen. Ein erneuter Lauf aktualisiert,
    was der Import geschrieben hat, und überschreibt nie eine spätere Änderung von Hand.
    Status 1, wenn etwas geprüft werden muss (siehe Bericht).
    """
    from . import ImportProblem, report, run
    from lotse.validator import InvalidData

    if not dry_run and not (data_dir / "lotse.yml").is_file():
        raise click.ClickException(f"{data_dir}: kein Datenordner (lotse.yml fehlt). Mit --data DIR den richtigen Ordner angeben.")
    try:
        result = run(export, data_dir, docs_dir, zuordnung=zuordnung, dry_run=dry_run, alle=alle)
    except ImportProblem as exc:
        raise click.ClickException(str(exc)) from None
    except InvalidData as exc:  # pragma: no cover - load() returns problems, load_valid is not used
        raise click.ClickException(str(exc)) from None
    text = report(result, export, dry_run=dry_run)
    if dry_run:
        click.echo(text)
    else:
        from .importer import atomic_write

        atomic_write(report_path, text.encode("utf-8"))
        w = result.written
        click.echo(f"{export}: {len(result.plans)} Inhalte übernommen; {len(w['neu'])} neu, {len(w['geändert'])} geändert, "
                   f"{len(w['entfernt'])} entfernt, {len(w['unverändert'])} unverändert; {result.redirects} Weiterleitungen. Bericht: {report_path}")
    if result.needs_review:
        n = len(result.review) + len(result.unresolved) + len(result.conflicts) + len(result.invalid) + len(result.problems) + len(result.translations)
        click.echo(f"{n} Punkt(e) zur Prüfung, siehe Bericht.", err=True)
        sys.exit(1)
