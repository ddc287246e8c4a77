"""CI and local gates: workflow syntax, the pull-request workflow, pre-commit, annotations, PR link check."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import write_yaml
from lotse.cli import main

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
PR_LINKCHECK = ROOT / "scripts" / "pr_linkcheck.py"


def check_workflow(path: Path, schema: str) -> subprocess.CompletedProcess:
    # Built-in schemas ship inside check-jsonschema: no network needed.
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, timeout=120,
    )


def test_there_are_workflows():
    assert (ROOT / ".github" / "workflows" / "pr.yml") in WORKFLOWS


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_syntax(path):
    result = check_workflow(path, "vendor.github-workflows")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_jobs_have_a_timeout(path):
    """A hung job otherwise runs for six hours."""
    result = check_workflow(path, "custom.github-workflows-require-timeout")
    assert result.returncode == 0, result.stdout + result.stderr


def test_syntax_check_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    step:\n      - run: true\n", encoding="utf-8")
    assert check_workflow(broken, "vendor.github-workflows").returncode != 0


def _pr_workflow() -> dict:
    # "on" is a YAML 1.1 boolean for PyYAML; BaseLoader keeps every key a string.
    return yaml.load((ROOT / ".github" / "workflows" / "pr.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def test_pr_workflow_steps():
    wf = _pr_workflow()
    assert "pull_request" in wf["on"]
    assert wf["permissions"] == {"contents": "read"}
    (job,) = wf["jobs"].values()
    runs = [s.get("run", "") for s in job["steps"]]
    uses = [s.get("uses", "") for s in job["steps"]]
    order = [
        next(i for i, r in enumerate(runs) if "make install" in r),
        next(i for i, r in enumerate(runs) if "lotse validate" in r and "--format github" in r),
        next(i for i, r in enumerate(runs) if "lotse build" in r and "--site-dir site" in r),
        next(i for i, u in enumerate(uses) if u.startswith("actions/upload-artifact@")),
        next(i for i, r in enumerate(runs) if "scripts/pr_linkcheck.py" in r),
    ]
    assert order == sorted(order)
    upload = job["steps"][order[3]]
    assert upload["with"]["path"].rstrip("/") == "site"
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert int(checkout["with"]["fetch-depth"]) >= 2, "the link check compares with the merge commit's first parent"
    assert "install:" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert PR_LINKCHECK.is_file()


# --------------------------------------------------------------------------- pre-commit


def test_pre_commit_hook_blocks_invalid_data(tmp_path, mini_data):
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for repo in config["repos"] if repo["repo"] == "local" for h in repo["hooks"]]
    assert hook["language"] == "system" and hook["pass_filenames"] is False
    argv = hook["entry"].split()
    assert argv[0] == ".venv/bin/lotse" and argv[1] == "validate"
    argv[0] = str(Path(sys.executable).parent / "lotse")
    # pre-commit runs the entry from the repository root, where data/ lives
    repo = tmp_path / "repo"
    shutil.copytree(mini_data, repo / "data")
    ok = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (repo / "data" / "services" / "analoge-leistung.yml").write_text("id: analoge-leistung\nname: x\n", encoding="utf-8")
    bad = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "data/services/analoge-leistung.yml:" in bad.stdout


# --------------------------------------------------------------------------- annotations


def test_validate_format_github_annotates_file_and_line(mini_data, monkeypatch):
    path = mini_data / "services" / "analoge-leistung.yml"
    text = path.read_text(encoding="utf-8").replace("digitalisierung: analog", "digitalisierung: analg")
    path.write_text(text, encoding="utf-8")
    weird = mini_data / "services" / "a,b%c.yml"  # a name with characters GitHub's syntax reserves
    weird.write_text("id: x\n", encoding="utf-8")
    monkeypatch.chdir(mini_data.parent)
    result = CliRunner().invoke(main, ["validate", "--data", "data", "--format", "github"])
    assert result.exit_code == 1
    annotations = [line for line in result.output.splitlines() if line.startswith("::error ")]
    plain = [line for line in result.output.splitlines() if line.startswith("data/")]
    assert len(annotations) == len(plain) > 1
    line_no = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("digitalisierung:"))
    expected = f"::error file=data/services/analoge-leistung.yml,line={line_no},title=lotse validate::„digitalisierung“: „analg“ ist nicht erlaubt."
    assert any(a.startswith(expected) for a in annotations), annotations
    assert any(a.startswith("::error file=data/services/a%2Cb%25c.yml,line=1,") for a in annotations), annotations


def test_validate_format_github_quiet_when_valid(mini_data):
    result = CliRunner().invoke(main, ["validate", "--data", str(mini_data), "--format", "github"])
    assert result.exit_code == 0
    assert "::error" not in result.output


# --------------------------------------------------------------------------- PR link check


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout


def run_script(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PR_LINKCHECK), *args], cwd=repo, capture_output=True, text=True, timeout=120)


@pytest.fixture
def pr_repo(tmp_path, mini_data) -> Path:
    """A git repository whose second commit is a pull request changing URLs in data/."""
    repo = tmp_path / "repo"
    shutil.copytree(mini_data, repo / "data")
    git(repo, "init", "-q")
    git(repo, "add", "data")
    git(repo, "commit", "-q", "-m", "base")
    service = repo / "data" / "services" / "analoge-leistung.yml"
    record = yaml.safe_load(service.read_text(encoding="utf-8"))
    record["kanaele"].append({"typ": "post", "bezeichnung": "Per Brief", "url": "https://127.0.0.1:9/formular.pdf"})
    record["beschreibung"] = "Mehr [hier](https://127.0.0.1:9/hinweise) und <https://127.0.0.1:9/faq>."
    record["amt24_id"] = "1234567"
    write_yaml(service, record)
    git(repo, "commit", "-q", "-am", "pr")
    return repo


def test_pr_linkcheck_lists_only_added_urls(pr_repo):
    result = run_script(pr_repo, "--data", "data", "--base", "HEAD^1", "--list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "https://127.0.0.1:9/faq",
        "https://127.0.0.1:9/formular.pdf",
        "https://127.0.0.1:9/hinweise",
        "https://amt24.sachsen.de/zufi/leistungen/1234567",
    ]
    unchanged = run_script(pr_repo, "--data", "data", "--base", "HEAD", "--list")
    assert unchanged.stdout == ""


def test_pr_linkcheck_annotates_dead_new_url(pr_repo):
    # keep only the local URLs; the derived Amt24 link would need the internet
    service = pr_repo / "data" / "services" / "analoge-leistung.yml"
    record = yaml.safe_load(service.read_text(encoding="utf-8"))
    del record["amt24_id"]
    write_yaml(service, record)
    result = run_script(pr_repo, "--data", "data", "--base", "HEAD^1", "--format", "github", "--timeout", "5")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [l for l in result.stdout.splitlines() if l.startswith("::error ")]
    assert len(lines) == 3
    text = service.read_text(encoding="utf-8").splitlines()
    url_line = next(i for i, l in enumerate(text, 1) if "formular.pdf" in l)
    assert any(l.startswith(f"::error file=data/services/analoge-leistung.yml,line={url_line},") and "abgelehnt" in l for l in lines), lines


def test_pr_linkcheck_judges_by_certainty():
    sys.path.insert(0, str(PR_LINKCHECK.parent))
    import pr_linkcheck
    from lotse.linkcheck.checker import Settings, check_urls
    from lotse.linkcheck.collect import Use

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            status = {"/ok": 200, "/weg": 404, "/gesperrt": 403, "/kaputt": 503}[self.path]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        urls = {f"{base}{p}": [Use("data/services/x.yml", n, "kanaele[1].url", None)] for n, p in enumerate(["/ok", "/weg", "/gesperrt", "/kaputt"], 3)}
        outcomes = check_urls(list(urls), Settings(retries=0, timeout=5, spacing=0))
    finally:
        server.shutdown()
    lines, counts = pr_linkcheck.messages(urls, outcomes, github=True)
    assert counts == {"ok": 1, "error": 1, "warning": 2}
    assert [l.split(" ")[0] for l in lines] == ["::error", "::warning", "::warning"]
    assert lines[0].startswith("::error file=data/services/x.yml,line=4,title=Link (kanaele[1].url)::")
