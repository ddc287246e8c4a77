"""`lotse validate --fix`: mechanical repairs only, never touching content."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from lotse.cli import main
from lotse.redaktion.fix import fix_data
from lotse.validator import load
from lotse.yamlload import load_yaml_file
from conftest import write_yaml

SERVICE_OUT_OF_ORDER = """\
# Kopfkommentar: gehört zur Datei, bleibt oben.
name: "Leistung online"
id: online-leistung
# Notiz zur Kurzbeschreibung: wandert mit ihr.
kurzbeschreibung: 'Eine kurze Beschreibung für Tests.'
zielgruppe: [buerger]
kanaele:
  - bezeichnung: Online bei Amt24  # Beschriftung wie auf der Seite
    # Typ des Kanals
    typ: amt24
    url: https://amt24.sachsen.de/zufi/leistungen/6007623
  - typ: vor-ort
    bezeichnung: Vor Ort
zustaendig: testamt
digitalisierung: digital
quelle:
  - titel: Testdaten
stand: "2026-01-01"
"""


@pytest.fixture
def mini_data(mini_data):
    """The shared mini data with every record's keys in schema order (as editors' files should be)."""
    from lotse.dataset import COLLECTIONS
    from lotse.redaktion.feldreferenz import fields

    def ordered(value, spec):
        if not isinstance(value, dict):
            return value
        rank = {f.key: (i, f) for i, f in enumerate(spec)}
        out = {}
        for key in sorted(value, key=lambda k: rank[k][0]):
            f = rank[key][1]
            v = value[key]
            if f.shape == "object":
                v = ordered(v, f.children)
            elif f.shape == "list-object":
                v = [ordered(item, f.children) for item in v]
            out[key] = v
        return out

    for coll in COLLECTIONS:
        paths = [mini_data / coll.file] if coll.file else sorted((mini_data / coll.folder).glob("*.yml"))
        for path in paths:
            if path.is_file():
                write_yaml(path, ordered(data_of(path), fields(coll.schema)))
    return mini_data


def run_fix(data: Path) -> list[str]:
    return list(fix_data(data))


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def data_of(path: Path):
    return load_yaml_file(path).data


def service(mini_data: Path, name: str = "online-leistung") -> Path:
    return mini_data / "services" / f"{name}.yml"


def test_nothing_to_fix_changes_nothing(mini_data):
    before = snapshot(mini_data)
    mtimes = {p: p.stat().st_mtime_ns for p in mini_data.rglob("*.yml")}
    assert run_fix(mini_data) == ["lotse validate --fix: nichts zu reparieren."]
    assert snapshot(mini_data) == before
    assert {p: p.stat().st_mtime_ns for p in mini_data.rglob("*.yml")} == mtimes


def test_renames_file_to_its_id(mini_data):
    old = service(mini_data, "online-leistung")
    content = old.read_bytes()
    new_name = old.with_name("tippfehler.yml")
    old.rename(new_name)
    assert any("passt nicht zum Dateinamen" in p.message for p in load(mini_data)[1])
    lines = run_fix(mini_data)
    assert f"{new_name} → {old} umbenannt (der Dateiname ist die Kennung)." in lines
    assert not new_name.exists()
    assert old.read_bytes() == content
    assert load(mini_data)[1] == []


def test_renames_yaml_extension(mini_data):
    path = service(mini_data, "analoge-leistung")
    content = path.read_bytes()
    path.rename(path.with_suffix(".yaml"))
    run_fix(mini_data)
    assert path.read_bytes() == content
    assert not path.with_suffix(".yaml").exists()


def test_does_not_rename_onto_an_existing_file(mini_data):
    a, b = service(mini_data, "analoge-leistung"), service(mini_data, "online-leistung")
    a.write_text(a.read_text(encoding="utf-8").replace("id: analoge-leistung", "id: online-leistung"), encoding="utf-8")
    before = snapshot(mini_data)
    lines = run_fix(mini_data)
    assert any("nicht umbenannt" in line and str(b) in line for line in lines)
    assert lines[-1] == "lotse validate --fix: nichts zu reparieren."
    assert snapshot(mini_data) == before


def test_reorders_keys_and_keeps_comments_and_quoting(mini_data):
    path = service(mini_data)
    path.write_text(SERVICE_OUT_OF_ORDER, encoding="utf-8")
    before = data_of(path)
    lines = run_fix(mini_data)
    assert f"{path}: Reihenfolge der Felder an das Schema angepasst." in lines
    assert f"{path}: Reihenfolge der Felder in „kanaele[1]“ an das Schema angepasst." in lines
    text = path.read_text(encoding="utf-8")
    # same lines, only moved (a list entry's "- " goes to its new first key): nothing reformatted, no comment or quote lost
    def lines_of(t):
        return Counter(re.sub(r"^(\s*)- ", r"\1  ", line) for line in t.splitlines())

    assert lines_of(text) == lines_of(SERVICE_OUT_OF_ORDER)
    assert data_of(path) == before
    assert list(data_of(path)) == ["id", "name", "kurzbeschreibung", "zielgruppe", "zustaendig", "kanaele", "digitalisierung", "stand", "quelle"]
    assert list(data_of(path)["kanaele"][0]) == ["typ", "bezeichnung", "url"]
    assert text.splitlines()[0] == "# Kopfkommentar: gehört zur Datei, bleibt oben."
    # a comment line directly above a key moves with that key
    assert "# Notiz zur Kurzbeschreibung: wandert mit ihr.\nkurzbeschreibung:" in text
    assert "    # Typ des Kanals\n  - typ: amt24\n    bezeichnung: Online bei Amt24  # Beschriftung wie auf der Seite\n" in text
    assert 'name: "Leistung online"' in text and "'Eine kurze Beschreibung für Tests.'" in text
    assert load(mini_data)[1] == []


def test_reorder_keeps_blank_line_layout_and_block_scalars(mini_data):
    path = service(mini_data)
    text = (
        "id: online-leistung\n\n"
        "kurzbeschreibung: Eine kurze Beschreibung für Tests.\n\n"
        "# Name\n"
        "name: Leistung online\n\n"
        "beschreibung: |\n  Absatz eins.\n\n  # Überschrift im Markdown, kein Kommentar\n  Absatz zwei.\n\n"
        "zielgruppe: [buerger]\nzustaendig: testamt\n"
        "kanaele: [{typ: amt24, bezeichnung: Online bei Amt24}]\n"
        "digitalisierung: digital\nstand: '2026-01-01'\nquelle: [{titel: Testdaten}]\n"
    )
    path.write_text(text, encoding="utf-8")
    before = data_of(path)
    run_fix(mini_data)
    new = path.read_text(encoding="utf-8")
    assert data_of(path) == before
    assert list(data_of(path))[:4] == ["id", "name", "kurzbeschreibung", "beschreibung"]
    assert new.startswith("id: online-leistung\n\n# Name\nname: Leistung online\n\nkurzbeschreibung:")
    assert "  # Überschrift im Markdown, kein Kommentar\n" in new
    # flow-style entries are left as written
    assert "kanaele: [{typ: amt24, bezeichnung: Online bei Amt24}]" in new


def test_unknown_key_blocks_reordering_of_that_mapping(mini_data):
    path = service(mini_data)
    path.write_text(SERVICE_OUT_OF_ORDER.replace("zustaendig: testamt", "zustaendigkeit: testamt"), encoding="utf-8")
    before = path.read_bytes()
    lines = run_fix(mini_data)
    text = path.read_text(encoding="utf-8")
    assert not any(line.startswith(f"{path}: Reihenfolge der Felder an") for line in lines)
    assert text.index("name:") < text.index("id:"), "top level untouched while the typo is there"
    # the channel, whose keys are all known, is still put in order
    assert list(data_of(path)["kanaele"][0])[0] == "typ"
    assert len(path.read_bytes()) == len(before)


def test_trailing_spaces_removed_outside_block_scalars(mini_data):
    path = service(mini_data)
    original = path.read_text(encoding="utf-8")
    text = original.replace("name: Leistung online-leistung", "name: Leistung online-leistung   ")
    text = text.replace("stand: '2026-01-01'", "stand: '2026-01-01'\t")
    text += "beschreibung: |\n  Zeile mit Leerzeichen am Ende   \n  zweite Zeile\n"
    path.write_text(text, encoding="utf-8")
    before = data_of(path)
    lines = run_fix(mini_data)
    new = path.read_text(encoding="utf-8")
    assert any("Leerzeichen am Zeilenende entfernt" in line for line in lines)
    assert "name: Leistung online-leistung\n" in new
    assert "  Zeile mit Leerzeichen am Ende   \n" in new, "content of a | block keeps its spaces"
    assert data_of(path) == before


def test_final_newline(mini_data):
    path = service(mini_data)
    content = path.read_text(encoding="utf-8")
    path.write_text(content.rstrip("\n"), encoding="utf-8")
    assert f"{path}: Zeilenumbruch am Dateiende ergänzt." in run_fix(mini_data)
    assert path.read_text(encoding="utf-8") == content
    path.write_text(content + "\n\n\n", encoding="utf-8")
    assert f"{path}: Leere Zeilen am Dateiende entfernt." in run_fix(mini_data)
    assert path.read_text(encoding="utf-8") == content


def test_keep_chomping_block_keeps_its_blank_lines(mini_data):
    path = service(mini_data)
    text = path.read_text(encoding="utf-8") + "hinweise: |+\n  Hinweis\n\n\n"
    path.write_text(text, encoding="utf-8")
    run_fix(mini_data)
    assert path.read_text(encoding="utf-8") == text


def test_windows_line_ends(mini_data):
    path = service(mini_data)
    content = path.read_text(encoding="utf-8")
    path.write_bytes(content.replace("\n", "\r\n").encode("utf-8"))
    assert any("CRLF" in line for line in run_fix(mini_data))
    assert path.read_text(encoding="utf-8") == content


def test_tabs_in_indentation_replaced_when_unambiguous(mini_data):
    path = service(mini_data)
    content = SERVICE_OUT_OF_ORDER.replace("name: \"Leistung online\"\nid: online-leistung\n", "id: online-leistung\nname: \"Leistung online\"\n")
    path.write_text(content, encoding="utf-8")
    run_fix(mini_data)
    content = path.read_text(encoding="utf-8")
    tabbed = content.replace("\n  - ", "\n\t- ").replace("\n    ", "\n\t  ")
    assert tabbed.count("\t") >= 5
    path.write_text(tabbed, encoding="utf-8")
    assert any("Tabulator" in p.message for p in load(mini_data)[1])
    lines = run_fix(mini_data)
    assert any("Tabulatoren in der Einrückung durch Leerzeichen ersetzt" in line for line in lines)
    assert path.read_text(encoding="utf-8") == content
    assert load(mini_data)[1] == []


def test_ambiguous_tabs_are_left_for_the_editor(mini_data):
    path = service(mini_data)
    # read with a tab of 2 this does not parse, with 4 it does: only the editor knows what was meant
    text = "id: online-leistung\nkanaele:\n  - typ: amt24\n\tbezeichnung: x\n"
    path.write_text(text, encoding="utf-8")
    run_fix(mini_data)
    assert path.read_text(encoding="utf-8") == text


def test_tabs_inside_block_scalars_are_content(mini_data):
    path = service(mini_data)
    text = path.read_text(encoding="utf-8").replace("\nzielgruppe:", "\nbeschreibung: |\n  Code:\n  \teingerückt   \nzielgruppe:")
    assert "\t" in text
    path.write_text(text, encoding="utf-8")
    assert run_fix(mini_data) == ["lotse validate --fix: nichts zu reparieren."]
    assert path.read_text(encoding="utf-8") == text


def test_unreadable_file_is_not_touched(mini_data):
    path = service(mini_data)
    text = path.read_text(encoding="utf-8") + "name: doppelt   \n"
    path.write_text(text, encoding="utf-8")
    run_fix(mini_data)
    assert path.read_text(encoding="utf-8") == text


def test_bom_is_kept(mini_data):
    path = service(mini_data)
    content = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + content + b"\n")
    run_fix(mini_data)
    assert path.read_bytes() == b"\xef\xbb\xbf" + content


def test_idempotent_and_no_temp_files(mini_data):
    path = service(mini_data)
    path.write_text(SERVICE_OUT_OF_ORDER.replace("\n", "  \r\n") + "\r\n\r\n", encoding="utf-8")
    first = run_fix(mini_data)
    assert len(first) > 3
    after = snapshot(mini_data)
    assert run_fix(mini_data) == ["lotse validate --fix: nichts zu reparieren."]
    assert snapshot(mini_data) == after
    assert not [p for p in mini_data.rglob("*") if p.name.startswith(".")]


def test_cli_fix_then_validates(mini_data):
    path = service(mini_data)
    path.write_text(SERVICE_OUT_OF_ORDER + "\n\n", encoding="utf-8")
    path.rename(path.with_name("falscher-name.yml"))
    result = CliRunner().invoke(main, ["validate", "--fix", "--data", str(mini_data)])
    assert result.exit_code == 0, result.output
    assert "umbenannt" in result.output and "keine Probleme" in result.output
    assert path.is_file()


def test_shipped_data_keeps_its_content(shipped_copy):
    """Whatever --fix does to the real data, every value stays the same."""
    files = sorted(p for p in shipped_copy.rglob("*.yml"))
    before = {p.name: (data_of(p), Counter(l.rstrip() for l in p.read_text(encoding="utf-8").splitlines() if l.strip())) for p in files}
    run_fix(shipped_copy)
    after_files = sorted(p for p in shipped_copy.rglob("*.yml"))
    after = {p.name: (data_of(p), Counter(l.rstrip() for l in p.read_text(encoding="utf-8").splitlines() if l.strip())) for p in after_files}
    assert after == before


@pytest.mark.parametrize("folder", ["services", "aemter", "lebenslagen"])
def test_missing_folders_are_fine(tmp_path, folder):
    (tmp_path / folder).mkdir()
    assert run_fix(tmp_path) == ["lotse validate --fix: nichts zu reparieren."]
