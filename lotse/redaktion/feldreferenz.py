"""Field reference generated from the JSON Schemas.

The schemas are the editors' documentation (title, description, examples on
every property). This module walks them once into :class:`Field` trees that
two outputs share, so neither can drift from the schemas:

* the commented record templates of ``lotse neu`` (:mod:`lotse.redaktion.neu`);
* the field reference page of the site (``/mitmachen/felder/``), added to the
  build through :func:`files`, a site provider.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

import yaml

from .. import SCHEMA_DIR
from ..dataset import COLLECTIONS

FREE_KEY = "<Schlüssel>"  # stands for a name the editor chooses in a map
PAGE_URL = "mitmachen/felder/"
PAGE_PATH = PAGE_URL + "index.md"
PAGE_TITLE = "Felder der Datensätze"
PAGE_DESCRIPTION = "Alle Felder der Leistungen, Lebenslagen, Stellen und der Konfiguration mit Bedeutung, Pflicht und Beispiel."
NO_DEFAULT = object()

# Record kinds an editor creates with `lotse neu`, in the order the docs show them.
RECORD_KINDS = ("leistung", "lebenslage", "amt")

_BASE_TYPES = {
    "string": "Text",
    "integer": "ganze Zahl",
    "number": "Zahl",
    "boolean": "true oder false",
    "object": "Abschnitt",
    "array": "Liste",
}


@dataclass
class Field:
    """One property of a schema, with everything an editor needs to fill it."""

    key: str
    path: str  # "kanaele[].typ": [] marks "each entry of the list"
    title: str
    description: str
    required: bool
    shape: str  # "scalar", "object", "list" (of scalars) or "list-object"
    type_label: str
    format_title: str = ""  # title of a shared building block ($ref), e.g. "Datum"
    format_description: str = ""
    enum: list | None = None
    examples: list = field(default_factory=list)
    default: Any = NO_DEFAULT
    rules: list[str] = field(default_factory=list)
    children: list["Field"] = field(default_factory=list)

    def walk(self) -> Iterable["Field"]:
        yield self
        for child in self.children:
            yield from child.walk()


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _pointer(document: dict, pointer: str) -> dict:
    node = document
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(file: str, schema: dict) -> tuple[str, dict, dict | None]:
    """Follow ``$ref`` chains; local keywords win over the referenced ones.

    Returns the file the final schema lives in, the merged schema and the
    referenced building block (``None`` without a ``$ref``).
    """
    target_def = None
    while "$ref" in schema:
        ref_file, _, pointer = schema["$ref"].partition("#")
        ref_file = ref_file or file
        target = _pointer(load_schema(ref_file), pointer)
        target_def = target
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        if "$ref" in target:
            schema["$ref"] = target["$ref"]
        file = ref_file
    return file, schema, target_def


def _rules(schema: dict) -> list[str]:
    out = []
    lo, hi = schema.get("minLength"), schema.get("maxLength")
    if lo is not None and hi is not None:
        out.append(f"{lo} bis {hi} Zeichen")
    elif lo is not None and lo > 1:
        out.append(f"mindestens {lo} Zeichen")
    elif hi is not None:
        out.append(f"höchstens {hi} Zeichen")
    if schema.get("minItems"):
        out.append(f"mindestens {schema['minItems']} Eintrag" + ("" if schema["minItems"] == 1 else "e"))
    if schema.get("maxItems"):
        out.append(f"höchstens {schema['maxItems']} Einträge")
    if schema.get("uniqueItems"):
        out.append("jeder Eintrag nur einmal")
    for key, word in (("minimum", "mindestens"), ("exclusiveMinimum", "größer als"), ("maximum", "höchstens"), ("exclusiveMaximum", "kleiner als")):
        if key in schema:
            out.append(f"{word} {schema[key]}")
    return out


def _without_null(raw: dict) -> tuple[dict, bool]:
    """``{"type": ["string", "null"]}`` or ``anyOf: [X, {"type": "null"}]`` -> (X, True).

    Null means "not known yet" (data/lotse.yml, rechtliches); the reference shows the real type.
    """
    if isinstance(raw.get("type"), list) and "null" in raw["type"]:
        rest = [t for t in raw["type"] if t != "null"]
        return {**raw, "type": rest[0] if len(rest) == 1 else rest}, True
    alternatives = raw.get("anyOf")
    if alternatives and {"type": "null"} in alternatives:
        rest = [a for a in alternatives if a != {"type": "null"}]
        merged = {k: v for k, v in raw.items() if k != "anyOf"}
        if len(rest) == 1:
            return {**rest[0], **merged}, True
        return {**merged, "anyOf": rest}, True
    if raw.get("enum") and None in raw["enum"]:
        return {**raw, "enum": [v for v in raw["enum"] if v is not None]}, True
    return raw, False


def _field(file: str, key: str, raw: dict, path: str, required: bool) -> Field:
    raw, nullable = _without_null(raw)
    file, schema, block = resolve(file, raw)
    title = schema.get("title") or key
    description = schema.get("description", "")
    format_title = format_description = ""
    # A shared building block ($ref to a scalar like Datum or Kennung) carries the format rules.
    if block is not None and block.get("title") and block.get("type") != "object" and block.get("description") != description:
        format_title = block["title"]
        format_description = block.get("description", "")
    kind = schema.get("type")
    enum = schema.get("enum")
    children: list[Field] = []
    rules = _rules(schema)
    if kind == "array":
        item_file, items, item_block = resolve(file, schema.get("items", {}))
        if items.get("type") == "object":
            shape = "list-object"
            type_label = "Liste von Abschnitten"
            children = _properties(item_file, items, path + "[]")
        else:
            shape = "list"
            enum = items.get("enum")
            if enum:
                type_label = "Liste mit Werten aus der Auswahl"
            elif item_block is not None and item_block.get("title"):
                type_label = f"Liste von {item_block['title']}"
                format_title = format_title or item_block["title"]
                format_description = format_description or item_block.get("description", "")
            else:
                type_label = "Liste von " + _BASE_TYPES.get(items.get("type"), "Werten")
            rules += [r for r in _rules(items) if r not in rules]
    elif kind == "object":
        shape = "object"
        type_label = "Abschnitt mit Unterfeldern"
        children = _properties(file, schema, path)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            # a map with names the editor chooses (e.g. the search dictionary): document its values
            type_label = "Abschnitt mit frei benannten Einträgen"
            children.append(_field(file, FREE_KEY, extra, f"{path}.{FREE_KEY}", False))
    else:
        shape = "scalar"
        type_label = "Auswahl" if enum else _BASE_TYPES.get(kind, "Wert")
        if format_title:
            type_label = f"{type_label} ({format_title})"
    if nullable:
        type_label += " oder null (noch unbekannt)"
    return Field(
        key=key,
        path=path,
        title=title,
        description=description,
        required=required,
        shape=shape,
        type_label=type_label,
        format_title=format_title,
        format_description=format_description,
        enum=list(enum) if enum else None,
        examples=list(schema.get("examples", [])),
        default=schema.get("default", NO_DEFAULT),
        rules=rules,
        children=children,
    )


def _properties(file: str, schema: dict, prefix: str) -> list[Field]:
    # Fields required except in an "if" case (unreviewed records from the state directory)
    # are Pflicht for editors: the schema's description names the exception.
    required = set(schema.get("required", [])) | set((schema.get("else") or {}).get("required", []))
    out = []
    for key, raw in schema.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        out.append(_field(file, key, raw, path, key in required))
    return out


def fields(schema_name: str) -> list[Field]:
    """The top-level fields of a schema, in the schema's property order."""
    return _properties(schema_name, load_schema(schema_name), "")


def all_fields(schema_name: str) -> list[Field]:
    return [f for top in fields(schema_name) for f in top.walk()]


def inline_yaml(value) -> str:
    """A value as the editor would type it on one line (quotes only where YAML needs them)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False)
    text = text.strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    elif text.endswith("..."):
        text = text[:-3].rstrip()
    return text


# --------------------------------------------------------------------------- page

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#{}])")


def md_text(text: str) -> str:
    """Schema text as literal Markdown: no markup, no HTML, no template syntax."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False)).replace("\n", " ")


def _collections():
    by_kind = {c.kind: c for c in COLLECTIONS}
    order = list(RECORD_KINDS) + [k for k in by_kind if k not in RECORD_KINDS]
    return [by_kind[k] for k in order if k in by_kind]


def _where(coll) -> str:
    return f"data/{coll.folder}/<id>.yml" if coll.folder else f"data/{coll.file}"


def _h(text) -> str:
    return html.escape(str(text), quote=True)


def _anchor(kind: str, path: str) -> str:
    return "feld-" + kind + "-" + re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def _entry(kind: str, f: Field) -> list[str]:
    """One field as a <dt>/<dd> pair: a list reads well at any width, unlike a five-column table."""
    need = "Pflicht" if f.required else "optional"
    lines = [
        f'<dt id="{_anchor(kind, f.path)}"><code>{_h(f.path)}</code> – <strong>{_h(f.title)}</strong> '
        f'<span class="lotse-felder__{"pflicht" if f.required else "optional"}">({need})</span></dt>',
        "<dd>",
    ]
    if f.description:
        lines.append(f"<p>{_h(f.description)}</p>")
    facts = [f"Typ: {_h(f.type_label)}"]
    if f.format_title and f.format_description:
        facts.append(f"Format ({_h(f.format_title)}): {_h(f.format_description)}")
    if f.enum:
        facts.append("Erlaubte Werte: " + ", ".join(f"<code>{_h(v)}</code>" for v in f.enum))
    if f.default is not NO_DEFAULT:
        facts.append(f"Vorgabe: <code>{_h(inline_yaml(f.default))}</code>")
    if f.rules:
        facts.append("Regeln: " + _h(", ".join(f.rules)))
    if f.examples and not f.children:
        label = "Beispiel" if len(f.examples) == 1 else "Beispiele"
        facts.append(f"{label}: " + " oder ".join(f"<code>{_h(inline_yaml(e))}</code>" for e in f.examples))
    lines += [f"<p>{' · '.join(facts)}</p>", "</dd>"]
    return lines


def page_markdown() -> str:
    """The whole field reference page, deterministic for the same schemas.

    Schema texts go into raw HTML blocks, escaped here: Markdown does not touch
    them, so no schema text can become markup or a link.
    """
    lines = [
        f"# {PAGE_TITLE}",
        "",
        "Diese Seite wird aus den Schemas im Ordner `schemas/` erzeugt und ist darum immer auf dem Stand der Prüfung "
        "(`lotse validate`). Eine neue Datei mit allen Feldern als Vorlage legt `lotse neu leistung <id>` an "
        "(ebenso `lebenslage` und `amt`); wie Sie Änderungen vorschlagen, steht in der Datei CONTRIBUTING.md im Projekt.",
        "",
        "So lesen Sie die Liste: **Pflicht** heißt, ohne das Feld schlägt die Prüfung fehl; bei einem Unterfeld gilt das, "
        "sobald der Abschnitt darüber ausgefüllt ist. `[]` im Feldnamen steht für „jeder Eintrag der Liste“, etwa `kanaele[].typ`. "
        "Unbekanntes bleibt leer: lieber ein fehlendes Feld als ein geratener Wert.",
        "",
    ]
    for coll in _collections():
        schema = load_schema(coll.schema)
        lines += [
            f"## {md_text(schema.get('title', coll.label))}",
            "",
            f"<p>Datei: <code>{_h(_where(coll))}</code>. {_h(schema.get('description', ''))}</p>",
            "",
            '<dl class="lotse-felder">',
        ]
        for f in all_fields(coll.schema):
            lines += _entry(coll.kind, f)
        lines += ["</dl>", ""]
    return "\n".join(lines)


def files(ctx=None):
    """Site provider: the field reference page (see lotse/site/providers.py)."""
    from ..site.context import GeneratedFile

    # Markdown pages take title and description from front matter; Material prints
    # meta.title unescaped, so it is escaped here.
    front = yaml.safe_dump(
        {"title": html.escape(PAGE_TITLE), "description": html.escape(PAGE_DESCRIPTION)},
        allow_unicode=True, sort_keys=False, width=10**6,
    )
    yield GeneratedFile(PAGE_PATH, content=f"---\n{front}---\n\n{page_markdown()}", title=PAGE_TITLE, description=PAGE_DESCRIPTION)
