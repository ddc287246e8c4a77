"""A fast yes/unsure pre-check for JSON Schemas, used before ``jsonschema``.

``jsonschema`` walks a schema with a new validator object per keyword and
resolves every ``$ref`` through the registry again for every record; for
thousands of records that is most of ``lotse validate``'s time. Nearly all
records are valid, so the validator first asks this module "is this record
certainly valid?" and only runs ``jsonschema.iter_errors`` (which produces the
messages) when the answer is no.

The pre-check is conservative by construction: each supported keyword is
checked exactly as ``jsonschema`` checks it (same type rules, ``re.search``
for patterns, the same comparisons), and anything it does not fully
understand - an unknown keyword, ``format``, combinators, ``$id``, unique items
that are not all strings - answers "unsure", which means "run jsonschema".
It never reports an error itself, so it cannot change a message, and a gap in
it can only cost speed, never let an invalid record through.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

Check = Callable[[object], bool]

# Keywords that jsonschema (draft 2020-12, no format checker) never asserts.
ANNOTATIONS = frozenset({
    "$schema", "$comment", "$defs", "title", "description", "examples", "default",
    "contentMediaType", "contentEncoding", "contentSchema", "deprecated", "readOnly", "writeOnly",
})


def _accept(_value) -> bool:
    return True


def _unsure(_value) -> bool:
    return False


def _is_integer(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPE_TESTS = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


class _Unsupported(Exception):
    pass


def python_pattern(pattern: str) -> re.Pattern:
    """A JSON Schema (ECMA-262) pattern compiled with ECMA's meaning of ``$`` and ``\\d``.

    In Python ``$`` also matches before a trailing newline (``"99115005104000\\n"``
    passed ``^99\\d{12}$``) and ``\\d`` matches any Unicode digit; in the schema's own
    dialect, and so in every editor plugin, ``$`` is the end of the text and ``\\d``
    is 0-9. Both the pre-check and the validator use this translation.
    """
    out = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            if pair == "\\d":
                out.append("0-9" if in_class else "[0-9]")
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


class Compiler:
    """Turns the schemas in one folder into check functions, resolving ``$ref`` between files."""

    def __init__(self, load_document: Callable[[str], object]):
        self._load = load_document
        self._documents: dict[str, object] = {}
        self._compiled: dict[tuple[str, str], Check] = {}

    def compile_file(self, name: str) -> Check:
        return self._ref(name, "", name)

    # -- references -------------------------------------------------------------------

    def _document(self, name: str):
        if name not in self._documents:
            self._documents[name] = self._load(name)
        return self._documents[name]

    def _ref(self, name: str, pointer: str, base: str) -> Check:
        name = name or base
        key = (name, pointer)
        if key in self._compiled:
            return self._compiled[key]
        # A forwarding cell, so a schema that refers to itself compiles without looping.
        cell: list[Check] = [_unsure]
        self._compiled[key] = lambda value: cell[0](value)
        try:
            node = self._document(name)
            for part in pointer.split("/")[1:] if pointer else []:
                part = part.replace("~1", "/").replace("~0", "~")
                node = node[int(part)] if isinstance(node, list) else node[part]
            cell[0] = self._schema(node, name)
        except (_Unsupported, KeyError, IndexError, ValueError, TypeError, OSError, re.error):
            cell[0] = _unsure
        self._compiled[key] = cell[0]
        return cell[0]

    # -- schemas ------------------------------------------------------------------------

    def _schema(self, schema, base: str) -> Check:
        if schema is True:
            return _accept
        if not isinstance(schema, dict):
            return _unsure  # False or a malformed schema: let jsonschema decide and explain
        checks: list[Check] = []
        for keyword, value in schema.items():
            if keyword in ANNOTATIONS:
                continue
            builder = getattr(self, "_kw_" + keyword.lstrip("$"), None) if keyword in _KEYWORDS else None
            if builder is None:
                return _unsure
            if keyword in _NUMERIC and not _is_number(value):
                return _unsure
            try:
                checks.append(builder(value, schema, base))
            except (_Unsupported, re.error, TypeError, ValueError, AttributeError):
                return _unsure  # this part of the schema is left to jsonschema
        checks = [c for c in checks if c is not _accept]
        if not checks:
            return _accept
        if len(checks) == 1:
            return checks[0]
        if _unsure in checks:
            return _unsure
        checks_t = tuple(checks)

        def all_of(value) -> bool:
            for check in checks_t:
                if not check(value):
                    return False
            return True

        return all_of

    # -- keywords (each returns True only where jsonschema finds no error) ---------------

    def _kw_ref(self, value, schema, base):
        if not isinstance(value, str):
            raise _Unsupported
        name, _, pointer = value.partition("#")
        if pointer and not pointer.startswith("/"):
            raise _Unsupported  # anchors
        return self._ref(name, pointer, base)

    def _kw_type(self, value, schema, base):
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or any(n not in _TYPE_TESTS for n in names):
            raise _Unsupported
        tests = tuple(_TYPE_TESTS[n] for n in names)
        if len(tests) == 1:
            return tests[0]
        return lambda v: any(t(v) for t in tests)

    def _kw_enum(self, value, schema, base):
        # null is allowed as "not known yet" (data/lotse.yml, rechtliches)
        if not isinstance(value, list) or not all(isinstance(v, str) or v is None for v in value):
            raise _Unsupported
        allowed = frozenset(value)
        return lambda v: (v is None or isinstance(v, str)) and v in allowed

    def _kw_anyOf(self, value, schema, base):
        if not isinstance(value, list) or not value:
            raise _Unsupported
        options = tuple(self._schema(sub, base) for sub in value)
        return lambda v: any(check(v) for check in options)

    def _kw_const(self, value, schema, base):
        if not isinstance(value, str):
            raise _Unsupported
        return lambda v: isinstance(v, str) and v == value

    def _kw_pattern(self, value, schema, base):
        search = python_pattern(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _kw_minLength(self, value, schema, base):
        return lambda v: not isinstance(v, str) or len(v) >= value

    def _kw_maxLength(self, value, schema, base):
        return lambda v: not isinstance(v, str) or len(v) <= value

    def _kw_minItems(self, value, schema, base):
        return lambda v: not isinstance(v, list) or len(v) >= value

    def _kw_maxItems(self, value, schema, base):
        return lambda v: not isinstance(v, list) or len(v) <= value

    def _kw_minProperties(self, value, schema, base):
        return lambda v: not isinstance(v, dict) or len(v) >= value

    def _kw_maxProperties(self, value, schema, base):
        return lambda v: not isinstance(v, dict) or len(v) <= value

    def _kw_uniqueItems(self, value, schema, base):
        if value is False:
            return _accept
        # Only strings are compared here; jsonschema's rules for 1 vs true vs 1.0 are its own.
        return lambda v: not isinstance(v, list) or (all(isinstance(i, str) for i in v) and len(set(v)) == len(v))

    def _kw_minimum(self, value, schema, base):
        return lambda v: not _is_number(v) or not v < value

    def _kw_maximum(self, value, schema, base):
        return lambda v: not _is_number(v) or not v > value

    def _kw_exclusiveMinimum(self, value, schema, base):
        return lambda v: not _is_number(v) or not v <= value

    def _kw_exclusiveMaximum(self, value, schema, base):
        return lambda v: not _is_number(v) or not v >= value

    def _kw_required(self, value, schema, base):
        if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
            raise _Unsupported
        required = tuple(value)
        return lambda v: not isinstance(v, dict) or all(k in v for k in required)

    def _kw_items(self, value, schema, base):
        if "prefixItems" in schema:
            raise _Unsupported
        item = self._schema(value, base)
        if item is _accept:
            return _accept

        def items(v) -> bool:
            if not isinstance(v, list):
                return True
            for element in v:
                if not item(element):
                    return False
            return True

        return items

    def _kw_properties(self, value, schema, base):
        props = {key: self._schema(sub, base) for key, sub in value.items()}

        def properties(v) -> bool:
            if not isinstance(v, dict):
                return True
            for key, element in v.items():
                check = props.get(key)
                if check is not None and not check(element):
                    return False
            return True

        return properties

    def _kw_if(self, value, schema, base):
        # Only conditions this module decides exactly (required keys, constant values): a
        # "maybe" here would pick the wrong branch, so anything else is left to jsonschema.
        condition = _condition(value)
        then = self._schema(schema.get("then", True), base)
        other = self._schema(schema.get("else", True), base)
        if then is _unsure or other is _unsure:
            raise _Unsupported
        return lambda v: then(v) if condition(v) else other(v)

    def _kw_then(self, value, schema, base):
        return _accept  # checked by _kw_if; without "if", jsonschema ignores it too

    _kw_else = _kw_then

    def _kw_additionalProperties(self, value, schema, base):
        if "patternProperties" in schema:
            raise _Unsupported
        known = frozenset(schema.get("properties", {}))
        if value is True:
            return _accept
        if value is False:
            return lambda v: not isinstance(v, dict) or known.issuperset(v)
        extra = self._schema(value, base)

        def additional(v) -> bool:
            if not isinstance(v, dict):
                return True
            return all(extra(element) for key, element in v.items() if key not in known)

        return additional


_KEYWORDS = frozenset({
    "$ref", "type", "enum", "const", "pattern", "minLength", "maxLength", "minItems", "maxItems",
    "minProperties", "maxProperties", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "required", "items", "properties", "additionalProperties", "anyOf", "if", "then", "else",
})


_NUMERIC = frozenset({
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
})


def compiler_for(schema_dir) -> Compiler:
    """A compiler that reads referenced schemas from ``schema_dir`` by file name."""
    folder = Path(schema_dir)
    return Compiler(lambda name: json.loads((folder / name).read_text(encoding="utf-8")))


def _condition(schema) -> Check:
    """An exact test for an ``if`` schema made of ``required`` and ``properties`` with ``const``."""
    if not isinstance(schema, dict) or set(schema) - {"required", "properties"} - ANNOTATIONS:
        raise _Unsupported
    required = tuple(schema.get("required", ()))
    consts = {}
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or set(sub) - {"const"} - ANNOTATIONS or "const" not in sub:
            raise _Unsupported
        if not isinstance(sub["const"], (str, bool)):
            raise _Unsupported
        consts[key] = sub["const"]

    def same(a, b) -> bool:  # jsonschema: false is not 0, true is not 1
        return type(a) is type(b) and a == b

    def condition(v) -> bool:
        if not isinstance(v, dict):
            return True
        if not all(k in v for k in required):
            return False
        return all(same(v[k], c) for k, c in consts.items() if k in v)

    return condition
