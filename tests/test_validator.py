"""The validator's rules, one broken fixture per rule (see tests/fixtures/invalid/README.md).

Every case asserts the complete list of problems for the broken file: the line and a
fragment of the German message. A fixture that broke a second rule by accident, or a
rule that stopped firing, fails here.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lotse import validator
from lotse.validator import load, load_valid
from lotse.yamlload import MAX_BYTES

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"

# fixture (relative to tests/fixtures/invalid/ and to the data folder) -> [(line, message fragment)]
CASES = {
    "services/doppeltes-feld.yml": [(7, "Das Feld „name“ steht doppelt (zuerst in Zeile 3)")],
    "services/anker.yml": [(5, "Anker und Verweise (& und *) sind nicht erlaubt")],
    "services/billion-laughs.yml": [(3, "Anker und Verweise (& und *) sind nicht erlaubt")],
    "services/anker-als-feldname.yml": [(4, "Anker und Verweise (& und *) sind nicht erlaubt")],
    "services/latin1.yml": [(3, "Die Datei ist nicht in UTF-8 gespeichert")],
    "services/liste.yml": [(2, "Die Datei muss aus Feldern der Form „feld: wert“ bestehen")],
    "services/syntaxfehler.yml": [(6, "YAML-Syntaxfehler")],
    "services/tag.yml": [(3, "Der YAML-Tag „tag:yaml.org,2002:python/object:os.system“ ist nicht erlaubt")],
    "services/zwei-dokumente.yml": [(3, "Die Datei enthält mehr als ein YAML-Dokument")],
    "services/unbekanntes-feld.yml": [(4, "Unbekanntes Feld „synonym“. Meinten Sie „synonyme“?")],
    # reported at the first field (line 2), not at the leading comment
    "services/pflichtfeld-fehlt.yml": [(2, "Pflichtfeld „kurzbeschreibung“ (Kurzbeschreibung) fehlt")],
    "services/falscher-typ.yml": [(10, "„kanaele[1].eid“ muss true oder false sein, ist aber Text. Bitte true oder false schreiben")],
    "services/falscher-wert.yml": [(10, "„digitalisierung“: „analgo“ ist nicht erlaubt. Erlaubt sind: analog, digital, ende-zu-ende. Meinten Sie „analog“?")],
    "services/falscher-leika.yml": [(4, "„leika“: „9911500510400“ hat nicht das erwartete Format. 14-stelliger Schlüssel")],
    "services/unsichere-adressen.yml": [
        (10, "„kanaele[1].url“: Adressen mit „javascript:“ sind verboten"),
        (13, "„kanaele[2].url“: Adressen mit „data:“ sind verboten"),
        (16, "„kanaele[3].url“: „http://efa.example.org/antrag“ ist unverschlüsselt. Nur https-Adressen sind erlaubt"),
    ],
    "services/falscher-dateiname.yml": [(2, "Die Kennung „richtiger-name“ passt nicht zum Dateinamen „falscher-dateiname.yml“")],
    "services/zweiter-leika.yml": [(4, "LeiKa-Schlüssel 99115005104000 steht auch in ")],
    "services/unbekannte-stelle.yml": [(6, "„zustaendig“: Die Stelle „testamtt“ gibt es nicht (keine Datei data/aemter/testamtt.yml). Meinten Sie „testamt“?")],
    "lebenslagen/unbekannte-leistung.yml": [(9, "„schritte[1].leistungen[2]“: Die Leistung „analog-leistung“ gibt es nicht (keine Datei data/services/analog-leistung.yml). Meinten Sie „analoge-leistung“?")],
    "services/unmoegliches-datum.yml": [(11, "„stand“: 2025-02-30 ist kein gültiges Datum")],
    "services/stand-in-der-zukunft.yml": [(11, "„stand“: 2999-01-01 liegt in der Zukunft")],
    "services/analog-mit-online-kanal.yml": [(12, "„digitalisierung“ ist „analog“, aber es gibt einen Online-Kanal (amt24)")],
    "services/digital-nur-email.yml": [(10, "„digitalisierung“ ist „digital“, aber kein Kanal ist online (amt24, formular, efa oder portal). Ein PDF per E-Mail zählt nach der Zählung der Stadt nicht als digital.")],
    "services/wohnsitz.yaml": [(1, "In data/services/ gehören nur .yml-Dateien (eine je Leistung); diese Datei würde übergangen. Bitte in „wohnsitz.yml“ umbenennen")],
    # All problems of one file at once, sorted by line; a cross-record problem (line 6)
    # sorts in between the schema and date problems.
    "services/viele-fehler.yml": [
        (6, "„zustaendig“: Die Stelle „keinamt“ gibt es nicht"),
        (8, "„kanaele[1].typ“: „vorort“ ist nicht erlaubt. Erlaubt sind: amt24, formular, efa, portal, email-pdf, post, vor-ort. Meinten Sie „vor-ort“?"),
        (11, "Unbekanntes Feld „gebuehr“. Meinten Sie „gebuehren“?"),
        (12, "„stand“: 2025-13-01 ist kein gültiges Datum"),
    ],
}


def _problems(data: Path) -> list[tuple[str, int, str]]:
    _, problems = load(data)
    return [(Path(p.path).relative_to(data).as_posix(), p.line, p.message) for p in problems]


def _assert_case(found, rel, expected):
    mine = [(line, message) for path, line, message in found if path == rel]
    assert len(mine) == len(expected), f"{rel}: expected {len(expected)} problem(s), got {mine}"
    for (line, message), (want_line, fragment) in zip(mine, expected):
        assert fragment in message, f"{rel}:{line}: {message!r} lacks {fragment!r}"
        assert line == want_line, f"{rel}: {fragment!r} reported on line {line}, expected {want_line}"


def test_every_fixture_has_a_case():
    files = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*") if p.is_file() and p.name != "README.md"}
    assert files == set(CASES)


@pytest.mark.parametrize("rel", sorted(CASES))
def test_rule(mini_data, rel):
    shutil.copy(FIXTURES / rel, mini_data / rel)
    found = _problems(mini_data)
    _assert_case(found, rel, CASES[rel])
    assert [f for f in found if f[0] != rel] == [], "the rest of mini_data must stay clean"


def test_all_problems_are_reported_at_once_and_sorted(mini_data):
    for rel in CASES:
        shutil.copy(FIXTURES / rel, mini_data / rel)
    found = _problems(mini_data)
    for rel, expected in CASES.items():
        _assert_case(found, rel, expected)
    assert found == sorted(found)


def test_the_same_leika_key_is_reported_with_both_places(mini_data):
    shutil.copy(FIXTURES / "services/zweiter-leika.yml", mini_data / "services")
    (problem,) = load(mini_data)[1]
    other = mini_data / "services" / "online-leistung.yml"
    line = other.read_text(encoding="utf-8").splitlines().index("leika: '99115005104000'") + 1
    assert f"steht auch in {other}:{line}." in problem.message


def test_empty_file(mini_data):
    (mini_data / "services" / "leer.yml").write_bytes(b"")
    assert _problems(mini_data) == [("services/leer.yml", 1, "Die Datei ist leer. Eine Datei enthält genau einen Eintrag mit seinen Feldern.")]


def test_file_with_only_comments(mini_data):
    (mini_data / "services" / "nur-kommentar.yml").write_text("# id: nur-kommentar\n", encoding="utf-8")
    ((path, line, message),) = _problems(mini_data)
    assert (path, line) == ("services/nur-kommentar.yml", 1)
    assert message.startswith("Die Datei enthält nur Kommentare.")


def test_oversized_file(mini_data):
    big = mini_data / "services" / "riesig.yml"
    big.write_text("id: riesig\nbeschreibung: |\n" + "  Sehr langer Text.\n" * (MAX_BYTES // 19 + 100), encoding="utf-8")
    ((path, line, message),) = _problems(mini_data)
    assert (path, line) == ("services/riesig.yml", 1)
    assert f"erlaubt sind höchstens {MAX_BYTES // 1024} KiB" in message


def test_billion_laughs_returns_quickly(mini_data):
    """Expanding the aliases would need about 10^9 list items; refusing them costs nothing.

    Run in a child process with a generous limit so a regression fails instead of hanging.
    """
    shutil.copy(FIXTURES / "services/billion-laughs.yml", mini_data / "services")
    result = subprocess.run(
        [sys.executable, "-m", "lotse.cli", "validate", "--data", str(mini_data)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "billion-laughs.yml:3: Anker und Verweise" in result.stdout


def test_missing_folder_and_config(tmp_path):
    (tmp_path / "services").mkdir()
    found = _problems(tmp_path)
    assert ("lotse.yml", 1, "Die Datei fehlt (Konfiguration). Vorlage: siehe CONTRIBUTING.md.") in found
    assert any(path == "aemter" and "Der Ordner fehlt" in message for path, _, message in found)


def test_missing_data_dir(tmp_path):
    _, problems = load(tmp_path / "gibt-es-nicht")
    assert [p.message for p in problems] == ["Der Datenordner existiert nicht. Mit --data DIR einen anderen Ordner angeben."]


def test_load_valid_raises_with_every_problem(mini_data):
    shutil.copy(FIXTURES / "services/unsichere-adressen.yml", mini_data / "services")
    with pytest.raises(validator.InvalidData) as info:
        load_valid(mini_data)
    assert len(info.value.problems) == 3


def test_a_date_is_judged_against_today(mini_data):
    shutil.copy(FIXTURES / "services/stand-in-der-zukunft.yml", mini_data / "services")
    _, problems = load(mini_data, today=dt.date(2999, 1, 1))
    assert problems == []


# --------------------------------------------------------------------------- fast schema pre-check
#
# lotse.fastschema answers "certainly valid" or "unsure"; jsonschema explains. If the
# pre-check ever said "valid" where jsonschema finds an error, that error would vanish.
# These tests break valid records in many ways and compare both answers.


def _mutations(record):
    """Yield broken copies of ``record``: each value replaced by other types, keys removed or added."""
    replacements = [None, True, 1.5, -1, "", "x" * 400, "javascript:alert(1)", ["a", "a"], {"unbekannt": 1}]

    def walk(node, path):
        yield path, node
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, path + (i,))

    def clone_at(path):
        """A deep copy of the record and the node at ``path`` inside the copy."""
        clone = copy.deepcopy(record)
        node = clone
        for part in path:
            node = node[part]
        return clone, node

    for path, node in list(walk(record, ())):
        if path:
            for value in replacements:
                clone, parent = clone_at(path[:-1])
                parent[path[-1]] = copy.deepcopy(value)
                yield clone
            clone, parent = clone_at(path[:-1])
            if isinstance(path[-1], str):
                del parent[path[-1]]
            else:
                parent.append(copy.deepcopy(parent[path[-1]]))  # a repeated item
            yield clone
        if isinstance(node, dict):
            clone, target = clone_at(path)
            target["unbekanntes_feld"] = 1
            yield clone


def _records(data: Path):
    ds, problems = load(data)
    assert problems == []
    yield "konfiguration.schema.json", ds.config.data
    for bucket, schema in ((ds.aemter, "amt.schema.json"), (ds.leistungen, "leistung.schema.json"), (ds.lebenslagen, "lebenslage.schema.json")):
        for doc in bucket.values():
            yield schema, doc.data


def _compare(schema: str, record) -> None:
    quick = validator.quick_check(schema)(record)
    errors = list(validator.schema_validator(schema).iter_errors(record))
    if quick:
        assert errors == [], f"pre-check accepted a record jsonschema rejects: {[e.message for e in errors]}"


def test_fast_check_never_accepts_what_jsonschema_rejects(tmp_path):
    from lotse.bench import generate

    generate(12, tmp_path / "generated", seed=3)
    # A few records of each kind are enough; the largest generated ones use nearly every field.
    generated = sorted(_records(tmp_path / "generated"), key=lambda item: len(repr(item[1])), reverse=True)
    sample = []
    for schema, count in (("konfiguration.schema.json", 1), ("amt.schema.json", 1), ("leistung.schema.json", 2), ("lebenslage.schema.json", 1)):
        sample += [item for item in generated if item[0] == schema][:count]
    checked = accepted = 0
    for schema, record in sample:
        assert validator.quick_check(schema)(record), "a valid record should pass the pre-check"
        for broken in _mutations(record):
            _compare(schema, broken)
            checked += 1
            accepted += validator.quick_check(schema)(broken)
    assert {schema for schema, _ in sample} == {"konfiguration.schema.json", "amt.schema.json", "leistung.schema.json", "lebenslage.schema.json"}
    assert checked > 1500
    assert accepted > 0  # some mutations stay valid (e.g. another string); the pre-check must not refuse everything


@pytest.mark.parametrize("value, valid", [
    (True, False),  # bool is not an integer for JSON Schema
    (2024.0, True),  # 2020-12: a float without fraction is an integer
    (2024.5, False),
    ("2024", False),
])
def test_fast_check_follows_json_schema_types(mini_data, value, valid):
    record = load(mini_data)[0].leistungen["online-leistung"].data
    record = {**record, "kennzahlen": [{"jahr": value, "quelle": "Test"}]}
    errors = list(validator.schema_validator("leistung.schema.json").iter_errors(record))
    assert (errors == []) is valid
    assert validator.quick_check("leistung.schema.json")(record) is valid


def test_fast_check_is_unsure_about_what_it_does_not_know():
    from lotse.fastschema import Compiler

    schemas = {
        "a.json": {"type": "object", "properties": {"x": {"format": "email"}, "y": {"oneOf": [{"type": "string"}]}, "z": {"type": "string"}}},
    }
    check = Compiler(lambda name: schemas[name]).compile_file("a.json")
    assert check({"z": "ok"}) is True
    assert check({"z": 1}) is False
    assert check({"x": "a@b.c"}) is False  # format: left to jsonschema
    assert check({"y": "a"}) is False  # oneOf: left to jsonschema


def test_memoising_resolver_gives_pyyaml_tags():
    """The loader caches implicit tags per text; the tags must be PyYAML's own, also when cached."""
    import yaml

    from lotse import yamlload

    values = ["yes", "No", "on", "~", "null", "", "1_000", "0x1F", "010", "1e3", "1.5e3", ".inf", "-.NaN",
              "2025-05-20", "2025-05-20 10:00:00", "08:00", "19:00", "1:20", "true", "True", "text", "=", "<<"]
    text = "".join(f"k{i}: {v}\n" for i, v in enumerate(values))

    def tags(loader):
        return [value.tag for _, value in yaml.compose(text, Loader=loader).value]

    expected = tags(yaml.SafeLoader)
    assert tags(yamlload._Loader) == expected
    assert tags(yamlload._Loader) == expected  # second time from the memo
    assert "tag:yaml.org,2002:int" in expected and "tag:yaml.org,2002:bool" in expected


def test_an_empty_value_is_called_empty_not_null(mini_data):
    path = mini_data / "services" / "analoge-leistung.yml"
    text = path.read_text(encoding="utf-8").replace("digitalisierung: analog", "digitalisierung:")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("digitalisierung:") + 1
    _, problems = load(mini_data)
    assert [(p.line, p.message) for p in problems] == [(
        line,
        "„digitalisierung“ ist leer. Bitte einen Wert eintragen oder die Zeile löschen, wenn das Feld "
        "optional ist. Erlaubt sind: analog, digital, ende-zu-ende.",
    )]
