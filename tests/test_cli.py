"""The `lotse` command as editors and CI use it: exit codes, output format, no tracebacks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lotse import ROOT, bench
from lotse.cli import main
from lotse.validator import load

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
PROBLEM_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>\d+): (?P<message>\S.*)$")


def run(*args: str):
    result = CliRunner().invoke(main, [str(a) for a in args])
    # Every outcome is a normal exit: a crash would show up here as an exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


# --------------------------------------------------------------------------- validate


def test_validate_clean_data(mini_data):
    result = run("validate", "--data", mini_data)
    assert result.exit_code == 0
    assert result.stdout == f"{mini_data}: 2 Leistungen, 1 Lebenslagen, 1 Stellen – keine Probleme.\n"


def test_validate_broken_data_prints_path_line_message(mini_data):
    for rel in ("services/unsichere-adressen.yml", "services/latin1.yml", "services/syntaxfehler.yml", "lebenslagen/unbekannte-leistung.yml"):
        shutil.copy(FIXTURES / rel, mini_data / rel)
    result = run("validate", "--data", mini_data)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, f"not path:line: message: {line!r}"
        assert Path(match["path"]).is_file()
    assert f"{mini_data / 'services' / 'unsichere-adressen.yml'}:10: „kanaele[1].url“: Adressen mit „javascript:“ sind verboten" in result.stdout
    assert result.stderr.strip() == "6 Problem(e) in 4 Datei(en). Bitte beheben und erneut „lotse validate“ ausführen."


def test_validate_every_fixture_at_once_without_traceback(mini_data):
    for fixture in FIXTURES.rglob("*"):
        if fixture.is_file() and fixture.name != "README.md":
            shutil.copy(fixture, mini_data / fixture.relative_to(FIXTURES))
    (mini_data / "services" / "leer.yml").write_bytes(b"")
    result = run("validate", "--data", mini_data)
    assert result.exit_code == 1
    assert all(PROBLEM_LINE.match(line) for line in result.stdout.splitlines())
    assert len(result.stdout.splitlines()) >= 28


def test_validate_missing_data_dir(tmp_path):
    result = run("validate", "--data", tmp_path / "fehlt")
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'fehlt'}:1: Der Datenordner existiert nicht. Mit --data DIR einen anderen Ordner angeben.\n"


# --------------------------------------------------------------------------- bench generate


def test_bench_generate_writes_valid_data(tmp_path):
    out = tmp_path / "bench"
    result = run("bench", "generate", "--services", 60, "--out", out)
    assert result.exit_code == 0, result.output
    ds, problems = load(out)
    assert [str(p) for p in problems] == []
    assert len(ds.leistungen) == 60
    assert result.stdout == f"{out}: 60 Leistungen, {len(ds.lebenslagen)} Lebenslagen, {len(ds.aemter)} Stellen (synthetisch).\n"
    assert ds.settings["stadt"] == "Beispielstadt (synthetische Testdaten)"
    for bucket in (ds.leistungen, ds.lebenslagen, ds.aemter):
        for doc in bucket.values():
            assert "Synthetische Testdaten" in doc.data["quelle"][0]["titel"]
    # Every service belongs to a Lebenslage when the catalogue gives it one, and offices of all carriers exist.
    assert {doc.data["traeger"] for doc in ds.aemter.values()} == {"stadt", "land", "bund", "sonstige"}
    linked = {sid for doc in ds.lebenslagen.values() for step in doc.data["schritte"] for sid in step["leistungen"]}
    assert len(linked) > 50
    # Real catalogue material: keys from the catalogue, names as written there.
    catalogue = {svc.key: svc.name for svc in bench.load_catalogue().services}
    for doc in ds.leistungen.values():
        assert catalogue[doc.data["leika"]] == doc.data["name"]


def test_bench_generate_channels_agree_with_level(tmp_path):
    bench.generate(120, tmp_path / "bench", seed=7)
    ds, problems = load(tmp_path / "bench")
    assert problems == []
    levels = {doc.data["digitalisierung"] for doc in ds.leistungen.values()}
    types = {k["typ"] for doc in ds.leistungen.values() for k in doc.data["kanaele"]}
    assert levels == {"analog", "digital", "ende-zu-ende"}
    assert types == {"amt24", "formular", "efa", "portal", "email-pdf", "post", "vor-ort"}
    assert any("kennzahlen" in doc.data for doc in ds.leistungen.values())
    assert any("planung" in doc.data for doc in ds.leistungen.values())
    assert any("buendel" in doc.data for doc in ds.lebenslagen.values())


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_bench_generate_is_deterministic(tmp_path):
    bench.generate(60, tmp_path / "a", seed=5)
    bench.generate(60, tmp_path / "b", seed=5)
    bench.generate(60, tmp_path / "c", seed=6)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")
    assert not list((tmp_path / "a").rglob("*.tmp")), "no temporary files are left behind"


def test_bench_generate_variants_beyond_the_catalogue(tmp_path, monkeypatch):
    """With a 40-service slice of the real catalogue, 100 services need 60 variants."""
    small = tmp_path / "katalog"
    small.mkdir()
    for name in ("themenfelder.tsv", "lebenslagen.tsv", "ozg-leistungen.tsv"):
        shutil.copy(bench.CATALOGUE_DIR / name, small / name)
    lines = (bench.CATALOGUE_DIR / "leika-leistungen.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    (small / "leika-leistungen.tsv").write_text("".join(lines[:41]), encoding="utf-8")
    monkeypatch.setattr(bench, "CATALOGUE_DIR", small)
    bench.load_catalogue.cache_clear()
    try:
        bench.generate(100, tmp_path / "out", seed=1)
    finally:
        bench.load_catalogue.cache_clear()
    ds, problems = load(tmp_path / "out")
    assert problems == []
    keys = [doc.data["leika"] for doc in ds.leistungen.values()]
    variants = [k for k in keys if k.startswith(bench.VARIANT_KEY_PREFIX)]
    assert len(variants) == 60 and len(set(keys)) == 100
    assert sum("-variante-" in sid for sid in ds.leistungen) == 60


def test_bench_generate_refuses_a_non_empty_folder(tmp_path):
    out = tmp_path / "voll"
    out.mkdir()
    (out / "notiz.txt").write_text("bleibt", encoding="utf-8")
    result = run("bench", "generate", "--services", 5, "--out", out)
    assert result.exit_code == 1
    assert f"Der Zielordner „{out}“ ist nicht leer." in result.output
    assert [p.name for p in out.iterdir()] == ["notiz.txt"]


def test_bench_generate_refuses_the_repository_data_folder():
    target = ROOT / "data" / "bench-darf-es-nicht-geben"
    result = run("bench", "generate", "--services", 5, "--out", target)
    assert result.exit_code == 1
    assert "Synthetische Testdaten gehören nie in data/" in result.output
    assert not target.exists()


@pytest.mark.parametrize("target, message", [
    ("datei", "ist eine Datei, kein Ordner"),
    ("datei/unterordner", "kann nicht geschrieben werden"),
])
def test_bench_generate_explains_an_unusable_target(tmp_path, target, message):
    (tmp_path / "datei").write_text("", encoding="utf-8")
    result = run("bench", "generate", "--services", 5, "--out", tmp_path / target)
    assert result.exit_code == 1
    assert message in result.output


@pytest.mark.parametrize("services", ["0", "viele"])
def test_bench_generate_rejects_a_bad_count(tmp_path, services):
    result = run("bench", "generate", "--services", services, "--out", tmp_path / "x")
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- help and docs


def _commands() -> list[str]:
    result = run("--help")
    assert result.exit_code == 0
    section = result.stdout.split("Commands:", 1)[1]
    return [line.split()[0] for line in section.splitlines() if line.startswith("  ") and line.split()]


def test_help_lists_the_commands():
    commands = _commands()
    assert {"validate", "bench"} <= set(commands)


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in _commands() if f"lotse {name}" not in readme]
    assert missing == [], f"README.md does not mention: {', '.join('lotse ' + m for m in missing)}"
