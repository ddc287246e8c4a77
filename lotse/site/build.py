"""Build the site from a data folder: the Python API behind ``lotse build``.

``build_site(data_dir, site_dir)`` validates, then runs MkDocs with the
repository's ``mkdocs.yml`` into a fresh folder beside ``site_dir`` and swaps
it into place, so a failed build never leaves half a site behind.

Replacing a folder deletes what was in it, so only a folder that ``lotse build``
made is ever replaced: every build writes the marker file :data:`MARKER` into
its folder, and a non-empty target without it is refused (an ``index.html``
proves nothing: a project folder may have one next to a tax return).
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
from . import publish, state

CONFIG_FILE = ROOT / "mkdocs.yml"
# Hidden, so MkDocs' own clean-up of the build folder keeps it.
MARKER = ".lotse-site"
MARKER_TEXT = "Von „lotse build“ erzeugt. Der ganze Ordner wird beim nächsten Bau ersetzt; nichts von Hand hineinlegen.\n"


class SiteError(Exception):
    """The site cannot be built for a reason the editor can fix (German message)."""


def check_site_dir(site_dir: Path, data_dir: Path) -> None:
    """Refuse target folders whose replacement would destroy something else."""
    site_dir = site_dir.resolve()
    if site_dir == Path(site_dir.anchor) or site_dir == Path.home().resolve():
        where = "das Wurzelverzeichnis des Systems" if site_dir == Path(site_dir.anchor) else "das Benutzerverzeichnis"
        raise SiteError(f"Der Zielordner {site_dir} ist {where}; er würde beim Bauen ersetzt. Bitte einen eigenen Ordner angeben, z. B. --site-dir site.")
    protected = [(data_dir.resolve(), "den Datenordner"), (ROOT, "das Projektverzeichnis"), (ROOT / "docs", "den Ordner docs/")]
    for path, what in protected:
        if site_dir == path or site_dir in path.parents:
            raise SiteError(f"Der Zielordner {site_dir} würde {what} ersetzen. Bitte einen eigenen Ordner angeben, z. B. --site-dir site.")
    if site_dir.is_symlink() or (site_dir.exists() and not site_dir.is_dir()):
        raise SiteError(f"{site_dir} ist eine Datei oder ein Verweis, kein Ordner. Bitte einen Ordner angeben, z. B. --site-dir site.")
    if site_dir.exists():
        try:
            empty = not any(site_dir.iterdir())
        except OSError as exc:
            raise SiteError(f"Der Zielordner {site_dir} kann nicht gelesen werden ({exc.strerror or exc}).") from None
        if not empty and not (site_dir / MARKER).is_file():
            raise SiteError(
                f"Der Ordner {site_dir} ist nicht leer und wurde nicht von „lotse build“ angelegt (es fehlt die Datei {MARKER}). "
                "Beim Bauen würde er samt Inhalt ersetzt; daher bleibt er unangetastet. Bitte einen leeren oder neuen Ordner angeben. "
                "(Eine Website aus einer älteren Fassung von Lotse hat die Markierung noch nicht: dann den Ordner einmal selbst löschen.)"
            )


def _remove_stale(site_dir: Path) -> None:
    """Delete build folders of earlier builds that were killed before they finished.

    Only siblings named like ours (``.<name>-neu-<pid>-…``/``.<name>-alt-<pid>``), carrying
    the marker, whose process is gone; a build running in parallel keeps its folder.
    """
    for prefix in (f".{site_dir.name}-neu-", f".{site_dir.name}-alt-"):
        try:
            candidates = [p for p in site_dir.parent.iterdir() if p.name.startswith(prefix)]
        except OSError:
            return
        for path in candidates:
            pid = path.name[len(prefix):].split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)) or path.is_symlink() or not (path / MARKER).is_file():
                continue
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but not ours
    return True


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
    The finished folder is ready to serve (:mod:`lotse.site.publish`).
    """
    from mkdocs.commands.build import build

    data_dir = Path(data_dir).resolve()
    site_dir = Path(site_dir).resolve()
    check_site_dir(site_dir, data_dir)
    if dataset is None:
        dataset = load_valid(data_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(site_dir)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-neu-{os.getpid()}-", dir=site_dir.parent))
    (fresh / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # first, so a killed build's folder is recognisable
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
        publish.finish(fresh)  # fingerprints, _headers, .gz (lotse/site/publish.py)
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
