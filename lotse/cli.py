"""The ``lotse`` command.

Every command that reads data takes ``--data DIR`` (default ``data/``) and goes
through :func:`lotse.validator.load`, so editors see the same messages
everywhere. Problems are printed as ``path:line: message``; no tracebacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import DEFAULT_DATA
from .validator import load

DATA_OPTION = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA, show_default=True,
    help="Datenordner mit lotse.yml, services/, lebenslagen/ und aemter/.",
)


def inert(text: str) -> str:
    """``text`` with no line that GitHub Actions would run as a workflow command.

    The runner treats every output line whose start (after whitespace) is ``::`` or
    ``##[`` as a command, on stdout and stderr alike, whatever printed it. Messages
    quote data (a value, a file name), so a value "x\\n::error ..." would otherwise
    become an annotation (or worse, ``::add-mask``/``::stop-commands``). A zero-width
    space in front keeps the line readable and inert.
    """
    lines = text.splitlines(keepends=True)
    return "".join("\u200b" + line if line.lstrip().startswith(("::", "##[")) else line for line in lines)


def report_problems(problems) -> None:
    """Print problems one per line and a German summary, for every command."""
    for problem in problems:
        click.echo(inert(str(problem)))
    files = len({p.path for p in problems})
    click.echo(f"{len(problems)} Problem(e) in {files} Datei(en). Bitte beheben und erneut „lotse validate“ ausführen.", err=True)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem, level: str = "error", title: str = "lotse validate") -> str:
    """A problem as a GitHub Actions workflow command: shown on the file and line of a pull request.

    ``level`` is ``error`` or ``warning``; ``lotse linkcheck --format github`` uses both.
    """
    path = Path(problem.path)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            pass
    return f"::{level} file={_escape_property(path.as_posix())},line={problem.line},title={_escape_property(title)}::{_escape_data(problem.message)}"


class LazyGroup(click.Group):
    """Imports a subcommand's module only when it is used.

    Keeps ``lotse validate`` fast and lets each area (site, sync, link check,
    report, scaffolding) live in its own module without import-time coupling.
    """

    lazy = {
        "build": "lotse.site.cli:build",
        "serve": "lotse.site.cli:serve",
        "nginx": "lotse.site.server:nginx",
        "sync": "sync.cli:sync",
        "linkcheck": "lotse.linkcheck.cli:linkcheck",
        "bericht": "lotse.bericht:bericht",
        "neu": "lotse.redaktion.neu:neu",
        "import": "sync.plone.cli:import_group",  # lotse import plone (issue 12)
    }

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name in self.lazy:
            import importlib

            module_name, attr = self.lazy[name].split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name and module_name.startswith(exc.name):
                    return None  # that area is not built yet
                raise
            return getattr(module, attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lotse")
def main():
    """Lotse: Verwaltungsleistungen als Daten, geprüft und als Website gebaut."""


@main.command()
@DATA_OPTION
@click.option("--fix", is_flag=True, help="Mechanisch Behebbares reparieren (Dateiname aus id, Reihenfolge der Felder, Leerraum); Inhalte bleiben unberührt.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "github"]), default="text", show_default=True,
    help="github: Probleme als Anmerkungen an Datei und Zeile im Pull-Request (GitHub Actions).",
)
def validate(data_dir: Path, fix: bool, output_format: str):
    """Prüft alle Dateien im Datenordner.

    Beispiel: ``lotse validate --data data``. Gibt jedes Problem als
    ``pfad:zeile: meldung`` aus und endet mit Status 1, wenn es welche gibt.
    """
    if fix:
        from .redaktion.fix import fix_data

        for line in fix_data(data_dir):
            click.echo(inert(line))
    from .frische import max_age_days, stale

    ds, problems = load(data_dir)
    # Old facts are warnings, not problems: the exit status stays 0 for them.
    warnings = stale(ds) if ds.config else []
    for warning in warnings:
        click.echo(github_annotation(warning, level="warning", title="bitte prüfen") if output_format == "github" else inert(str(warning)))
    if warnings:
        click.echo(f"{len(warnings)} Angabe(n) älter als {max_age_days(ds)} Tage: bitte prüfen (kein Fehler).", err=True)
    if problems:
        if output_format == "github":
            for problem in problems:
                click.echo(github_annotation(problem))
        report_problems(problems)
        sys.exit(1)
    click.echo(
        f"{data_dir}: {len(ds.leistungen)} Leistungen, {len(ds.lebenslagen)} Lebenslagen, "
        f"{len(ds.aemter)} Stellen – keine Probleme."
    )


@main.group()
def bench():
    """Werkzeuge für Messungen (synthetische Daten)."""


@bench.command("generate")
@click.option("--services", "count", type=click.IntRange(1, 100_000), required=True, help="Anzahl der Leistungen.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Zielordner (wird neu angelegt; nie data/).")
@click.option("--seed", type=int, default=1, show_default=True, help="Startwert; gleiche Eingaben ergeben gleiche Dateien.")
def bench_generate(count: int, out_dir: Path, seed: int):
    """Erzeugt einen vollständigen, gültigen Datenordner aus dem OZG-Katalog 2019.

    Beispiel: ``lotse bench generate --services 6000 --out /tmp/bench6000``.
    Die Daten sind synthetisch und als solche gekennzeichnet.
    """
    from .bench import generate

    try:
        stats = generate(count, out_dir, seed=seed)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{out_dir}: {stats['leistungen']} Leistungen, {stats['lebenslagen']} Lebenslagen, {stats['aemter']} Stellen (synthetisch).")


if __name__ == "__main__":  # pragma: no cover
    main()
