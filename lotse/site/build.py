"""Build the site from a data folder: the Python API behind ``lotse build``.

``build_site(data_dir, site_dir)`` validates, then runs MkDocs with the
repository's ``mkdocs.yml`` into a fresh folder beside ``site_dir`` and swaps
it into place, so a failed build never leaves half a site behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .. import ROOT
from ..dataset import Dataset
from ..validator import load_valid
from . import state

CONFIG_FILE = ROOT / "mkdocs.yml"


class SiteError(Exception):
    """The site cannot be built for a reason the editor can fix (German message)."""


def check_site_dir(site_dir: Path, data_dir: Path) -> None:
    """Refuse target folders whose replacement would destroy something else."""
    site_dir = site_dir.resolve()
    protected = [(data_dir.resolve(), "den Datenordner"), (ROOT, "das Projektverzeichnis"), (ROOT / "docs", "den Ordner docs/")]
    for path, what in protected:
        if site_dir == path or site_dir in path.parents:
            raise SiteError(f"Der Zielordner {site_dir} würde {what} ersetzen. Bitte einen eigenen Ordner angeben, z. B. --site-dir site.")
    if site_dir.exists():
        if not site_dir.is_dir():
            raise SiteError(f"{site_dir} ist eine Datei, kein Ordner.")
        looks_built = (site_dir / "index.html").exists() or (site_dir / "sitemap.xml").exists()
        if any(site_dir.iterdir()) and not looks_built:
            raise SiteError(f"Der Ordner {site_dir} ist nicht leer und enthält keine gebaute Website; er wird beim Bauen ersetzt. Bitte einen leeren oder neuen Ordner angeben.")


class _ErrorLog(logging.Handler):
    """Collects MkDocs' error messages of one build (the reason behind an Abort)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def data_env(data_dir: Path):
    """Point the MkDocs hooks at ``data_dir`` for the duration of one build."""
    old = os.environ.get("LOTSE_DATA")
    os.environ["LOTSE_DATA"] = str(Path(data_dir).resolve())
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("LOTSE_DATA", None)
        else:
            os.environ["LOTSE_DATA"] = old


def mkdocs_config(site_dir: Path, **overrides):
    from mkdocs.config import load_config

    return load_config(config_file=str(CONFIG_FILE), site_dir=str(site_dir), **overrides)


def build_site(data_dir: Path | str, site_dir: Path | str, *, dataset: Dataset | None = None,
               mkdocs_options: dict | None = None) -> Path:
    """Validate ``data_dir`` and build the site into ``site_dir``; return ``site_dir``.

    Raises :class:`lotse.validator.InvalidData` for invalid data and
    :class:`SiteError` for an unusable target folder. ``dataset`` skips the
    second load when the caller has just validated the same folder;
    ``mkdocs_options`` overrides settings of mkdocs.yml (e.g. ``site_url``).
    """
    from mkdocs.commands.build import build

    data_dir = Path(data_dir).resolve()
    site_dir = Path(site_dir).resolve()
    check_site_dir(site_dir, data_dir)
    if dataset is None:
        dataset = load_valid(data_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-neu-", dir=site_dir.parent))
    quiet = logging.getLogger("mkdocs")
    level = quiet.level
    if level == logging.NOTSET:
        quiet.setLevel(logging.WARNING)  # MkDocs' INFO chatter is for its own CLI
    errors = _ErrorLog()
    quiet.addHandler(errors)
    try:
        with data_env(data_dir):
            state.preloaded[data_dir] = dataset
            build(mkdocs_config(fresh, **(mkdocs_options or {})))
    except BaseException as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        from mkdocs.exceptions import Abort

        if isinstance(exc, Abort) and errors.messages:
            # A hook or provider refused the build with a German message (e.g. a redirect to a
            # missing page): show that message, not MkDocs' bare "Aborted with a BuildError!".
            raise SiteError("\n".join(errors.messages)) from None
        raise
    finally:
        quiet.removeHandler(errors)
        state.preloaded.pop(data_dir, None)
        state.current = None
        quiet.setLevel(level)
    os.chmod(fresh, 0o755)  # mkdtemp creates 0700; a web server must read the folder
    old = None
    if site_dir.exists():
        old = site_dir.with_name(f".{site_dir.name}-alt-{os.getpid()}")
        os.replace(site_dir, old)
    os.replace(fresh, site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return site_dir
