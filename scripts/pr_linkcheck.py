"""Link check for a pull request: only the URLs the pull request adds or changes.

Used by .github/workflows/pr.yml. The nightly ``lotse linkcheck`` checks every
URL and needs several failed nights before it calls a link broken; here an
editor is waiting for the answer on the URLs they just typed, so each changed
URL is checked once, now.

Which URLs are new comes from the same extraction the nightly check uses
(:func:`lotse.linkcheck.collect.collect_urls`: every URL field, links inside
Markdown, and the portal links derived from ``amt24_id`` and ``leika``):
URLs present in ``--data`` but not in the base version of data/ (read from
git with ``--base REF``, or from a folder with ``--base-data DIR``). URLs in
data/linkcheck-ignore.yml are skipped, as in the nightly run.

Exit status 1 when a new URL is certainly dead (404, 410, unknown host,
refused connection, certificate error, redirect loop); answers that can be a
bot block or a hiccup (403, 429, 5xx, timeouts) are warnings only.

Example: ``python scripts/pr_linkcheck.py --data data --base HEAD^1 --format github``
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Run as a script from the repository: make the package importable without installing.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lotse.dataset import Dataset  # noqa: E402
from lotse.linkcheck.checker import Outcome, Settings, check_urls  # noqa: E402
from lotse.linkcheck.collect import Use, collect_urls, suppressions  # noqa: E402
from lotse.linkcheck.report import describe  # noqa: E402
from lotse.validator import load  # noqa: E402

CERTAIN = ("http-404", "http-410", "dns", "refused", "tls", "loop", "too-many-redirects", "bad-redirect", "invalid-url")


def base_from_git(ref: str, data_dir: Path, target: Path) -> Path | None:
    """Extract ``data_dir`` as it is at git ``ref`` into ``target``; None if it did not exist there."""
    result = subprocess.run(["git", "archive", "--format=tar", ref, data_dir.as_posix()], capture_output=True)
    if result.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(target, filter="data")
    return target / data_dir


def changed_urls(head: Dataset, base: Dataset | None) -> dict[str, list[Use]]:
    """URLs (with their places) that ``head`` has and ``base`` does not, minus suppressed ones."""
    now = collect_urls(head)
    before = set(collect_urls(base)) if base is not None else set()
    rules = suppressions(head)
    return {url: uses for url, uses in now.items() if url not in before and not any(r.matches(url) for r in rules)}


def judge(outcome: Outcome) -> str:
    """``ok``, ``warning`` or ``error`` for one URL of a pull request."""
    if outcome.result == "ok":
        return "ok"
    if outcome.result == "redirect":
        return "warning"
    return "error" if (outcome.code or "") in CERTAIN else "warning"


def _escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def messages(changed: dict[str, list[Use]], outcomes: dict[str, Outcome], github: bool) -> tuple[list[str], dict[str, int]]:
    lines: list[str] = []
    counts = {"ok": 0, "warning": 0, "error": 0}
    for url, uses in changed.items():
        outcome = outcomes[url]
        level = judge(outcome)
        counts[level] += 1
        if level == "ok":
            continue
        if outcome.result == "redirect":
            text = f"{url} ist umgezogen nach {outcome.moved_to}. Bitte die neue Adresse eintragen."
        else:
            text = f"{url}: {describe(outcome)}."
        for use in uses:
            if github:
                lines.append(f"::{level} file={_escape(use.file, True)},line={use.line},title=Link ({_escape(use.field, True)})::{_escape(text)}")
            else:
                lines.append(f"{use.file}:{use.line}: {use.field}: {text}")
    return lines, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"))
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base", help="git-Stand vor dem Pull-Request, z. B. HEAD^1")
    source.add_argument("--base-data", type=Path, help="Datenordner vor dem Pull-Request")
    parser.add_argument("--format", choices=["text", "github"], default="text")
    parser.add_argument("--list", action="store_true", help="nur die geänderten Adressen ausgeben, nicht abrufen")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args(argv)

    head, problems = load(args.data)
    if problems:
        print("Die Daten sind ungültig; erst „lotse validate“ beheben, dann prüft dieser Schritt die Links.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        base_dir = args.base_data if args.base_data else base_from_git(args.base, args.data, Path(tmp))
        # The base may be invalid or missing (first data in the repository): its URLs still count as known.
        base = load(base_dir)[0] if base_dir is not None and base_dir.is_dir() else None
    changed = changed_urls(head, base)
    if args.list:
        for url in changed:
            print(url)
        return 0
    print(f"{len(changed)} neue oder geänderte Adresse(n) in diesem Pull-Request.")
    if not changed:
        return 0
    outcomes = check_urls(list(changed), Settings(timeout=args.timeout, retries=1, concurrency=16, per_host=2, spacing=0.5))
    lines, counts = messages(changed, outcomes, args.format == "github")
    for line in lines:
        print(line)
    print(f"{counts['ok']} in Ordnung, {counts['error']} kaputt, {counts['warning']} mit Hinweis.")
    return 1 if counts["error"] else 0


if __name__ == "__main__":
    sys.exit(main())
