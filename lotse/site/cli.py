"""``lotse build`` and ``lotse serve`` (mapped lazily in lotse/cli.py)."""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from pathlib import Path

import click

from ..cli import DATA_OPTION, report_problems
from ..validator import load


def _load_or_exit(data_dir: Path):
    dataset, problems = load(data_dir)
    if problems:
        report_problems(problems)
        click.echo("Die Website wurde nicht gebaut.", err=True)
        sys.exit(1)
    return dataset


@click.command()
@DATA_OPTION
@click.option("--site-dir", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Zielordner der Website; er wird beim Bauen vollständig ersetzt.")
@click.option("--site-url", default=None,
              help="Öffentliche Adresse der Website, z. B. https://example.org/lotse/ (für kanonische Links, "
                   "die Sitemap und die 404-Seite unter einem Unterpfad).")
def build(data_dir: Path, site_dir: Path, site_url: str | None):
    """Prüft die Daten und baut die Website.

    Beispiel: ``lotse build --data data --site-dir site``. Bei Problemen in den
    Daten werden sie wie bei ``lotse validate`` ausgegeben und es wird nichts gebaut.
    """
    from .build import SiteError, build_site

    if site_url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", site_url):
        raise click.ClickException(f"--site-url „{site_url}“ ist keine Web-Adresse, z. B. https://example.org/lotse/.")
    dataset = _load_or_exit(data_dir)
    start = time.perf_counter()
    options = {"site_url": site_url.rstrip("/") + "/"} if site_url else None
    try:
        build_site(data_dir, site_dir, dataset=dataset, mkdocs_options=options)
    except SiteError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{site_dir}: Website gebaut mit {len(dataset.leistungen)} Leistungen, {len(dataset.lebenslagen)} Lebenslagen "
        f"und {len(dataset.aemter)} Stellen in {time.perf_counter() - start:.1f} s."
    )


@click.command()
@DATA_OPTION
@click.option("--adresse", "dev_addr", default="127.0.0.1:8000", show_default=True,
              help="Adresse und Port der Vorschau.")
def serve(data_dir: Path, dev_addr: str):
    """Vorschau der Website, die sich bei jeder Änderung neu baut.

    Beispiel: ``lotse serve --data data``, dann http://127.0.0.1:8000/ im Browser
    öffnen. Beobachtet docs/ und den Datenordner. Ungültige Daten werden im
    Terminal wie bei ``lotse validate`` gemeldet; die Vorschau lädt dann erst
    wieder, wenn die Daten korrigiert sind.
    """
    from mkdocs.commands.serve import serve as mkdocs_serve

    from .build import CONFIG_FILE

    _load_or_exit(data_dir)
    os.environ["LOTSE_DATA"] = str(data_dir.resolve())
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        mkdocs_serve(config_file=str(CONFIG_FILE), dev_addr=dev_addr, livereload=True, watch=[str(data_dir.resolve())])
    except OSError as exc:
        raise click.ClickException(f"Die Vorschau kann nicht starten ({exc.strerror}). Ist die Adresse {dev_addr} schon belegt? Dann mit --adresse 127.0.0.1:8001 versuchen.") from None
