"""The deploy workflow (issue 13): least privileges, actions pinned by commit, the real commands.

Syntax and timeouts of every workflow, deploy.yml included, are checked in test_workflows.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"


def workflow() -> dict:
    # BaseLoader: "on" stays a string key (PyYAML would read it as a boolean).
    return yaml.load(DEPLOY.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_runs_on_pushes_to_main():
    wf = workflow()
    assert wf["on"]["push"]["branches"] == ["main"]
    assert "pull_request_target" not in wf["on"] and "pull_request" not in wf["on"]


def test_least_privileges():
    wf = workflow()
    assert wf["permissions"] == {}, "nothing by default"
    jobs = wf["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert jobs["pages"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["rsync"]["permissions"] == {}
    for name, job in jobs.items():
        for step in steps(job):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] == "false", name


def test_every_action_is_pinned_by_full_commit_sha():
    text = DEPLOY.read_text(encoding="utf-8")
    uses = re.findall(r"uses:\s*(\S+)", text)
    assert len(uses) >= 5
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
    # each pin names the release it was taken from
    assert all(re.search(re.escape(ref) + r" # v\d+\.\d+\.\d+", text) for ref in uses)


def test_build_job_tests_and_builds_with_the_public_address():
    job = workflow()["jobs"]["build"]
    runs = [s.get("run", "") for s in steps(job)]
    test = next(i for i, r in enumerate(runs) if r.strip() == "make test")
    build = next(i for i, r in enumerate(runs) if "lotse build" in r)
    assert test < build
    assert "--site-url" in runs[build]
    upload = next(s for s in steps(job) if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "site"


def test_exactly_one_publication_path_runs():
    jobs = workflow()["jobs"]
    assert jobs["pages"]["if"] == "vars.LOTSE_DEPLOY != 'rsync'"
    assert jobs["rsync"]["if"] == "vars.LOTSE_DEPLOY == 'rsync'"
    assert jobs["pages"]["needs"] == "build" and jobs["rsync"]["needs"] == "build"


def test_rsync_checks_the_server_key():
    job = workflow()["jobs"]["rsync"]
    text = "\n".join(s.get("run", "") for s in steps(job))
    assert "rsync" in text and "--delete-after" in text
    assert "StrictHostKeyChecking=no" not in text.replace("no StrictHostKeyChecking=no", "")
    assert "UserKnownHostsFile" in text and "DEPLOY_KNOWN_HOSTS" in text
    # secrets only through env, never pasted into a command line
    for step in steps(job):
        assert "secrets." not in step.get("run", ""), step.get("name")
