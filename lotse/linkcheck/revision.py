"""The URLs the data had at an earlier git revision, for ``lotse linkcheck --new-since``.

A pull request should be held up only by the links it adds, so the check needs
the URLs of the data before it. They are read from git itself: ``git ls-tree``
lists the data folder at that commit and one ``git cat-file --batch`` process
returns every file, however many there are. Not ``git archive``: it applies the
repository's export attributes (export-ignore, export-subst), which could drop
or rewrite data files. The old files are loaded with the same loader and the
URLs found with the same :func:`~lotse.linkcheck.collect.collect_urls` as the
current data, so "new" means exactly "a URL the check would not have seen
before", including portal links derived from ``amt24_id`` and ``leika``.

The data folder may be anywhere inside the repository (``--data`` is resolved
against the repository's top level), and it may not have existed at that
revision (the first data in a repository): then every URL is new.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ..validator import load
from .collect import collect_urls

_REGULAR_FILES = ("100644", "100755")  # symlinks (120000) and submodules (160000) are not data


class RevisionError(Exception):
    """The earlier revision cannot be read (message in German, for the CLI)."""


class _GitFailed(Exception):
    pass


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True)
    except FileNotFoundError:
        raise RevisionError("git ist nicht installiert; --new-since vergleicht mit einem git-Stand und braucht git.") from None
    if result.returncode != 0:
        raise _GitFailed(result.stderr.decode("utf-8", "replace").strip())
    return result.stdout


def data_at_revision(data_dir: Path, ref: str, target: Path) -> tuple[str, Path | None]:
    """Write ``data_dir`` as it was at git ``ref`` into ``target``.

    Returns the full commit id and the folder with the old files, or None for
    the folder when the data folder did not exist at that commit.
    """
    data_dir = Path(data_dir).resolve()
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], data_dir).decode().strip()).resolve()
    except _GitFailed as exc:
        raise RevisionError(f"Der Datenordner {data_dir} liegt in keinem git-Repository ({exc}); --new-since vergleicht mit einem git-Stand.") from None
    if ref.startswith("-"):  # would be read as an option by git
        raise RevisionError(f"„{ref}“ ist kein git-Stand. Beispiel: --new-since origin/main oder eine Commit-Kennung.")
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top).decode().strip()
    except _GitFailed:
        raise RevisionError(
            f"Den git-Stand „{ref}“ gibt es in diesem Repository nicht (oder er wurde nicht geladen). "
            "In GitHub Actions lädt actions/checkout mit „fetch-depth: 0“ die ganze Geschichte."
        ) from None

    rel = data_dir.relative_to(top).as_posix()
    prefix = "" if rel == "." else rel + "/"
    listing = _git(["ls-tree", "-r", "-z", commit, "--", rel], top)
    blobs: list[tuple[str, str]] = []  # (object id, path inside the data folder)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.decode("utf-8", "surrogateescape").split("\t", 1)
        mode, kind, oid = meta.split()
        if kind == "blob" and mode in _REGULAR_FILES and path.startswith(prefix):
            blobs.append((oid, path[len(prefix):]))
    if not blobs:
        return commit, None

    out = _git(["cat-file", "--batch"], top, stdin="".join(f"{oid}\n" for oid, _ in blobs).encode())
    pos = 0
    for oid, path in blobs:
        header_end = out.index(b"\n", pos)
        got_oid, _kind, size = out[pos:header_end].decode().split()
        if got_oid != oid:
            raise RevisionError(f"git hat für {prefix}{path} eine unerwartete Antwort geliefert; bitte erneut versuchen.")
        start = header_end + 1
        dest = target / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        # A scratch copy in a temporary folder, read once and deleted: no atomic write needed.
        dest.write_bytes(out[start:start + int(size)])
        pos = start + int(size) + 1  # the content is followed by a newline
    return commit, target


def urls_at_revision(data_dir: Path, ref: str) -> tuple[str, set[str]]:
    """The commit ``ref`` names and every URL the data folder had there (empty if it had none)."""
    with tempfile.TemporaryDirectory(prefix="lotse-linkcheck-") as tmp:
        commit, folder = data_at_revision(data_dir, ref, Path(tmp))
        if folder is None:
            return commit, set()
        # The old data may not have been valid; its URLs were known all the same.
        old, _problems = load(folder)
        return commit, set(collect_urls(old))
