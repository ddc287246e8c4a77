"""The one safe record writer.

Sync changes a handful of fields it owns; everything else in a record is the
editors' and must come back byte for byte: comments, key order, quoting,
blank lines, hand-wrapped lines. Two ways to edit, tried in this order:

* **Line edits** (:func:`edit_in_place`) for the common nightly changes: a new
  value for an existing one-line scalar (in its old quoting style) or a new
  scalar key, inserted right after the value that precedes it in schema order.
  Positions come from the YAML parser's marks; nothing else is re-emitted.
* **ruamel.yaml round-trip** (:func:`edit_round_trip`), the only Python YAML
  library that keeps comments, key order and quoting, for everything else (a new
  channel, a new ``ozg`` mapping). If ruamel's rendering of the unchanged file is
  not the original (it re-flows hand-wrapped lines, for one), only the lines the
  edit changed in ruamel's rendering are patched into the original text; where
  they cannot be placed unambiguously the file is left alone and reported
  (:class:`NotLossless`).

Guards around both:

1. **Only what was asked.** The edited text is parsed again with Lotse's own
   loader and must equal the old data with exactly the planned operations applied.
2. **Valid before written.** :meth:`RecordWriter.validate` runs the validator's
   checks on the result; :meth:`RecordWriter.commit` writes only after they pass.
   The sync starts from a folder that passed :func:`lotse.validator.load` and only
   changes field values of existing records, so the result passes ``load()``
   exactly when each changed record passes the per-record checks
   (:func:`~lotse.validator.schema_problems`, :func:`~lotse.validator.record_problems`)
   and the whole passes :func:`~lotse.validator.cross_problems`. That is what runs,
   with the validator's own functions, without reading 6,000 unchanged files twice.
3. **Atomic, and only when needed.** Temp file in the same folder + ``os.replace``;
   files whose bytes would not change are never opened for writing, so their
   mtime stays.

New keys go where the schema's property order puts them; comment lines that
stood between the previous key and the next one stay directly above the next
key (ruamel attaches them to the previous key, so we move them).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import difflib
import io
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from lotse import SCHEMA_DIR
from lotse.dataset import COLLECTIONS, Dataset
from lotse.validator import cross_problems, record_problems, schema_problems
from lotse.yamlload import Document, Problem, YamlError, load_yaml_bytes, load_yaml_text

from . import SyncError

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Op:
    """One change to a record: ``set`` a value (adding the key if needed),
    ``append`` an item to a list, or ``delete`` a key. ``path`` as in JSON paths."""

    kind: str
    path: tuple
    value: Any = None


class NotLossless(Exception):
    """ruamel.yaml cannot reproduce this file exactly, so we do not edit it."""


# --------------------------------------------------------------------------- plain data


def apply_plain(data: dict, ops: list[Op]) -> dict:
    """``data`` with ``ops`` applied, as plain Python values (the expected result)."""
    out = copy.deepcopy(data)
    for op in ops:
        parent = out
        for part in op.path[:-1]:
            parent = parent[part]
        key = op.path[-1]
        if op.kind == "set":
            parent[key] = copy.deepcopy(op.value)
        elif op.kind == "append":
            parent[key].append(copy.deepcopy(op.value))
        elif op.kind == "delete":
            del parent[key]
        else:  # pragma: no cover - programming error
            raise ValueError(op.kind)
    return out


# --------------------------------------------------------------------------- schema key order


@lru_cache(maxsize=None)
def _schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def key_order(schema_name: str, path: tuple) -> list[str]:
    """Property order of the schema object at ``path`` (list indexes step into ``items``)."""
    root = _schema(schema_name)
    node = root
    for part in path:
        node = _deref(root, node)
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return list(_deref(root, node).get("properties", {}))


def _deref(root: dict, node: dict) -> dict:
    ref = node.get("$ref", "")
    while ref.startswith("#/"):
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        ref = node.get("$ref", "")
    return node


# --------------------------------------------------------------------------- round-trip editing


_WIDE = 1_000_000  # never wrap: a changed URL must not re-flow anything else


@lru_cache(maxsize=None)
def _yaml(mapping: int, sequence: int, offset: int, explicit_start: bool) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = _WIDE
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.explicit_start = explicit_start
    return y


def _guess_style(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) of the file, as ruamel's ``indent()`` wants them."""
    mapping, offset = None, None
    lines = [ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
    for prev, line in zip(lines, lines[1:]):
        if not prev.rstrip().endswith(":") or prev.lstrip().startswith("- "):
            continue
        base = len(prev) - len(prev.lstrip())
        inner = len(line) - len(line.lstrip())
        if line.lstrip().startswith("- "):
            if offset is None and inner >= base:
                offset = inner - base
        elif mapping is None and inner > base:
            mapping = inner - base
        if offset is not None and mapping is not None:
            break
    mapping = mapping or 2
    offset = offset or 0
    return mapping, max(mapping, offset + 2), offset


def _dump(y: YAML, doc) -> str:
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def edit_text(text: str, ops: list[Op], schema_name: str = "leistung.schema.json") -> str:
    """Apply ``ops`` to YAML ``text``; every line the ops do not touch stays byte for byte."""
    in_place = edit_in_place(text, ops, schema_name)
    if in_place is not None:
        return in_place
    return edit_round_trip(text, ops, schema_name)


def edit_round_trip(text: str, ops: list[Op], schema_name: str = "leistung.schema.json") -> str:
    """Apply ``ops`` with ruamel.yaml.

    ruamel.yaml round-trips the document. Where its rendering of the unchanged
    file equals the original (the usual case), its rendering after the edit is
    the result. Where it does not (e.g. long plain scalars that the editor
    wrapped by hand, which ruamel re-flows), only the lines that the edit
    changed in ruamel's rendering are patched into the original text; if those
    lines cannot be located unambiguously, :class:`NotLossless` is raised.
    """
    explicit = text.lstrip().startswith("---")
    y = _yaml(*_guess_style(text), explicit)
    try:
        doc = y.load(text)
    except Exception as exc:  # ruamel raises many types; any of them means "not editable"
        raise NotLossless(f"ruamel.yaml kann die Datei nicht lesen ({type(exc).__name__})") from None
    before = _dump(y, doc)
    for op in ops:
        _apply_rt(doc, op, schema_name)
    after = _dump(y, doc)
    if before == text:
        return after
    return _patch(text, before, after)


_Q = '"'


def edit_in_place(text: str, ops: list[Op], schema_name: str = "leistung.schema.json") -> str | None:
    """The common changes, done as line edits without re-emitting the whole file.

    Handles ``set`` of a one-line scalar: replacing an existing plain or quoted
    value (keeping its quoting style), or adding a new key right after the
    value of the key that precedes it in schema order. Anything else (new
    mappings, new channels, block scalars, values that would need another
    quoting style, comments whose attachment would be ambiguous) returns None
    and goes through ruamel.yaml. For what it handles it writes what ruamel
    would write, except that a comment after a replaced value keeps its
    distance instead of its column; a test compares both paths. Callers verify
    the result like any other (see :meth:`RecordWriter.stage_record`).
    """
    if not ops or any(op.kind != "set" or isinstance(op.value, (dict, list, bool)) or op.value is None for op in ops):
        return None
    if any(ch in text for ch in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return None  # line breaks for the parser or for str.splitlines(), but not for both
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    lines = text.splitlines(keepends=True)
    replace: dict[int, tuple[int, int, str]] = {}
    insert: dict[int, list[tuple[int, str]]] = {}
    for op in ops:
        parent = _node_at(root, op.path[:-1])
        key = op.path[-1]
        if not isinstance(parent, yaml.MappingNode) or parent.flow_style or not parent.value:
            return None
        keys = [k.value if isinstance(k, yaml.ScalarNode) else None for k, _ in parent.value]
        if key in keys:
            node = parent.value[keys.index(key)][1]
            if not _one_line_scalar(node) or node.start_mark.line in replace:
                return None
            rendered = _render_scalar(op.value, node.style or "")
            if rendered is None:
                return None
            replace[node.start_mark.line] = (node.start_mark.column, node.end_mark.column, rendered)
            continue
        order = key_order(schema_name, op.path[:-1])
        pos = _position(keys, key, order)
        if pos == 0:
            return None
        key_node, value_node = parent.value[pos - 1]
        rendered = _render_scalar(op.value, "")
        last = _last_line(value_node)
        if last is None or rendered is None:
            return None
        column = key_node.start_mark.column
        at = last + 1
        if at > len(lines) or not lines[at - 1].endswith("\n"):
            return None
        if at < len(lines):
            following = lines[at]
            indent = len(following) - len(following.lstrip())
            if not following.strip() or (following.lstrip().startswith("#") and indent > column):
                return None  # whether that belongs above or below the new key is not clear
        rank = order.index(key) if key in order else len(order)
        insert.setdefault(at, []).append((rank, " " * column + f"{key}: {rendered}\n"))
    for line, (start, stop, rendered) in replace.items():
        lines[line] = lines[line][:start] + rendered + lines[line][stop:]
    for at in sorted(insert, reverse=True):
        lines[at:at] = [new for _, new in sorted(insert[at])]
    return "".join(lines)


def _node_at(root, path):
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def _last_line(node) -> int | None:
    """Line of the last character of ``node``'s text; None where that is not clear (block scalars)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    if isinstance(node, yaml.ScalarNode) and (node.style or "") not in ("", "'", _Q):
        return None  # | and > end at the start of the next line
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style:
        return None  # empty block collection
    return node.end_mark.line


def _one_line_scalar(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and (node.style or "") in ("", "'", _Q) and node.start_mark.line == node.end_mark.line


def _render_scalar(value, style: str) -> str | None:
    if isinstance(value, int):
        return str(value) if style == "" else None
    if not isinstance(value, str) or "\n" in value or "\r" in value:
        return None
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == _Q:
        return json.dumps(value, ensure_ascii=False)
    if style == "" and _plain_ok(value):
        return value
    return None


def _plain_ok(value: str) -> bool:
    """A plain scalar that reads back as this very string, in YAML 1.1 and 1.2 alike."""
    if not value or value != value.strip() or _needs_quotes(value):
        return False
    if value[0] in "-?:,[]{}#&*!|>'\"%@`" or ": " in value or " #" in value or value.endswith(":"):
        return False
    return all(ch.isprintable() for ch in value)


def _patch(original: str, before: str, after: str) -> str:
    """Apply the change ``before`` -> ``after`` to ``original``, which differs from
    ``before`` only in formatting elsewhere. Zero fuzz: every changed line and the
    place of every inserted line must map to an identical line of ``original``."""
    orig = original.splitlines(keepends=True)
    old = before.splitlines(keepends=True)
    new = after.splitlines(keepends=True)
    where: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, old, orig, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            where[block.a + k] = block.b + k
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            span = [where.get(i) for i in range(i1, i2)]
            if None in span or span != list(range(span[0], span[0] + len(span))):
                raise NotLossless("die Änderung betrifft Zeilen, die ruamel.yaml anders formatieren würde")
            start, stop = span[0], span[-1] + 1
        else:  # pure insertion before old[i1]: both neighbours must map side by side
            if i1 < len(old) and i1 in where and (i1 == 0 or where.get(i1 - 1) == where[i1] - 1):
                start = stop = where[i1]
            elif i1 == len(old) and (i1 == 0 or where.get(i1 - 1) == len(orig) - 1):
                start = stop = len(orig)
            else:
                raise NotLossless("die Stelle für neue Zeilen ist nicht eindeutig")
        edits.append((start, stop, new[j1:j2]))
    for start, stop, lines in reversed(edits):
        orig[start:stop] = lines
    return "".join(orig)


def _apply_rt(doc: CommentedMap, op: Op, schema_name: str) -> None:
    parent = doc
    for part in op.path[:-1]:
        parent = parent[part]
    key = op.path[-1]
    if op.kind == "set":
        value = _to_rt(op.value, schema_name, op.path)
        if isinstance(parent, CommentedMap) and key not in parent:
            order = key_order(schema_name, op.path[:-1])
            _insert_key(parent, _position(list(parent), key, order), key, value)
            return
        old = parent[key]
        moved = None
        if isinstance(old, ScalarString) and isinstance(value, str):
            value = type(old)(str(value))  # keep the editor's quoting style
        elif isinstance(old, (CommentedMap, CommentedSeq)) and len(old):
            moved = _detach_after(parent, key, _column(parent), inclusive=False)
        parent[key] = value
        if moved is not None:
            _attach_after(parent, key, moved)
    elif op.kind == "append":
        seq = parent[key]
        value = _to_rt(op.value, schema_name, op.path + (len(seq),))
        moved = None
        if len(seq):
            last = seq[-1]
            column = last.lc.col if isinstance(last, CommentedMap) else _column(seq)
            moved = _detach_after(seq, len(seq) - 1, column, inclusive=True)
        seq.append(value)
        if moved is not None:
            _attach_after(seq, len(seq) - 1, moved)
    elif op.kind == "delete":
        keys = list(parent)
        index = keys.index(key)
        moved = _detach_after(parent, key, _column(parent), inclusive=False)
        if moved is not None and index == 0:
            raise NotLossless("ein Kommentar hinge nach dem Löschen in der Luft")
        del parent[key]
        if moved is not None:
            _attach_after(parent, keys[index - 1], moved, merge=True)
    else:  # pragma: no cover
        raise ValueError(op.kind)


def _position(keys: list, key: str, order: list[str]) -> int:
    """After the last existing key that precedes ``key`` in schema order."""
    rank = order.index(key) if key in order else len(order)
    pos = 0
    for i, existing in enumerate(keys):
        if existing in order and order.index(existing) < rank:
            pos = i + 1
    return pos


def _column(node) -> int:
    return getattr(getattr(node, "lc", None), "col", 0) or 0


def _to_rt(value, schema_name: str, path: tuple):
    """Plain Python value -> ruamel node; mapping keys in schema order, block style."""
    if isinstance(value, dict):
        order = key_order(schema_name, path)
        cm = CommentedMap()
        for k in sorted(value, key=lambda k: order.index(k) if k in order else len(order)):
            cm[k] = _to_rt(value[k], schema_name, path + (k,))
        return cm
    if isinstance(value, list):
        return CommentedSeq(_to_rt(v, schema_name, path + (i,)) for i, v in enumerate(value))
    if isinstance(value, str) and _needs_quotes(value):
        return DoubleQuotedScalarString(value)
    return value


def _needs_quotes(value: str) -> bool:
    """True if plain ``value`` would not read back as this string in YAML 1.1 (Lotse's loader)."""
    tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, value, (True, False))
    return tag != "tag:yaml.org,2002:str"


# ruamel keeps the comment lines that follow a value in the comment slot of the
# last scalar before them (slot 2 of a mapping key, slot 0 of a list item), even
# when the comment is about the next key. Inserting after that scalar would put
# the new key below the comment; so we detach those lines first and re-attach
# them after the new content.


def _holder(node, key):
    """(container, key) whose comment slot holds what follows ``node[key]``."""
    value = node[key]
    while isinstance(value, (CommentedMap, CommentedSeq)) and len(value):
        node, key = (value, list(value)[-1]) if isinstance(value, CommentedMap) else (value, len(value) - 1)
        value = node[key]
    return node, key


def _slot(node) -> int:
    return 2 if isinstance(node, CommentedMap) else 0


def _detach_after(node, key, column: int, inclusive: bool):
    """Detach the comment lines after ``node[key]`` that belong to what follows it.

    Lines indented deeper than ``column`` (or as deep, with ``inclusive``) are
    part of ``node[key]`` and stay. From the first line that is not, the rest
    (blank lines included) is detached and returned as a comment token.
    """
    holder, hkey = _holder(node, key)
    slot = _slot(holder)
    items = holder.ca.items.get(hkey)
    if not items or len(items) <= slot or items[slot] is None:
        return None
    token = items[slot]
    head, _, rest = token.value.partition("\n")
    lines = rest.splitlines(keepends=True)
    pending = 0
    cut = None
    for i, line in enumerate(lines):
        if not line.strip():
            pending += 1
            continue
        indent = len(line) - len(line.lstrip())
        if indent > column or (inclusive and indent >= column):
            pending = 0
            continue
        cut = i - pending
        break
    if cut is None:
        cut = len(lines) - pending  # trailing blank lines separate from what follows
    if cut >= len(lines):
        return None
    kept = head + "\n" + "".join(lines[:cut])
    if kept == "\n":
        items[slot] = None
    else:
        token.value = kept
    moved = copy.copy(token)
    moved.value = "\n" + "".join(lines[cut:])
    return moved


def _attach_after(node, key, token, merge: bool = False) -> None:
    holder, hkey = _holder(node, key)
    slot = _slot(holder)
    items = holder.ca.items.setdefault(hkey, [None, None, None, None])
    if merge and items[slot] is not None:
        items[slot].value = items[slot].value + token.value[1:]
    else:
        items[slot] = token


def _insert_key(cm: CommentedMap, pos: int, key, value) -> None:
    moved = None
    if pos > 0:
        moved = _detach_after(cm, list(cm)[pos - 1], _column(cm), inclusive=False)
    cm.insert(pos, key, value)
    if moved is not None:
        _attach_after(cm, key, moved)


# --------------------------------------------------------------------------- files


@dataclass
class Staged:
    path: Path
    old: bytes | None  # None: the file is new
    new: bytes
    doc: Document | None = None  # the new record as the validator reads it
    kind: str | None = None  # collection of a whole file staged with stage_document()


class RecordWriter:
    """Stages edits, shows them, validates the result, then writes atomically.

    Use as a context manager; nothing touches the data folder before
    :meth:`commit`, and :meth:`commit` refuses to run unless :meth:`validate`
    passed.
    """

    def __init__(self, data_dir: Path, schema_name: str = "leistung.schema.json"):
        self.data_dir = Path(data_dir)
        self.schema_name = schema_name
        self.staged: dict[Path, Staged] = {}
        self.refused: dict[Path, str] = {}
        self._validated = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.staged.clear()
        return False

    def stage_record(self, path: Path, data: dict, ops: list[Op]) -> bool:
        """Stage ``ops`` for the record at ``path`` whose loaded data is ``data``.

        Returns True if the file's bytes would change. A file ruamel cannot
        reproduce is recorded in :attr:`refused` and left alone.
        """
        path = Path(path)
        raw = path.read_bytes()
        bom = raw.startswith(BOM)
        text = raw[len(BOM):].decode("utf-8") if bom else raw.decode("utf-8")
        crlf = "\r\n" in text and "\n" not in text.replace("\r\n", "")
        if crlf:
            text = text.replace("\r\n", "\n")
        expected = apply_plain(data, ops)
        doc = None
        new_text = edit_in_place(text, ops, self.schema_name)
        if new_text is not None:
            doc = _reread(new_text, path)
            if doc is None or doc.data != expected:
                new_text = doc = None  # not what was planned: let ruamel.yaml do it
        if new_text is None:
            try:
                new_text = edit_round_trip(text, ops, self.schema_name)
            except NotLossless as exc:
                self.refused[path] = str(exc)
                return False
            doc = _reread(new_text, path)
            if doc is None:
                raise SyncError(f"Interner Fehler: die geänderte Fassung von {path} ist kein gültiges YAML. Nichts geschrieben.")
            if doc.data != expected:
                raise SyncError(f"Interner Fehler: die geänderte Fassung von {path} enthält mehr oder anderes als die geplanten Änderungen. Nichts geschrieben.")
        if crlf:
            new_text = new_text.replace("\n", "\r\n")
        new = (BOM if bom else b"") + new_text.encode("utf-8")
        if new == raw:
            return False
        self.staged[path] = Staged(path, raw, new, doc)
        self._validated = False
        return True

    def stage_text(self, path: Path, text: str) -> bool:
        """Stage a whole file that the sync owns (the state file)."""
        path = Path(path)
        old = path.read_bytes() if path.exists() else None
        new = text.encode("utf-8")
        if new == old:
            return False
        self.staged[path] = Staged(path, old, new)
        self._validated = False
        return True

    def stage_document(self, path: Path, text: str, kind: str) -> bool:
        """Stage a whole record file the sync writes itself: a file in data/pvog/ (owned by
        the sync) or a new record that does not exist yet. It is validated like any other
        record before :meth:`commit`. Existing files of editors never go through here."""
        path = Path(path)
        old = path.read_bytes() if path.exists() else None
        new = text.encode("utf-8")
        if new == old:
            return False
        doc = _reread(text, path)
        if doc is None:
            raise SyncError(f"Interner Fehler: der Inhalt für {path} ist kein gültiges YAML. Nichts geschrieben.")
        self.staged[path] = Staged(path, old, new, doc, kind)
        self._validated = False
        return True

    def diff(self, staged: Staged) -> str:
        name = self.relative(staged.path)
        old = staged.old.decode("utf-8").splitlines(keepends=True) if staged.old is not None else []
        new = staged.new.decode("utf-8").splitlines(keepends=True)
        lines = difflib.unified_diff(old, new, f"a/{name}" if staged.old is not None else "/dev/null", f"b/{name}")
        return "".join(line if line.endswith("\n") else line + "\n\\ Kein Zeilenumbruch am Dateiende\n" for line in lines)

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.data_dir).as_posix()
        except ValueError:
            return path.as_posix()

    @property
    def needs_validation(self) -> bool:
        """Only record files are the validator's business; the state file is ours alone."""
        return any(path.suffix == ".yml" for path in self.staged)

    def validate(self, dataset: Dataset, today=None) -> list[Problem]:
        """The validator's checks on the data as they would be after :meth:`commit`.

        ``dataset`` is what :func:`lotse.validator.load` returned, without
        problems, for the folder before the change.
        """
        if not self.needs_validation:
            self._validated = True
            return []
        today = today or dt.date.today()
        kinds = {c.kind: c for c in COLLECTIONS if c.folder}
        where = {}
        for kind in kinds:
            for rid, doc in dataset.bucket(kind).items():
                where[Path(doc.path)] = (kind, rid)
        result = dataclasses.replace(dataset, leistungen=dict(dataset.leistungen), lebenslagen=dict(dataset.lebenslagen), aemter=dict(dataset.aemter), pvog=dict(dataset.pvog))
        problems: list[Problem] = []
        for path, staged in self.staged.items():
            if staged.doc is None:
                continue
            if staged.kind is not None:
                kind, rid = staged.kind, path.stem
            elif path not in where:
                raise SyncError(f"Interner Fehler: {path} gehört zu keinem geladenen Eintrag. Nichts geschrieben.")
            else:
                kind, rid = where[path]
            if staged.doc.data.get("id", rid) != rid:
                raise SyncError(f"Interner Fehler: die Kennung in {path} hätte sich geändert. Nichts geschrieben.")
            # The bytes about to be written go through the very loader `lotse validate`
            # uses (size limit, encoding, nesting, numbers), not just the parsed data.
            try:
                doc = load_yaml_bytes(staged.new, staged.doc.path)
            except YamlError as exc:
                problems.append(exc.problem)
                continue
            problems += schema_problems(doc, kinds[kind].schema)
            problems += record_problems(doc, kinds[kind], today)
            result.bucket(kind)[rid] = doc
        problems += cross_problems(result)
        problems.sort(key=Problem.sort_key)
        self._validated = not problems
        return problems

    def commit(self, progress=None) -> list[Path]:
        """Write every staged file atomically; returns the paths written."""
        if self.needs_validation and not self._validated:
            raise SyncError("Interner Fehler: Schreiben ohne vorherige Prüfung verweigert.")
        written = []
        for path in sorted(self.staged):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, self.staged[path].new)
            except OSError as exc:
                done = "".join(f"\n  {p}" for p in written) or " keine"
                raise SyncError(
                    f"{path} konnte nicht geschrieben werden ({exc.strerror or exc}). Jede Datei ist entweder alt oder neu, "
                    f"aber der Abgleich ist unvollständig; bereits geschrieben:{done}\nBitte mit „git status“ prüfen und erneut abgleichen.",
                    partial=True,
                ) from None
            written.append(path)
            if progress:
                progress(1)
        return written


def _reread(text: str, path: Path) -> Document | None:
    try:
        return load_yaml_text(text, str(path))
    except YamlError:
        return None


def atomic_write(path: Path, data: bytes) -> None:
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # No fsync: os.replace already guarantees old-or-new for readers, and a
        # crash mid-run is repaired from git; an fsync per file costs seconds
        # when a first sync touches thousands of records.
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
