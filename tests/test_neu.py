"""`lotse neu`: templates generated from the schemas, written safely, valid once filled."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from lotse.cli import main
from lotse.dataset import COLLECTIONS
from lotse.redaktion.feldreferenz import all_fields, inline_yaml
from lotse.redaktion.neu import EXAMPLE_IDS, template
from lotse.validator import load

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"leistung": "services", "lebenslage": "lebenslagen", "amt": "aemter"}
SCHEMAS = {"leistung": "leistung.schema.json", "lebenslage": "lebenslage.schema.json", "amt": "amt.schema.json"}

# References must point at records of the mini data set; everything else comes from the schema's examples.
OVERRIDES = {"zustaendig": "testamt", "leistungen": "[online-leistung]", "stand": "'2026-01-01'", "uebergeordnet": "testamt"}


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def example_values(kind: str) -> dict[str, str]:
    """key -> first schema example as YAML, for every field of the schema."""
    values: dict[str, str] = {}
    parents = {f.key for f in all_fields(SCHEMAS[kind]) if f.children}
    for f in all_fields(SCHEMAS[kind]):
        if f.examples and not f.children and f.key not in parents:
            values.setdefault(f.key, inline_yaml(f.examples[0]))
    values.update(OVERRIDES)
    return values


def fill(text: str, values: dict[str, str]) -> str:
    """Put a value behind every uncommented empty `key:` line, as an editor would."""
    out = []
    for line in text.split("\n"):
        m = re.fullmatch(r"(\s*(?:- )?)([a-z0-9_]+):", line)
        if m and m.group(2) in values:
            line = f"{line} {values[m.group(2)]}"
        out.append(line)
    return "\n".join(out)


def uncomment_block(text: str, key: str) -> str:
    """Remove the leading "# " from the commented-out top-level block of `key` (what Ctrl+# does)."""
    lines = text.split("\n")
    start = lines.index(f"# {key}:")
    i = start
    while i < len(lines) and lines[i].startswith("# "):
        lines[i] = lines[i][2:]
        i += 1
    return "\n".join(lines)


@pytest.mark.parametrize("kind", KINDS)
def test_command_writes_template_named_by_id(mini_data, kind):
    result = run("neu", kind, "neuer-eintrag", "--data", str(mini_data))
    assert result.exit_code == 0, result.output
    path = mini_data / KINDS[kind] / "neuer-eintrag.yml"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema=../../schemas/{SCHEMAS[kind]}"
    assert text == template(kind, "neuer-eintrag")
    assert yaml.safe_load(text)["id"] == "neuer-eintrag"
    assert f"Angelegt: {path}" in result.output
    # the schema line points at the real schema from the file's place in data/
    assert (ROOT / "data" / KINDS[kind] / "../../schemas" / SCHEMAS[kind]).resolve().is_file()


@pytest.mark.parametrize("kind", KINDS)
def test_filled_template_validates(mini_data, kind):
    assert run("neu", kind, "neuer-eintrag", "--data", str(mini_data)).exit_code == 0
    path = mini_data / KINDS[kind] / "neuer-eintrag.yml"
    path.write_text(fill(path.read_text(encoding="utf-8"), example_values(kind)), encoding="utf-8")
    _, problems = load(mini_data)
    assert [str(p) for p in problems] == []
    # comments and the schema line survive filling: the editor's file stays documented
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server:")


@pytest.mark.parametrize("kind,block", [("amt", "adresse"), ("amt", "kontakt"), ("leistung", "gebuehren"), ("leistung", "planung"), ("leistung", "synonyme"), ("lebenslage", "buendel")])
def test_uncommented_optional_block_is_valid_yaml_and_validates_once_filled(mini_data, kind, block):
    assert run("neu", kind, "neuer-eintrag", "--data", str(mini_data)).exit_code == 0
    path = mini_data / KINDS[kind] / "neuer-eintrag.yml"
    text = uncomment_block(path.read_text(encoding="utf-8"), block)
    values = example_values(kind)
    if kind == "amt" and block == "kontakt":
        # kontakt has only optional fields: uncommenting them is the editor's second step
        text = text.replace("  # telefon:", "  telefon:")
    path.write_text(fill(text, values), encoding="utf-8")
    ds, problems = load(mini_data)
    assert [str(p) for p in problems] == []
    assert block in ds.bucket(kind)["neuer-eintrag"].data


@pytest.mark.parametrize("kind", KINDS)
def test_unfilled_template_gives_file_and_line_messages(mini_data, kind):
    assert run("neu", kind, "neuer-eintrag", "--data", str(mini_data)).exit_code == 0
    path = mini_data / KINDS[kind] / "neuer-eintrag.yml"
    lines = path.read_text(encoding="utf-8").split("\n")
    result = run("validate", "--data", str(mini_data))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    messages = [m for m in result.output.splitlines() if m.startswith(str(path) + ":")]
    named = {re.match(r"[^:]+:\d+: „([a-z_]+)", m).group(1) for m in messages}
    required_top = {f.key for f in all_fields(SCHEMAS[kind]) if f.required and "." not in f.path and f.key != "id"}
    assert named == required_top
    for message in messages:
        m = re.match(re.escape(str(path)) + r":(\d+): „([^“]+)“", message)
        assert m, message
        line_no, field_path = int(m.group(1)), m.group(2)
        key = re.sub(r"\[\d+\]", "", field_path).split(".")[-1]
        # the line named is the line where the editor has to write
        assert re.match(rf"\s*(- )?{key}:", lines[line_no - 1]), (message, lines[line_no - 1])


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_field_is_in_the_template_with_its_help(kind):
    text = template(kind, "x")
    for f in all_fields(SCHEMAS[kind]):
        assert re.search(rf"^[ #]*(- )?{f.key}:", text, re.M), f.path
        assert f"{f.title} – " in text, f.path
        first_words = " ".join(f.description.split()[:4])
        assert first_words in " ".join(l.lstrip(" #") for l in text.splitlines()), f.path


def test_template_sets_no_value_but_the_id():
    """No example value may pass for data: keys, fees and URLs are only ever in comments."""
    for kind in KINDS:
        data = yaml.safe_load(template(kind, "x"))

        def values(node):
            if isinstance(node, dict):
                for v in node.values():
                    yield from values(v)
            elif isinstance(node, list):
                for v in node:
                    yield from values(v)
            else:
                yield node

        assert [v for v in values(data) if v is not None] == ["x"], kind


def test_refuses_to_overwrite(mini_data):
    path = mini_data / "services" / "online-leistung.yml"
    before = path.read_bytes()
    result = run("neu", "leistung", "online-leistung", "--data", str(mini_data))
    assert result.exit_code == 1
    assert "gibt es schon" in result.output
    assert path.read_bytes() == before
    assert not list((mini_data / "services").glob(".neu-*")), "no temp file left behind"


@pytest.mark.parametrize("bad,hint", [
    ("Über Straße", "ueber-strasse"),
    ("Wohnsitz_anmelden", "wohnsitz-anmelden"),
    ("a--b", "a-b"),
    ("-start", "start"),
    ("../../etc/passwd", "etc-passwd"),
    ("a/b", "a-b"),
    ("x" * 81, None),
    ("", None),
])
def test_refuses_bad_id_with_a_clear_message(mini_data, bad, hint):
    before = sorted(p.name for p in mini_data.rglob("*"))
    result = run("neu", "leistung", "--data", str(mini_data), "--", bad)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Kennung" in result.output
    if hint:
        assert f"Vorschlag: „{hint}“" in result.output
    assert sorted(p.name for p in mini_data.rglob("*")) == before


def test_missing_data_folder(tmp_path):
    result = run("neu", "amt", "neue-stelle", "--data", str(tmp_path / "fehlt"))
    assert result.exit_code == 1
    assert "Datenordner" in result.output and "existiert nicht" in result.output


def test_creates_missing_kind_folder(mini_data):
    import shutil

    shutil.rmtree(mini_data / "aemter")
    assert run("neu", "amt", "neue-stelle", "--data", str(mini_data)).exit_code == 0
    assert (mini_data / "aemter" / "neue-stelle.yml").is_file()


def test_template_is_deterministic():
    assert template("leistung", "a") == template("leistung", "a")


def test_help_names_an_example():
    result = run("neu", "leistung", "--help")
    assert result.exit_code == 0
    assert "lotse neu leistung" in result.output


def test_vscode_settings_map_every_collection_to_its_schema():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    for coll in COLLECTIONS:
        pattern = f"data/{coll.folder}/*.yml" if coll.folder else f"data/{coll.file}"
        schema = f"./schemas/{coll.schema}"
        assert pattern in mapping.get(schema, []), (coll.kind, schema)
        assert (ROOT / "schemas" / coll.schema).is_file()


def test_example_ids_are_valid():
    for kind, rid in EXAMPLE_IDS.items():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rid), kind


# --------------------------------------------------------------------------- CONTRIBUTING.md

CONTRIBUTING = ROOT / "CONTRIBUTING.md"
REFRESH = "Neu erzeugen mit: .venv/bin/python -m lotse.redaktion.neu CONTRIBUTING.md"


@pytest.mark.parametrize("kind", KINDS)
def test_contributing_template_is_what_lotse_neu_writes(kind):
    from lotse.redaktion.neu import contributing_blocks

    blocks = contributing_blocks(CONTRIBUTING.read_text(encoding="utf-8"))
    assert kind in blocks, f"CONTRIBUTING.md has no <!-- vorlage:{kind} --> block"
    assert blocks[kind] == template(kind, EXAMPLE_IDS[kind]), REFRESH


@pytest.mark.parametrize("kind", KINDS)
def test_contributing_template_has_every_schema_field(kind):
    """Independent of the generator: every property the schema file names is in the block."""
    from lotse.redaktion.neu import contributing_blocks

    block = contributing_blocks(CONTRIBUTING.read_text(encoding="utf-8"))[kind]
    for key in _raw_property_names(SCHEMAS[kind]):
        assert re.search(rf"^[ #]*(- )?{key}:", block, re.M), f"{key} missing from the {kind} template. {REFRESH}"


def _raw_property_names(schema_name: str, seen=None) -> set[str]:
    """Every property name reachable from a schema file, following $ref into other files."""
    seen = seen if seen is not None else set()
    names: set[str] = set()

    def walk(node, file):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target = ref.split("#")[0] or file
                key = (target, ref.split("#")[1] if "#" in ref else "")
                if key not in seen:
                    seen.add(key)
                    doc = json.loads((ROOT / "schemas" / target).read_text(encoding="utf-8"))
                    for part in [p for p in key[1].split("/") if p]:
                        doc = doc[part]
                    walk(doc, target)
            for k, v in node.items():
                if k == "properties" and isinstance(v, dict):
                    names.update(v)
                if k != "$defs":
                    walk(v, file)
        elif isinstance(node, list):
            for v in node:
                walk(v, file)

    walk(json.loads((ROOT / "schemas" / schema_name).read_text(encoding="utf-8")), schema_name)
    return names


def _message_phrases() -> list[tuple[str, int, str]]:
    """(module, line, key phrase) for every message the loader and the validator can print.

    Messages are found in the source (the third argument of every Problem(...)
    and the text of every (where, f"...") pair), so a new message fails this
    test until CONTRIBUTING.md explains it.
    """
    import ast

    out = []
    for module in ("lotse/validator.py", "lotse/yamlload.py"):
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            message = None
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem" and len(node.args) >= 3:
                message = node.args[2]
            elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[1], ast.JoinedStr):
                message = node.elts[1]
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                parts = [message.value]
            elif isinstance(message, ast.JoinedStr):
                parts = [v.value for v in message.values if isinstance(v, ast.Constant)]
            else:
                continue
            phrases = [re.sub(r"^[^\wÄÖÜäöü]+", "", p).strip() for part in parts for p in re.split(r"[.:;?!]", part)]
            phrases = [p for p in phrases if len(p) >= 8]
            if phrases:
                out.append((module, node.lineno, max(phrases, key=len)))
    return out


def test_contributing_explains_every_validation_message():
    text = " ".join(CONTRIBUTING.read_text(encoding="utf-8").split())
    phrases = _message_phrases()
    assert len(phrases) > 30
    missing = [f"{m}:{line}: {p}" for m, line, p in phrases if p not in text]
    assert missing == [], "CONTRIBUTING.md does not explain these messages:\n" + "\n".join(missing)


def test_contributing_names_the_commands_it_teaches():
    text = CONTRIBUTING.read_text(encoding="utf-8")
    for command in ("lotse neu leistung", "lotse validate --fix", "make site", "lotse serve", "pre-commit install"):
        assert command in text, command
    result = run("--help")
    for name in ("neu", "validate", "serve", "build"):
        assert name in result.output
