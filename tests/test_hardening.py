"""Hostile input for the loader and the validator: bounded time, German messages, no tracebacks.

Each test is the regression test of a finding of the adversarial review (issue 15);
each failed before the fix (the timing ones by minutes, not by a hair).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lotse import SCHEMA_DIR, validator
from lotse.cli import main
from lotse.validator import load
from lotse.yamlload import MAX_BYTES, MAX_DEPTH, load_yaml_text

from conftest import mini_service, write_yaml


def problems_of(data: Path) -> list[str]:
    return [str(p) for p in load(data)[1]]


def invoke(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


# ---------------------------------------------------------------------------- finding 1: linear time


def test_mixed_type_list_of_256_kib_validates_in_linear_time(mini_data):
    """jsonschema's uniqueItems compared every pair of an unsortable list: 174 s for this file."""
    head = "id: analoge-leistung\nname: Analoge Leistung\nsynonyme:\n"
    items, size, i = [], len(head), 0
    while size < MAX_BYTES - 4096:
        item = f"  - {i}\n" if i % 2 else f"  - w{i}\n"
        items.append(item)
        size += len(item)
        i += 1
    path = mini_data / "services" / "analoge-leistung.yml"
    path.write_text(head + "".join(items), encoding="utf-8")
    started = time.perf_counter()
    found = problems_of(mini_data)
    elapsed = time.perf_counter() - started
    assert elapsed < 3, f"{elapsed:.1f} s for one file"  # was minutes; ~0.5 s now on a slow machine
    assert any("muss Text sein, ist aber eine ganze Zahl" in p for p in found)


def test_unique_items_keeps_json_schema_equality():
    check = validator.schema_validator("leistung.schema.json")
    for items, unique in ((["a", "b"], True), (["a", "a"], False), ([1, True], True), ([1, 1.0], False), ([{"a": [1]}, {"a": [1]}], False), (["1", 1], True)):
        errors = [e for e in check.iter_errors({"synonyme": items}) if e.validator == "uniqueItems"]
        assert (errors == []) is unique, items


def test_spelling_suggestions_are_bounded(mini_data, monkeypatch):
    """Each unknown reference compared itself with every record: 57 s for 25,000 of them."""
    import difflib

    calls = []
    real = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    ids = [f"leistung-{n}" for n in range(2_000)]
    for sid in ids[:200]:
        write_yaml(mini_data / "services" / f"{sid}.yml", mini_service(sid))
    write_yaml(mini_data / "lebenslagen" / "viele.yml", {
        "id": "viele", "titel": "Viele Verweise", "kurzbeschreibung": "Eine Lebenslage mit vielen Verweisen.",
        "schritte": [{"titel": "Alles", "leistungen": [f"{sid}x" for sid in ids]}],
        "stand": "2026-01-01", "quelle": [{"titel": "Test"}],
    })
    found = [p for p in problems_of(mini_data) if "gibt es nicht" in p]
    assert len(found) == 2_000
    assert len(calls) <= validator.MAX_SUGGESTIONS
    assert "Meinten Sie „leistung-0“?" in found[0]  # the first ones still get their hint


# ---------------------------------------------------------------------------- finding 2: maxLength


def _strings(node, where=""):
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "string" or (isinstance(kind, list) and "string" in kind):
            yield where, node
        for key, value in node.items():
            yield from _strings(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{where}/{i}")


def test_every_schema_string_has_a_max_length():
    missing = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        for where, node in _strings(json.loads(path.read_text(encoding="utf-8"))):
            if not isinstance(node.get("maxLength"), int):
                missing.append(f"{path.name}{where}")
    assert missing == []


# ---------------------------------------------------------------------------- finding 6: no tracebacks


HOSTILE = {
    "verschachtelt": ("name: " + "[" * 495 + "]" * 495 + "\n", "zu tief verschachtelt"),
    "riesenzahl": ("name: " + "9" * 5_000 + "\n", "ist zu groß (5000 Zeichen)"),
    "riesenhex": ("name: 0x" + "f" * 3_000 + "\n", "ist zu groß"),
    "nullbyte": ("name: Test\nkurzbeschreibung: a\x00b\n", "Null-Byte"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["validate", "fix", "build", "bericht", "linkcheck"])
def test_hostile_file_gives_a_german_message_in_every_command(mini_data, tmp_path, name, command):
    text, fragment = HOSTILE[name]
    path = mini_data / "services" / f"{name}.yml"
    path.write_text(f"id: {name}\n" + text, encoding="utf-8")
    args = {
        "validate": ["validate", "--data", str(mini_data)],
        "fix": ["validate", "--fix", "--data", str(mini_data)],
        "build": ["build", "--data", str(mini_data), "--site-dir", str(tmp_path / "site")],
        "bericht": ["bericht", "--data", str(mini_data)],
        "linkcheck": ["linkcheck", "--data", str(mini_data), "--out", str(tmp_path / "lc")],
    }[command]
    result = invoke(*args)
    assert result.exit_code in (1, 2), result.output
    line = 3 if name == "nullbyte" else 2
    assert f"{path}:{line}: " in result.output
    assert fragment in result.output


def test_nesting_limit_leaves_room_for_real_records():
    doc = load_yaml_text("a:\n  b:\n    - c:\n        - [1, {d: e}]\n", "x.yml")
    assert doc.data == {"a": {"b": [{"c": [[1, {"d": "e"}]]}]}}
    assert MAX_DEPTH >= 8


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder(mini_data):
    folder = mini_data / "aemter"
    folder.chmod(0)
    try:
        result = invoke("validate", "--data", str(mini_data))
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1
    assert f"{folder}:1: Der Ordner kann nicht gelesen werden: keine Leseberechtigung" in result.output


# ---------------------------------------------------------------------------- finding 8: smaller ones


def test_patterns_refuse_a_trailing_newline_and_foreign_digits(mini_data):
    path = mini_data / "services" / "online-leistung.yml"
    for bad in ("99115005104000\n", "99115005١04000"):
        text = path.read_text(encoding="utf-8")
        path.write_text("\n".join(l for l in text.splitlines() if not l.startswith("leika:")) + f"\nleika: {json.dumps(bad)}\n", encoding="utf-8")
        found = problems_of(mini_data)
        assert any("„leika“" in p and "hat nicht das erwartete Format" in p for p in found), (bad, found)


@pytest.mark.parametrize("written,read", [("04103", "2115"), ("18:30", "1110"), ("no", "false")])
def test_yaml_1_1_readings_are_explained_with_what_was_written(mini_data, written, read):
    path = mini_data / "aemter" / "testamt.yml"
    field = {"04103": "adresse:\n  strasse: Markt 1\n  plz: 04103\n  ort: Leipzig\n",
             "18:30": "oeffnungszeiten:\n  zeiten:\n    - tage: [mo]\n      von: \"08:00\"\n      bis: 18:30\n",
             "no": "name: no\n"}[written]
    text = path.read_text(encoding="utf-8")
    if written == "no":
        text = "\n".join(l for l in text.splitlines() if not l.startswith("name:")) + "\n"
    path.write_text(text + field, encoding="utf-8")
    found = [p for p in problems_of(mini_data) if "testamt.yml" in p]
    assert any(f"Ohne Anführungszeichen liest YAML „{written}“ als {read}. Bitte in Anführungszeichen setzen: \"{written}\"." in p for p in found), found
    assert not any(f'z. B. "{read}"' in p for p in found)


def test_symlink_out_of_the_data_folder_is_refused_without_its_content(mini_data, tmp_path):
    secret = tmp_path / "geheim.txt"
    secret.write_text("id: geheim\nname: SCHLUESSEL-4711\n", encoding="utf-8")
    link = mini_data / "services" / "geheim.yml"
    link.symlink_to(secret)
    result = invoke("validate", "--data", str(mini_data))
    assert result.exit_code == 1
    assert f"{link}:1: Die Datei ist ein Verweis (Symlink) auf etwas außerhalb des Datenordners" in result.output
    assert "SCHLUESSEL-4711" not in result.output and str(secret) not in result.output


def test_symlink_inside_the_data_folder_is_read(mini_data):
    (mini_data / "services" / "kopie.yml").symlink_to(mini_data / "services" / "analoge-leistung.yml")
    assert any("passt nicht zum Dateinamen" in p for p in problems_of(mini_data))


def test_a_folder_named_like_a_record(mini_data):
    (mini_data / "services" / "ordner.yml").mkdir()
    found = problems_of(mini_data)
    assert any("ordner.yml:1: In data/services/ gehören nur .yml-Dateien (eine je Leistung), keine Ordner" in p for p in found), found
    assert not any("umbenennen" in p and "ordner.yml" in p for p in found)


def test_nul_byte_message_is_german_with_its_line(mini_data):
    path = mini_data / "services" / "analoge-leistung.yml"
    path.write_bytes(path.read_bytes() + b"hinweise: a\x00b\n")
    lines = path.read_bytes().count(b"\n")
    assert any(p.startswith(f"{path}:{lines}: Die Datei enthält ein Null-Byte") for p in problems_of(mini_data))


def test_github_format_keeps_data_from_becoming_workflow_commands(mini_data):
    path = mini_data / "services" / "analoge-leistung.yml"
    text = path.read_text(encoding="utf-8").replace("digitalisierung: analog", 'digitalisierung: "x\\n::error file=a,line=1::gefälscht\\n##[warning]auch"')
    path.write_text(text, encoding="utf-8")
    result = invoke("validate", "--format", "github", "--data", str(mini_data))
    assert result.exit_code == 1
    commands = [line for line in result.output.splitlines() if line.lstrip().startswith(("::", "##["))]
    assert commands and all(line.startswith("::error file=") and "analoge-leistung.yml" in line for line in commands), commands
    assert "gefälscht" in result.output  # still shown, as text


def fix(path: Path) -> list[str]:
    from lotse.dataset import COLLECTIONS
    from lotse.redaktion.fix import fix_file

    return fix_file(path, next(c for c in COLLECTIONS if c.kind == "leistung"))


def test_fix_keeps_tabs_inside_block_scalars(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"id: x\nbeschreibung: |\n  Zeile\n  \tmit Tab\nname:\n\tX\n")
    assert fix(path)
    assert b"  \tmit Tab\n" in path.read_bytes()
    assert load_yaml_text(path.read_text(encoding="utf-8"), "x").data["beschreibung"] == "Zeile\n\tmit Tab\n"


def test_fix_keeps_a_closing_comment_at_the_end(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"name: X\nid: x\n# Ende der Datei\n")
    assert fix(path)
    assert path.read_bytes() == b"id: x\nname: X\n# Ende der Datei\n"


def test_fix_keeps_cr_only_line_ends(tmp_path):
    path = tmp_path / "x.yml"
    path.write_bytes(b"name: X\rid: x\rkurzbeschreibung: abc\r")
    assert fix(path)  # was an IndexError traceback
    assert path.read_bytes() == b"id: x\rname: X\rkurzbeschreibung: abc\r"


# ---------------------------------------------------------------------------- finding 5: --site-dir


def build_cli(data: Path, site: Path):
    return invoke("build", "--data", str(data), "--site-dir", str(site))


def test_a_foreign_folder_with_an_index_html_is_not_replaced(mini_data, tmp_path):
    site = tmp_path / "projekt"
    (site / "projekt").mkdir(parents=True)
    (site / "index.html").write_text("<p>meine Seite</p>", encoding="utf-8")
    (site / "projekt" / "steuer-2024.txt").write_text("Einkommen", encoding="utf-8")
    (site / "id_ed25519").write_text("KEY", encoding="utf-8")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    result = build_cli(mini_data, site)
    assert result.exit_code == 1
    assert "wurde nicht von „lotse build“ angelegt" in result.output
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".projekt-")]


def test_a_built_folder_is_replaced_and_stale_build_folders_are_removed(mini_data, tmp_path):
    import subprocess
    import sys

    from lotse.site.build import MARKER

    site = tmp_path / "site"
    assert build_cli(mini_data, site).exit_code == 0
    assert (site / MARKER).is_file()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    living = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = tmp_path / f".site-neu-{dead}-abc"
        running = tmp_path / f".site-neu-{living.pid}-def"
        foreign = tmp_path / f".site-neu-{dead}-ohne-markierung"
        for folder in (stale, running):
            (folder / "leistungen").mkdir(parents=True)
            (folder / MARKER).write_text("x", encoding="utf-8")
        foreign.mkdir()
        (site / "alt.txt").write_text("vom letzten Bau", encoding="utf-8")
        assert build_cli(mini_data, site).exit_code == 0
        assert not stale.exists() and running.exists() and foreign.exists()
        assert not (site / "alt.txt").exists() and (site / MARKER).is_file()
    finally:
        living.kill()
        living.wait()


@pytest.mark.parametrize("target,reason", [("/", "ist das Wurzelverzeichnis des Systems"), ("~", "ist das Benutzerverzeichnis")])
def test_site_dir_root_names_the_right_reason(mini_data, target, reason):
    result = build_cli(mini_data, Path(target).expanduser())
    assert result.exit_code == 1
    assert reason in result.output


def test_fix_leaves_a_symlink_out_of_the_data_folder_alone(mini_data, tmp_path):
    secret = tmp_path / "geheim.yml"
    secret.write_text("name: X\nid: geheim\n", encoding="utf-8")  # would be reordered if --fix followed the link
    link = mini_data / "services" / "geheim.yml"
    link.symlink_to(secret)
    result = invoke("validate", "--fix", "--data", str(mini_data))
    assert result.exit_code == 1
    assert link.is_symlink() and secret.read_text(encoding="utf-8") == "name: X\nid: geheim\n"
