"""State shared between the build entry points, the MkDocs hooks and the macros.

MkDocs loads ``hooks.py`` and the macros module by file path, as modules of
their own; this ordinary module is the one place all of them import, so the
data loaded for a build is loaded once and seen by every part.
"""

from __future__ import annotations

from pathlib import Path

from ..dataset import Dataset

# Data folders already validated by the caller (``build_site``), by absolute path.
# Taken (and removed) by the next build's on_config, so ``lotse serve`` rebuilds
# always read the folder afresh.
preloaded: dict[Path, Dataset] = {}

# The context of the build in progress (a lotse.site.context.SiteContext).
current = None

# Pre-rendered pages of the build in progress: source path -> GeneratedFile.
pages: dict = {}

# Source paths of the pages listed in the navigation (their frame is their own).
in_nav: set = set()

# Source paths of the files in docs/ (hand-written and imported pages) of the build in progress.
docs_uris: set = set()


def take_preloaded(data_dir: Path) -> Dataset | None:
    return preloaded.pop(Path(data_dir).resolve(), None)


def current_context():
    """The SiteContext of the running build (for macros, which render during the build)."""
    if current is None:
        raise RuntimeError("Keine Lotse-Daten geladen: die Seite wird außerhalb von „lotse build“ bzw. der MkDocs-Hooks gerendert.")
    return current
