"""CI and local gates: workflow syntax, the pull-request workflow, pre-commit, annotations.

The pull-request link check itself (``lotse linkcheck --new-since``) is tested in test_linkcheck.py.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.core import ParameterSource
from click.testing import CliRunner

from lotse.cli import main
from lotse.linkcheck.cli import NIGHTLY_ONLY
from lotse.linkcheck.cli import linkcheck as linkcheck_command

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


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
    assert wf["permissions"] == {}
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    runs = [s.get("run", "") for s in job["steps"]]
    uses = [s.get("uses", "") for s in job["steps"]]
    order = [
        next(i for i, r in enumerate(runs) if "make install-locked" in r),
        next(i for i, r in enumerate(runs) if "lotse validate" in r and "--format github" in r),
        next(i for i, r in enumerate(runs) if "lotse build" in r and "--site-dir site" in r),
        next(i for i, u in enumerate(uses) if u.startswith("actions/upload-artifact@")),
        next(i for i, r in enumerate(runs) if "lotse linkcheck" in r),
    ]
    assert order == sorted(order)
    upload = job["steps"][order[3]]
    assert upload["with"]["path"].rstrip("/") == "site"
    assert "install:" in (ROOT / "Makefile").read_text(encoding="utf-8")


def _linkcheck_calls(path: Path) -> list[tuple[dict, list[str]]]:
    """(step, arguments) of every ``lotse linkcheck`` a workflow runs, arguments split like a shell would."""
    wf = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    calls = []
    for job in wf["jobs"].values():
        for step in job["steps"]:
            for line in step.get("run", "").splitlines():
                if "lotse linkcheck" in line:
                    calls.append((step, shlex.split(line.split("lotse linkcheck", 1)[1])))
    return calls


def test_workflows_pass_only_real_linkcheck_options():
    calls = {path.name: _linkcheck_calls(path) for path in WORKFLOWS}
    assert len(calls["linkcheck.yml"]) == 1 and len(calls["pr.yml"]) == 1
    for found in calls.values():
        for _step, args in found:
            # make_context parses like the real command: an unknown option or a bad value raises.
            linkcheck_command.make_context("linkcheck", list(args))


def test_pr_workflow_checks_only_new_links_against_the_base_commit():
    wf = _pr_workflow()
    (job,) = wf["jobs"].values()
    ((step, args),) = _linkcheck_calls(ROOT / ".github" / "workflows" / "pr.yml")
    ctx = linkcheck_command.make_context("linkcheck", list(args))
    assert ctx.params["new_since"] == "$BASE_SHA" and ctx.params["output_format"] == "github"
    assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    # The nightly options would be refused next to --new-since (and the history is not the PR's).
    assert all(ctx.get_parameter_source(name) == ParameterSource.DEFAULT for name in NIGHTLY_ONLY)
    # The base branch may have moved on since the merge commit was made: only full history
    # guarantees that the base commit is there.
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == "0"
    # The summary shows the report the link check wrote.
    summary = next(s for s in job["steps"] if s.get("name") == "Summary")
    assert f"{ctx.params['out_dir'].as_posix()}/report.md" in summary["run"]


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


# --------------------------------------------------------------------------- supply chain (issue 15, finding 7)


def _load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def _steps():
    for path in WORKFLOWS:
        for job_name, job in _load(path)["jobs"].items():
            for step in job.get("steps", []):
                yield path, job_name, job, step


def test_every_action_is_pinned_by_commit_with_its_version():
    """A tag can be moved to other code; a commit cannot. The comment names the release for Dependabot and readers."""
    import re

    pinned = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
    found = []
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith(("- uses:", "uses:")):
                ref, _, comment = line.split("uses:", 1)[1].partition("#")
                found.append(ref.strip())
                assert pinned.match(ref.strip()), f"{path.name}: {line.strip()}"
                assert re.fullmatch(r"\s*v\d+\.\d+\.\d+\s*", comment), f"{path.name}: {line.strip()} (release as '# vX.Y.Z')"
    assert any(r.startswith("peter-evans/create-pull-request@") for r in found)


def test_least_permissions():
    for path in WORKFLOWS:
        wf = _load(path)
        assert wf.get("permissions") == {}, f"{path.name}: nothing by default, each job asks for its own"
        for name, job in wf["jobs"].items():
            perms = job.get("permissions")
            assert isinstance(perms, dict), f"{path.name}:{name} declares its permissions"
            writes = {k for k, v in perms.items() if v == "write"}
            allowed = {"sync.yml": {"contents", "pull-requests"}, "linkcheck.yml": {"issues"},
                       # GitHub Pages: deploy-pages needs to write Pages and an OIDC token, nothing else.
                       "deploy.yml": {"pages", "id-token"}}.get(path.name, set())
            assert writes <= allowed, f"{path.name}:{name} writes {writes - allowed}"


def test_checkout_drops_credentials_where_nothing_is_pushed():
    for path, name, job, step in _steps():
        if step.get("uses", "").startswith("actions/checkout@"):
            pushes = any(s.get("uses", "").startswith("peter-evans/create-pull-request@") for s in job["steps"])
            if not pushes:
                assert step.get("with", {}).get("persist-credentials") == "false", f"{path.name}:{name}"


def test_workflows_install_from_the_hashed_lock():
    for path in WORKFLOWS:
        runs = " ".join(s.get("run", "") for _p, _n, _j, s in _steps() if _p == path)
        assert "make install-locked" in runs, path.name
        assert "pip install" not in runs and "make install\n" not in runs + "\n", path.name
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\ninstall-locked:", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes" in target and "-r requirements.lock" in target and "--no-build-isolation" in target
    assert "--upgrade" not in target


def test_lock_covers_pyproject_with_hashes():
    """Every dependency in pyproject.toml is locked, at a version its range allows, and every pin has a hash."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pins = {}
    for block in text.split("\n"):
        if "==" in block and not block.startswith((" ", "#")):
            name, version = block.split(" ")[0].split("==")
            pins[canonicalize_name(name)] = version
    entries = [e for e in text.split("\n") if e and not e.startswith((" ", "#"))]
    assert entries and all(e.endswith("\\") for e in entries), "each pin continues with --hash lines"
    assert text.count("--hash=sha256:") >= len(pins)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for spec in project["project"]["dependencies"] + project["build-system"]["requires"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock (regenerate it, see its header)"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} outside {req.specifier}"


def test_dependabot_keeps_the_action_pins_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert any(u["package-ecosystem"] == "github-actions" and u["directory"] == "/" for u in config["updates"])
