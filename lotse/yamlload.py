"""Safe YAML loading with line numbers.

Every tool reads records through :func:`load_yaml_file`, so the rules for what
counts as a readable file live in one place:

* only UTF-8, at most ``MAX_BYTES``, one document, a mapping at the top;
* duplicate keys are an error (PyYAML would silently keep the last one and an
  editor's value would vanish);
* anchors and aliases are refused outright: editors do not need them, and
  refusing them is the simplest way to make "billion laughs" files harmless;
* dates stay strings (``2025-05-20``), so JSON Schema sees what the editor
  wrote and our own check can say whether the day exists.

Parsing uses libyaml (``CSafeLoader``) to compose the node tree and builds the
Python values from the nodes ourselves: that is where we get a line number for
every value, which the validator needs for ``path:line: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class _MemoResolver(yaml.resolver.Resolver):
    """PyYAML's resolver with a memo for plain scalars.

    libyaml calls back into Python for every node to find its implicit tag
    (is ``yes`` a bool, ``2025-05-20`` a date?). Keys and values such as
    ``typ``, ``vor-ort`` or ``true`` repeat in every file, so caching the answer
    per text saves about a tenth of the parse time. Same rules, same tags: the
    tag of a plain scalar depends only on its text when no path resolvers are set.
    """

    _memo: dict = {}

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode and implicit[0] and len(value) <= 80 and not self.yaml_path_resolvers:
            tag = self._memo.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._memo) > 50_000:
                    self._memo.clear()  # keeps the memo bounded on huge folders
                self._memo[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


try:  # libyaml is several times faster; fall back to pure Python where it is missing
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader
else:

    class _Loader(_Parser, yaml.constructor.SafeConstructor, _MemoResolver):
        """``yaml.CSafeLoader`` with the memoising resolver."""

        def __init__(self, stream):
            _Parser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _MemoResolver.__init__(self)

MAX_BYTES = 256 * 1024
# Records nest four levels at most (kanaele[1].zeiten[1].tage); every consumer walks
# values recursively (jsonschema, ruamel for --fix, the site), so a few hundred "["
# would end in a RecursionError there. Refused here, once, for all of them.
MAX_DEPTH = 32
# Numbers beyond 64 bits are no fee, year or count; Python refuses to print integers
# over 4,300 digits, so they must not get past the loader.
MAX_INT_BITS = 63

_SCALAR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_KNOWN_SCALARS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_ALLOWED_TAGS = _KNOWN_SCALARS | {_STR, _TIMESTAMP, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}

JsonPath = tuple  # of str | int


@dataclass
class Problem:
    """One finding, printed as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def sort_key(self):
        return (self.path, self.line, self.message)


class YamlError(Exception):
    """A file that cannot be read as a record; carries the :class:`Problem`."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Document:
    """A loaded YAML mapping plus the line of every value in it."""

    path: str
    data: dict
    lines: dict = field(default_factory=dict)
    # The text as written, for plain scalars that YAML 1.1 turned into something else
    # (04103 -> 2115, 18:30 -> 1110, no -> false): messages quote what the editor wrote.
    written: dict = field(default_factory=dict)

    def line_of(self, json_path) -> int:
        """Line of the value at ``json_path``, or of its nearest existing parent."""
        json_path = tuple(json_path)
        while json_path:
            if json_path in self.lines:
                return self.lines[json_path]
            json_path = json_path[:-1]
        return self.lines.get((), 1)


def load_yaml_text(text: str, path: str) -> Document:
    """Parse ``text`` (already decoded) as a record file."""
    if not text.strip():
        raise YamlError(Problem(path, 1, "Die Datei ist leer. Eine Datei enthält genau einen Eintrag mit seinen Feldern."))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        detail = exc.problem or str(exc)
        if "maximum nesting depth" in str(exc):
            raise YamlError(Problem(path, line, _too_deep())) from None
        if "expected a single document" in str(exc):
            raise YamlError(Problem(path, line, "Die Datei enthält mehr als ein YAML-Dokument (---). Pro Datei genau ein Eintrag.")) from None
        raise YamlError(Problem(path, line, f"YAML-Syntaxfehler ({detail}). Häufige Ursachen: falsche Einrückung, Tabulator statt Leerzeichen, Doppelpunkt im Text ohne Anführungszeichen.")) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(path, 1, f"YAML-Syntaxfehler: {exc}")) from None
    if node is None:
        raise YamlError(Problem(path, 1, "Die Datei enthält nur Kommentare. Eine Datei enthält genau einen Eintrag mit seinen Feldern."))
    if not isinstance(node, yaml.MappingNode):
        raise YamlError(Problem(path, node.start_mark.line + 1, "Die Datei muss aus Feldern der Form „feld: wert“ bestehen, nicht aus einer Liste oder einem einzelnen Wert."))
    # lines[()] comes from the mapping node: a "whole record" problem then points at the
    # first field, not at a leading comment such as the yaml-language-server line.
    doc = Document(path=path, data={}, lines={})
    doc.data = _build(node, (), doc, set())
    return doc


def _too_deep() -> str:
    return f"Die Werte sind zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen, etwa viele „[“ hintereinander). Ein Eintrag braucht höchstens vier Ebenen."


def load_yaml_file(path: Path, display: str | None = None) -> Document:
    """Read and parse one record file, raising :class:`YamlError` on any problem."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise YamlError(_too_big(shown, size))
        raw = path.read_bytes()
    except IsADirectoryError:
        raise YamlError(Problem(shown, 1, "Das ist ein Ordner, keine Datei. Ein Eintrag ist eine .yml-Datei; den Ordner bitte umbenennen oder entfernen.")) from None
    except OSError as exc:
        raise YamlError(Problem(shown, 1, f"Die Datei kann nicht gelesen werden: {_os_reason(exc)}.")) from None
    return load_yaml_bytes(raw, shown)


def load_yaml_bytes(raw: bytes, shown: str) -> Document:
    """The file rules on bytes (size, encoding, NUL) and then :func:`load_yaml_text`.

    The sync checks what it is about to write with this, so that it writes nothing
    that ``lotse validate`` would refuse.
    """
    if len(raw) > MAX_BYTES:
        raise YamlError(_too_big(shown, len(raw)))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM is harmless; some Windows editors add it
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(Problem(shown, line, "Die Datei ist nicht in UTF-8 gespeichert (Umlaute?). Bitte im Editor als UTF-8 speichern.")) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise YamlError(Problem(shown, line, "Die Datei enthält ein Null-Byte (unsichtbares Steuerzeichen). Meist ist sie keine Textdatei oder beim Kopieren beschädigt worden; bitte das Zeichen entfernen."))
    return load_yaml_text(text, shown)


def _too_big(shown: str, size: int) -> Problem:
    return Problem(shown, 1, f"Die Datei ist {-(-size // 1024)} KiB groß; erlaubt sind höchstens {MAX_BYTES // 1024} KiB. Lange Texte gehören auf verlinkte Seiten.")


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "keine Leseberechtigung"
    if isinstance(exc, FileNotFoundError):
        return "sie existiert nicht (mehr)"
    return exc.strerror or type(exc).__name__


def _build(node, where: JsonPath, doc: Document, seen: set) -> Any:
    if len(where) > MAX_DEPTH:
        raise YamlError(Problem(doc.path, node.start_mark.line + 1, _too_deep()))
    if node.tag not in _ALLOWED_TAGS:
        raise YamlError(Problem(doc.path, node.start_mark.line + 1, f"Der YAML-Tag „{node.tag}“ ist nicht erlaubt. Bitte den Wert ohne Tag schreiben."))
    # The composer hands out the very same node object for every alias, so a
    # node seen twice is an alias; we stop there instead of expanding it. The
    # alias has no node (and no line) of its own: report the line of its key.
    if id(node) in seen:
        raise YamlError(Problem(doc.path, doc.line_of(where), "Anker und Verweise (& und *) sind nicht erlaubt. Bitte den Wert ausschreiben."))
    seen.add(id(node))
    doc.lines.setdefault(where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError(Problem(doc.path, key_node.start_mark.line + 1, "Zusammenführen mit „<<“ ist nicht erlaubt. Bitte die Felder ausschreiben."))
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise YamlError(Problem(doc.path, key_node.start_mark.line + 1, f"Feldnamen müssen Text sein, „{getattr(key_node, 'value', '?')}“ ist keiner."))
            if id(key_node) in seen:  # an alias as a field name; its value shows where it is
                raise YamlError(Problem(doc.path, value_node.start_mark.line + 1, "Anker und Verweise (& und *) sind nicht erlaubt. Bitte den Wert ausschreiben."))
            seen.add(id(key_node))
            key = key_node.value
            if key in result:
                first = doc.lines.get(where + (key,), "?")
                raise YamlError(Problem(doc.path, key_node.start_mark.line + 1, f"Das Feld „{key}“ steht doppelt (zuerst in Zeile {first}). Bitte nur einmal angeben, sonst ginge ein Wert verloren."))
            doc.lines[where + (key,)] = key_node.start_mark.line + 1
            result[key] = _build(value_node, where + (key,), doc, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, where + (i,), doc, seen) for i, item in enumerate(node.value)]
    # scalar
    if node.tag in _KNOWN_SCALARS:
        try:
            value = _SCALAR.yaml_constructors[node.tag](_SCALAR, node)
        except ValueError:  # an integer over 4,300 digits
            value = None
        if value is None and node.tag != "tag:yaml.org,2002:null" or isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            raise YamlError(Problem(doc.path, node.start_mark.line + 1, f"Die Zahl „{node.value[:20]}…“ ist zu groß ({len(node.value)} Zeichen). Ist ein Text gemeint, bitte in Anführungszeichen setzen."))
        if not node.style and node.value != str(value).lower() and not (isinstance(value, float) and node.value.lower() in (".inf", "-.inf", ".nan")):
            doc.written[where] = node.value
        return value
    return node.value  # str, timestamp (kept as written) or a non-specific "!" scalar
