"""``lotse neu``: a new record file from a commented template.

The template is generated from the record's JSON Schema (titles,
descriptions, examples, allowed values), so it cannot drift from what
``lotse validate`` checks. Required fields stand uncommented with an empty
value: an unfilled template fails validation with one clear message per
field. Optional fields are commented out and carry no value, so uncommenting
one without filling it is caught too; nothing in a template could pass for
real data (no example key, fee or URL is ever written as a value).

``python -m lotse.redaktion.neu CONTRIBUTING.md`` refreshes the templates quoted in
CONTRIBUTING.md (a test fails when they differ).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import textwrap
import unicodedata
from pathlib import Path

import click

from .. import DEFAULT_DATA
from ..dataset import COLLECTIONS
from .feldreferenz import NO_DEFAULT, Field, fields, inline_yaml, load_schema

WIDTH = 100
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ID_MAX = 80

# The ids CONTRIBUTING.md shows its templates with.
EXAMPLE_IDS = {"leistung": "neue-leistung", "lebenslage": "neue-lebenslage", "amt": "neue-stelle"}


def collection(kind: str):
    for coll in COLLECTIONS:
        if coll.kind == kind:
            return coll
    raise KeyError(kind)


def _comment(text: str, prefix: str) -> list[str]:
    """``text`` as comment lines of at most WIDTH characters, each starting with ``prefix``."""
    return textwrap.wrap(
        text, width=WIDTH, initial_indent=prefix, subsequent_indent=prefix + "  ",
        break_on_hyphens=False, break_long_words=False,
    )


def _describe(f: Field, optional_parent: str | None) -> str:
    if f.required:
        need = "Pflicht" if optional_parent is None else f"Pflicht, sobald „{optional_parent}“ genutzt wird"
    else:
        need = "optional"
    text = f"{f.title} – {need}. {f.description}".rstrip()
    if f.format_description and f.format_description not in f.description:
        text += f" Format: {f.format_description}"
    if f.enum:
        text += " Erlaubt: " + ", ".join(str(v) for v in f.enum) + "."
    if f.default is not NO_DEFAULT:
        text += f" Vorgabe: {inline_yaml(f.default)}."
    if f.examples and not f.children:
        label = "Beispiel" if len(f.examples) == 1 else "Beispiele"
        text += f" {label}: " + " oder ".join(inline_yaml(e) for e in f.examples)
    return text


def _comment_out(lines: list[str], column: int) -> list[str]:
    return [line[:column] + "# " + line[column:] for line in lines]


def _render(f: Field, indent: str, optional_parent: str | None, values: dict, list_item: bool = False) -> list[str]:
    """Help lines and YAML lines for one field, as if every optional field were filled.

    An optional field is then commented out by putting "# " where its key
    starts: removing that one "# " from each of its lines gives valid YAML
    again, with the help of nested fields still comments.
    """
    lines = _comment(_describe(f, optional_parent), indent + "# ")
    marker = "- " if list_item else ""
    body: list[str]
    value = values.get(f.path)
    if not f.children:
        body = [f"{indent}{marker}{f.key}:" + (f" {value}" if value is not None else "")]
    else:
        body = [f"{indent}{marker}{f.key}:"]
        parent = optional_parent if f.required else f.key
        child_indent = indent + ("  " if list_item else "") + "  "
        if f.shape == "list-object":
            first, *rest = f.children
            body += _render(first, child_indent, parent, values, list_item=True)
            for child in rest:
                body += _render(child, child_indent + "  ", parent, values)
        else:
            for child in f.children:
                body += _render(child, child_indent, parent, values)
    if not f.required:
        column = len(indent) + (len(marker) if list_item else 0)
        body = _comment_out(body, column)
    return lines + body


def template(kind: str, record_id: str) -> str:
    """The commented template for a new record of ``kind`` with ``record_id``."""
    coll = collection(kind)
    schema = load_schema(coll.schema)
    out = [
        f"# yaml-language-server: $schema=../../schemas/{coll.schema}",
        *_comment(schema.get("description", ""), "# "),
        "#",
        "# So füllen Sie die Vorlage aus:",
        "# - Pflichtfelder stehen ohne Raute (#) am Anfang: den Wert hinter den Doppelpunkt schreiben.",
        "# - Optionale Felder sind auskommentiert. Wer eines braucht, entfernt die Raute und das",
        "#   Leerzeichen danach (in VS Code: Zeilen markieren, Strg+#) und füllt es aus; sonst stehen lassen.",
        "# - Unbekanntes bleibt leer: nie einen Schlüssel, eine Gebühr oder eine Adresse raten.",
        "# - Danach prüfen: lotse validate",
    ]
    for f in fields(coll.schema):
        out.append("")
        out += _render(f, "", None, {"id": record_id})
    return "\n".join(out) + "\n"


def check_id(record_id: str) -> None:
    """Raise a German ClickException when ``record_id`` cannot be a record id."""
    if ID_PATTERN.fullmatch(record_id) and len(record_id) <= ID_MAX:
        return
    suggestion = suggest_id(record_id)
    hint = f" Vorschlag: „{suggestion}“." if suggestion and suggestion != record_id else ""
    if len(record_id) > ID_MAX and ID_PATTERN.fullmatch(record_id):
        raise click.ClickException(f"Die Kennung „{record_id}“ ist zu lang ({len(record_id)} Zeichen, höchstens {ID_MAX}).")
    raise click.ClickException(
        f"„{record_id}“ ist keine gültige Kennung. Erlaubt sind Kleinbuchstaben, Ziffern und einzelne "
        f"Bindestriche, ohne Umlaute (ä wird ae, ß wird ss); die Kennung wird Dateiname und Teil der Adresse.{hint}"
    )


def suggest_id(text: str) -> str:
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:ID_MAX].rstrip("-")


def write_new(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, never replacing an existing file."""
    fd, tmp = tempfile.mkstemp(prefix=".neu-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # link() fails if the target exists, even if it appeared a moment ago.
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


def create(kind: str, record_id: str, data_dir: Path) -> Path:
    check_id(record_id)
    coll = collection(kind)
    if not data_dir.is_dir():
        raise click.ClickException(f"Der Datenordner „{data_dir}“ existiert nicht. Mit --data DIR den richtigen Ordner angeben.")
    folder = data_dir / coll.folder
    folder.mkdir(exist_ok=True)
    path = folder / f"{record_id}.yml"
    if path.exists():
        raise click.ClickException(f"{path} gibt es schon. Einen vorhandenen Eintrag bitte direkt in der Datei bearbeiten oder eine andere Kennung wählen.")
    try:
        write_new(path, template(kind, record_id))
    except FileExistsError:
        raise click.ClickException(f"{path} gibt es schon. Einen vorhandenen Eintrag bitte direkt in der Datei bearbeiten oder eine andere Kennung wählen.") from None
    except OSError as exc:
        raise click.ClickException(f"{path} kann nicht angelegt werden: {exc.strerror}.") from None
    return path


DATA_OPTION = click.option(
    "--data", "data_dir", type=click.Path(path_type=Path), default=DEFAULT_DATA, show_default=True,
    help="Datenordner mit lotse.yml, services/, lebenslagen/ und aemter/.",
)


@click.group()
def neu():
    """Legt eine neue Datei aus einer kommentierten Vorlage an.

    Beispiel: ``lotse neu leistung personalausweis-beantragen`` schreibt
    data/services/personalausweis-beantragen.yml. Jedes Feld ist erklärt;
    nach dem Ausfüllen mit ``lotse validate`` prüfen.
    """


def _command(kind: str, label: str, example: str):
    @neu.command(kind, help=f"Neue {label} anlegen (data/{collection(kind).folder}/<id>.yml).\n\nBeispiel: lotse neu {kind} {example}")
    @click.argument("record_id", metavar="ID")
    @DATA_OPTION
    def command(record_id: str, data_dir: Path):
        path = create(kind, record_id, data_dir)
        click.echo(f"Angelegt: {path}")
        click.echo("Jetzt die Pflichtfelder ausfüllen (jede Zeile ist erklärt) und mit „lotse validate“ prüfen.")

    return command


_command("leistung", "Leistung", "personalausweis-beantragen")
_command("lebenslage", "Lebenslage", "umzug")
_command("amt", "Stelle (Amt, Bürgerbüro oder externe Stelle)", "amt-fuer-jugend-und-familie")


# --------------------------------------------------------------------------- CONTRIBUTING.md

BLOCK = re.compile(r"(<!-- vorlage:(?P<kind>[a-z]+) -->\n```yaml\n)(?P<body>.*?)(```\n<!-- /vorlage -->)", re.S)


def contributing_blocks(text: str) -> dict[str, str]:
    return {m.group("kind"): m.group("body") for m in BLOCK.finditer(text)}


def refresh_contributing(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + template(m.group("kind"), EXAMPLE_IDS[m.group("kind")]) + m.group(4), text)


if __name__ == "__main__":  # developer tool: python -m lotse.redaktion.neu CONTRIBUTING.md
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "CONTRIBUTING.md")
    old = target.read_text(encoding="utf-8")
    new = refresh_contributing(old)
    if new != old:
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(new)
        os.replace(tmp, target)
    print(f"{target}: {len(contributing_blocks(new))} Vorlage(n), {'aktualisiert' if new != old else 'unverändert'}.")
