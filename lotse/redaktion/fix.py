"""``lotse validate --fix``: repairs that need no judgement.

Only three things are fixed, and never the content of a field:

* the file name follows the record's id (``data/services/<id>.yml``);
* keys stand in the schema's property order, at every level whose schema is
  known (so a channel's ``typ`` comes before its ``bezeichnung``);
* whitespace: Windows line ends, spaces at line ends, a missing or doubled
  final newline, and tabs used for indentation where the reading is unambiguous.

The file is edited as text, moving and trimming whole lines; each key keeps
the comment lines directly above it. A round-trip YAML library would re-emit
the file (line wrapping, quoting, indentation) and attaches a comment to the
key *before* it, so reordering with it moves editors' notes to the wrong
field. After every step the file is parsed again and the step is dropped
unless the data is exactly what it was before. Writes are atomic.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml

from ..dataset import COLLECTIONS, Collection
from .feldreferenz import Field, fields
from ..validator import IGNORED_FILES, _outside, field_name
from ..yamlload import YamlError, load_yaml_text

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TAB_WIDTHS = (2, 4)
NOT_DONE = "Bitte von Hand klären, welche Datei gilt."


def fix_data(data_dir: Path | str) -> Iterator[str]:
    """Fix every record under ``data_dir``; yield one German line per change."""
    data_dir = Path(data_dir)
    changes = 0
    touched: set[str] = set()
    if data_dir.is_dir():
        for coll in COLLECTIONS:
            for path in _record_files(data_dir, coll):
                for line in fix_file(path, coll):
                    if not line.endswith(NOT_DONE):
                        changes += 1
                        touched.add(str(path))
                    yield line
    if changes:
        yield f"lotse validate --fix: {changes} Änderung(en) in {len(touched)} Datei(en)."
    else:
        yield "lotse validate --fix: nichts zu reparieren."


def _record_files(data_dir: Path, coll: Collection) -> list[Path]:
    # Unreadable folders and symlinks out of the data folder are the validator's to report;
    # --fix neither reads nor rewrites what such a link points to.
    if coll.file:
        path = data_dir / coll.file
        return [path] if path.is_file() and not (path.is_symlink() and _outside(path, data_dir)) else []
    folder = data_dir / coll.folder
    if not folder.is_dir():
        return []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [
        p for p in entries
        if p.is_file() and p.suffix in (".yml", ".yaml") and p.name not in IGNORED_FILES and not p.name.startswith(".")
        and not (p.is_symlink() and _outside(p, data_dir))
    ]


def fix_file(path: Path, coll: Collection) -> list[str]:
    """Fix one file in place; return what was done, in German."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # the validator explains unreadable files
    bom = ""
    if text.startswith("\ufeff"):
        bom, text = "\ufeff", text[1:]
    # Old Mac files end lines with a bare CR. YAML reads them as line breaks, the steps
    # below work on "\n": work on LF and give the file its own line ends back.
    cr_only = "\r" in text and "\n" not in text
    if cr_only:
        text = text.replace("\r", "\n")
    messages: list[str] = []
    new = text
    for step in (_fix_line_ends, _fix_tabs, _fix_trailing_spaces, _fix_file_end, _fix_key_order):
        candidate, what = step(new, coll)
        if candidate != new and what:
            new = candidate
            messages += [f"{path}: {w}" for w in what]
    if new != text:
        _write_atomic(path, bom + (new.replace("\n", "\r") if cr_only else new))
    renamed = _fix_file_name(path, coll, new)
    if renamed:
        messages.append(renamed)
    return messages


# --------------------------------------------------------------------------- helpers


def _data(text: str):
    """Parsed data, or None when the text is not a readable record."""
    try:
        return load_yaml_text(text, "<fix>").data
    except YamlError:
        return None


def _same(before: str, after: str) -> bool:
    old = _data(before)
    return old is not None and _data(after) == old


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _block_scalar_lines(text: str) -> set[int]:
    """0-based lines that belong to the content of a | or > block scalar.

    There, spaces at a line end, tabs and lines starting with # are content.
    """
    protected: set[int] = set()
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return protected
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                last = node.end_mark.line if node.end_mark.column > 0 else node.end_mark.line - 1
                protected.update(range(node.start_mark.line + 1, last + 1))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return protected


# --------------------------------------------------------------------------- whitespace


def _fix_line_ends(text: str, coll) -> tuple[str, list[str]]:
    if "\r\n" not in text:
        return text, []
    new = text.replace("\r\n", "\n")
    if not _same(text, new):
        return text, []
    return new, ["Windows-Zeilenenden (CRLF) durch einfache Zeilenumbrüche ersetzt."]


def _fix_tabs(text: str, coll) -> tuple[str, list[str]]:
    """Tabs in indentation make YAML unreadable; replace them only when every
    plausible tab width gives the same data, i.e. the reading is unambiguous."""
    lines = text.split("\n")
    tab_lines = [i for i, line in enumerate(lines) if "\t" in line[: len(line) - len(line.lstrip(" \t"))]]
    if not tab_lines or _data(text) is not None:
        return text, []  # a readable file keeps its tabs: they are content there
    results = []
    for width in TAB_WIDTHS:
        candidate = "\n".join(_expand_indent(line, width) if i in tab_lines else line for i, line in enumerate(lines))
        # A tab inside a | or > block is content, not indentation: those lines keep it.
        content = _block_scalar_lines(candidate) & set(tab_lines)
        if content:
            fixed = [line for line in candidate.split("\n")]
            for i in content:
                fixed[i] = lines[i]
            candidate = "\n".join(fixed)
        results.append((candidate, _data(candidate)))
    datas = [d for _, d in results]
    if datas[0] is None or any(d != datas[0] for d in datas):
        return text, []
    changed = [i for i in tab_lines if results[0][0].split("\n")[i] != lines[i]]
    where = ", ".join(str(i + 1) for i in changed)
    return results[0][0], [f"Tabulatoren in der Einrückung durch Leerzeichen ersetzt (Zeile {where})."]


def _expand_indent(line: str, width: int) -> str:
    body = line.lstrip(" \t")
    indent = line[: len(line) - len(body)]
    return indent.expandtabs(width) + body


def _fix_trailing_spaces(text: str, coll) -> tuple[str, list[str]]:
    if _data(text) is None:
        return text, []
    protected = _block_scalar_lines(text)
    lines = text.split("\n")
    changed = []
    for i, line in enumerate(lines):
        if i in protected:
            continue
        stripped = line.rstrip(" \t")
        if stripped != line:
            lines[i] = stripped
            changed.append(i + 1)
    if not changed:
        return text, []
    new = "\n".join(lines)
    if not _same(text, new):
        return text, []
    where = ", ".join(str(n) for n in changed[:10]) + (" …" if len(changed) > 10 else "")
    return new, [f"Leerzeichen am Zeilenende entfernt (Zeile {where})."]


def _fix_file_end(text: str, coll) -> tuple[str, list[str]]:
    if _data(text) is None:
        return text, []
    body = text.rstrip("\n")
    new = body + "\n"
    if new == text:
        return text, []
    if not _same(text, new):
        return text, []  # e.g. a "|+" block scalar keeps its trailing blank lines
    if not text.endswith("\n"):
        return new, ["Zeilenumbruch am Dateiende ergänzt."]
    return new, ["Leere Zeilen am Dateiende entfernt."]


# --------------------------------------------------------------------------- key order


@dataclass
class _Plan:
    """One mapping to reorder: its lines [start, end) and the new order of its key chunks."""

    start: int
    end: int
    chunks: list[tuple[int, int]]  # [start, end) per key, in file order
    order: list[int]  # indexes into chunks, in schema order
    marker_col: int | None  # column of "- " on the first key line, for list entries
    where: tuple


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_blank(line: str) -> bool:
    return not line.strip()


def _last_content_line(lines: list[str], node, protected: set[int]) -> int:
    end = node.end_mark
    line = end.line if end.column > 0 else end.line - 1
    line = min(line, len(lines) - 1)
    while line > node.start_mark.line and line not in protected and (_is_blank(lines[line]) or _is_comment(lines[line])):
        line -= 1
    return line


def _plan_mapping(node, spec: list[Field], lines, protected, where, top: bool, plans: list[_Plan]) -> None:
    if not isinstance(node, yaml.MappingNode) or node.flow_style or not node.value:
        return
    by_key = {f.key: f for f in spec}
    keys = [k.value if isinstance(k, yaml.ScalarNode) else None for k, _ in node.value]
    # Recurse first: nested regions are permuted in place, which keeps this level's line ranges valid.
    for key_node, value_node in node.value:
        f = by_key.get(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
        if f is None or not f.children:
            continue
        if f.shape == "object":
            _plan_mapping(value_node, f.children, lines, protected, where + (f.key,), False, plans)
        elif f.shape == "list-object" and isinstance(value_node, yaml.SequenceNode) and not value_node.flow_style:
            for i, item in enumerate(value_node.value):
                _plan_mapping(item, f.children, lines, protected, where + (f.key, i), False, plans)
    if any(k not in by_key for k in keys):
        return  # an unknown key: the validator reports it; order waits until it is fixed
    rank = {f.key: i for i, f in enumerate(spec)}
    order = sorted(range(len(keys)), key=lambda i: rank[keys[i]])
    if order == list(range(len(keys))):
        return
    key_lines = [k.start_mark.line for k, _ in node.value]
    col = node.value[0][0].start_mark.column
    if len(set(key_lines)) != len(key_lines) or any(k.start_mark.column != col for k, _ in node.value):
        return
    first_prefix = lines[key_lines[0]][:col]
    marker_col = None
    if first_prefix.strip():
        m = re.fullmatch(r"( *)- +", first_prefix)
        if top or not m:
            return
        marker_col = len(m.group(1))
    if any(lines[n][:col].strip() for n in key_lines[1:]):
        return
    starts = []
    for i, n in enumerate(key_lines):
        start = n
        if i > 0:
            # Comment lines directly above a key describe it and move with it; a
            # more indented comment still belongs to the block above.
            while (
                i > 0 and start - 1 > key_lines[i - 1] and start - 1 not in protected
                and _is_comment(lines[start - 1]) and _indent(lines[start - 1]) <= col
            ):
                start -= 1
        starts.append(start)
    # Comments and blank lines after the last value stay at the end (at the top level
    # they close the file, they do not describe the last key).
    end = _last_content_line(lines, node.value[-1][1], protected) + 1
    chunks = [(starts[i], starts[i + 1] if i + 1 < len(starts) else end) for i in range(len(starts))]
    plans.append(_Plan(starts[0], end, chunks, order, marker_col, where))


def _apply(lines: list[str], plan: _Plan) -> None:
    texts = [lines[a:b] for a, b in plan.chunks]
    if plan.marker_col is not None:
        c = plan.marker_col
        first = texts[0]
        # the first chunk starts on its key line: swap "- " for spaces, then give it to the new first key
        first[0] = first[0][:c] + "  " + first[0][c + 2 :]
    # keep the blank-line layout by position: chunk cores move, the gaps after them stay
    cores, gaps = [], []
    for t in texts:
        n = len(t)
        while n > 1 and _is_blank(t[n - 1]):
            n -= 1
        cores.append(t[:n])
        gaps.append(t[n:])
    out: list[str] = []
    for pos, idx in enumerate(plan.order):
        core = list(cores[idx])
        if plan.marker_col is not None and pos == 0:
            key_at = next(i for i, line in enumerate(core) if not _is_comment(line))
            c = plan.marker_col
            core[key_at] = core[key_at][:c] + "- " + core[key_at][c + 2 :]
        out += core + gaps[pos]
    lines[plan.start : plan.end] = out


def _fix_key_order(text: str, coll: Collection) -> tuple[str, list[str]]:
    if _data(text) is None:
        return text, []
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return text, []
    lines = text.split("\n")
    protected = _block_scalar_lines(text)
    plans: list[_Plan] = []
    _plan_mapping(root, fields(coll.schema), lines, protected, (), True, plans)
    if not plans:
        return text, []
    messages = []
    for plan in plans:  # inner mappings come first and never cross an outer chunk boundary
        _apply(lines, plan)
        inside = f" in „{field_name(plan.where)}“" if plan.where else ""
        messages.append(f"Reihenfolge der Felder{inside} an das Schema angepasst.")
    new = "\n".join(lines)
    if not _same(text, new) or not _ordered(new, coll):
        return text, []
    return new, messages


def _ordered(text: str, coll: Collection) -> bool:
    """True when every mapping with a known schema is in schema order (the check after moving lines)."""
    data = _data(text)

    def check(value, spec: list[Field]) -> bool:
        if not isinstance(value, dict):
            return True
        by_key = {f.key: f for f in spec}
        if any(k not in by_key for k in value):
            return True
        rank = [f.key for f in spec]
        keys = list(value)
        if keys != sorted(keys, key=rank.index):
            return False
        for k, v in value.items():
            f = by_key[k]
            if f.shape == "object" and not check(v, f.children):
                return False
            if f.shape == "list-object" and isinstance(v, list) and not all(check(item, f.children) for item in v):
                return False
        return True

    return data is not None and check(data, fields(coll.schema))


# --------------------------------------------------------------------------- file name


def _fix_file_name(path: Path, coll: Collection, text: str) -> str | None:
    if not coll.folder:
        return None
    data = _data(text)
    rid = data.get("id") if isinstance(data, dict) else None
    stem = rid if isinstance(rid, str) and ID.fullmatch(rid) else path.stem
    target = path.with_name(f"{stem}.yml")
    if target.name == path.name:
        return None
    try:
        os.link(path, target)  # fails instead of replacing another editor's file
    except FileExistsError:
        return f"{path}: nicht umbenannt, weil {target} schon existiert. {NOT_DONE}"
    except OSError:
        return None
    os.unlink(path)
    return f"{path} → {target} umbenannt (der Dateiname ist die Kennung)."
