"""The one validator: every tool that reads data/ goes through :func:`load`.

Order of checks, all collected before anything is reported:

1. each file is readable YAML (see :mod:`lotse.yamlload`);
2. each record matches its JSON Schema (``schemas/``);
3. rules inside one record (file name = id, real dates, level vs. channels);
4. rules across records (unique LeiKa keys, every reference resolves).

Every finding is a :class:`~lotse.yamlload.Problem` printed as
``path:line: message`` in German, saying what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import json
import re
from functools import lru_cache
from pathlib import Path

from typing import TYPE_CHECKING

from . import SCHEMA_DIR, fastschema
from .dataset import COLLECTIONS, LEVELS, ONLINE_TYPES, Collection, Dataset, in_operation
from .yamlload import Document, Problem, YamlError, load_yaml_file

if TYPE_CHECKING:  # imported where used: a clean run never needs jsonschema (a tenth of a second)
    import jsonschema
    from referencing import Registry

IGNORED_FILES = {"README.md", ".gitkeep"}


class InvalidData(Exception):
    """Raised by :func:`load_valid` when data/ has problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} Problem(e) in den Daten")
        self.problems = problems


# --------------------------------------------------------------------------- schemas


@lru_cache(maxsize=None)
def _registry() -> Registry:
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        # Schemas have no $id: "$ref": "common.schema.json#..." is then relative to the
        # file itself, which resolves the same way for us (registered by file name), for
        # check-jsonschema and for editors' YAML plugins, and never points at a web host.
        resources.append((path.name, Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    import jsonschema

    schema = load_schema(name)
    base = jsonschema.validators.validator_for(schema)
    # jsonschema's uniqueItems falls back to comparing every pair when a list cannot be
    # sorted (mixed types): one 256 KiB file then took minutes. Same semantics, linear.
    cls = jsonschema.validators.extend(base, {"uniqueItems": _unique_items, "pattern": _pattern})
    return cls(schema, registry=_registry())


@lru_cache(maxsize=None)
def _compiled(pattern: str):
    return fastschema.python_pattern(pattern)


def _pattern(validator, pattern, instance, schema):
    """``pattern`` with the schema dialect's ``$`` and ``\\d`` (see fastschema.python_pattern)."""
    import jsonschema

    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield jsonschema.ValidationError(f"does not match {pattern!r}")


def _unique_items(validator, unique, instance, schema):
    import jsonschema

    if unique and validator.is_type(instance, "array"):
        seen = set()
        for item in instance:
            key = _identity(item)
            if key in seen:
                yield jsonschema.ValidationError("has non-unique elements")
                return
            seen.add(key)


def _identity(value):
    """A hashable stand-in with JSON Schema's equality: 1 == 1.0, but 1 != true, "1" != 1.

    Depth is bounded by the loader's nesting limit (yamlload.MAX_DEPTH).
    """
    if isinstance(value, bool) or value is None:
        return ("c", value)
    if isinstance(value, (int, float)):
        return ("n", value)  # Python already has 1 == 1.0 with equal hashes
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(_identity(v) for v in value))
    if isinstance(value, dict):
        return ("d", frozenset((k, _identity(v)) for k, v in value.items()))
    return ("o", repr(value))


_TYPE_NAMES = {
    "string": "Text",
    "integer": "ganze Zahl",
    "number": "Zahl",
    "boolean": "true oder false",
    "array": "Liste (Zeilen, die mit „- “ beginnen)",
    "object": "Abschnitt mit eingerückten Unterfeldern",
    "null": "leer",
}


def _type_of(value) -> str:
    if value is None:
        return "leer"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "eine ganze Zahl"
    if isinstance(value, float):
        return "eine Zahl"
    if isinstance(value, str):
        return "Text"
    if isinstance(value, list):
        return "eine Liste"
    return "ein Abschnitt mit Unterfeldern"


def field_name(json_path) -> str:
    """``('kanaele', 0, 'url')`` -> ``kanaele[1].url`` (counting from 1, as editors do)."""
    out = ""
    for part in json_path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + part
    return out or "Eintrag"


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def _short(value, limit: int = 60) -> str:
    """A value quoted in a message: one line (control characters shown as \\n etc.), at most ``limit``."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text[: limit * 4]
    text = _CONTROL.sub(lambda m: json.dumps(m.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BAD_SCHEMES = re.compile(r"^\s*(javascript|data|vbscript|file):", re.I)


def _schema_messages(err: jsonschema.ValidationError, written: dict | None = None) -> list[tuple[tuple, str]]:
    """Translate one jsonschema error into (json path, German message) pairs.

    ``written`` maps paths to the text as written where YAML 1.1 read it as something
    else (``04103`` -> 2115); messages then quote the editor's text, not YAML's reading.
    """
    where = tuple(err.absolute_path)
    raw = (written or {}).get(where)
    name = field_name(where)
    value = err.instance
    schema = err.schema if isinstance(err.schema, dict) else {}
    kind = err.validator
    if kind == "required":
        missing = err.message.split("'")[1]
        prop = schema.get("properties", {}).get(missing, {})
        title = prop.get("title")
        label = f"„{missing}“ ({title})" if title else f"„{missing}“"
        inside = "" if not where else f" in {name}"
        return [(where, f"Pflichtfeld {label} fehlt{inside}. Bitte ergänzen.")]
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        out = []
        for key in value:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"Meinten Sie „{guess[0]}“?" if guess else "Erlaubt sind: " + ", ".join(allowed) + "."
            inside = "" if not where else f" in {name}"
            out.append((where + (key,), f"Unbekanntes Feld „{key}“{inside}. {hint} Unbekannte Felder werden abgelehnt, damit ein Tippfehler keine Angabe still verschwinden lässt."))
        return out
    if value is None and kind in ("type", "enum"):
        # "feld:" with nothing after it: say so, instead of calling the gap "null"
        allowed = f" Erlaubt sind: {', '.join(str(v) for v in err.validator_value)}." if kind == "enum" else ""
        return [(where, f"„{name}“ ist leer. Bitte einen Wert eintragen oder die Zeile löschen, wenn das Feld optional ist.{allowed}")]
    if kind == "type":
        expected = err.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        wanted = " oder ".join(_TYPE_NAMES.get(t, t) for t in expected)
        hint = ""
        if "boolean" in expected and isinstance(value, str):
            hint = " Bitte true oder false schreiben (ohne Anführungszeichen)."
        if "string" in expected and isinstance(value, (int, float, bool)):
            if raw is not None:
                read = json.dumps(value)
                hint = f" Ohne Anführungszeichen liest YAML „{_short(raw)}“ als {read}. Bitte in Anführungszeichen setzen: \"{_short(raw)}\"."
            else:
                hint = " Tipp: den Wert in Anführungszeichen setzen, z. B. \"" + str(value).lower() + "\"."
        return [(where, f"„{name}“ muss {wanted} sein, ist aber {_type_of(value)}.{hint}")]
    if kind == "enum":
        allowed = [str(v) for v in err.validator_value]
        shown = raw if raw is not None else value
        guess = difflib.get_close_matches(_short(shown, 200), allowed, n=1, cutoff=0.5)
        hint = f" Meinten Sie „{guess[0]}“?" if guess else ""
        if raw is not None and raw in allowed:
            hint = f" Ohne Anführungszeichen liest YAML „{raw}“ als {json.dumps(value)}; bitte in Anführungszeichen setzen: \"{raw}\"."
        return [(where, f"„{name}“: „{_short(shown)}“ ist nicht erlaubt. Erlaubt sind: {', '.join(allowed)}.{hint}")]
    if kind == "pattern":
        pattern = err.validator_value
        if pattern.startswith("^https://") and isinstance(value, str):
            if _BAD_SCHEMES.match(value):
                return [(where, f"„{name}“: Adressen mit „{value.split(':')[0]}:“ sind verboten, weil sie im Browser Code ausführen oder Inhalte einschleusen können. Bitte eine https-Adresse eintragen.")]
            if value.lower().startswith("http://"):
                return [(where, f"„{name}“: „{_short(value)}“ ist unverschlüsselt. Nur https-Adressen sind erlaubt; bitte „https://“ schreiben.")]
            return [(where, f"„{name}“: „{_short(value)}“ ist keine vollständige https-Adresse (Beispiel: https://amt24.sachsen.de/).")]
        description = schema.get("description", "")
        return [(where, f"„{name}“: „{_short(value)}“ hat nicht das erwartete Format. {description}".rstrip())]
    if kind == "minLength":
        return [(where, f"„{name}“ ist zu kurz (mindestens {err.validator_value} Zeichen).")]
    if kind == "maxLength":
        return [(where, f"„{name}“ ist zu lang ({len(value)} Zeichen, höchstens {err.validator_value}). Bitte kürzen.")]
    if kind == "minItems":
        return [(where, f"„{name}“ braucht mindestens {err.validator_value} Eintrag/Einträge.")]
    if kind == "maxItems":
        return [(where, f"„{name}“ hat zu viele Einträge (höchstens {err.validator_value}).")]
    if kind == "uniqueItems":
        return [(where, f"„{name}“ enthält einen Eintrag doppelt. Bitte jeden Eintrag nur einmal nennen.")]
    if kind in ("minimum", "exclusiveMinimum"):
        word = "mindestens" if kind == "minimum" else "größer als"
        return [(where, f"„{name}“ muss {word} {err.validator_value} sein, ist aber {value}.")]
    if kind in ("maximum", "exclusiveMaximum"):
        return [(where, f"„{name}“ darf höchstens {err.validator_value} sein, ist aber {value}.")]
    return [(where, f"„{name}“: {err.message}")]


@lru_cache(maxsize=None)
def quick_check(name: str):
    """Fast "certainly valid?" test for a schema; see :mod:`lotse.fastschema`."""
    return _compiler().compile_file(name)


@lru_cache(maxsize=1)
def _compiler():
    return fastschema.compiler_for(SCHEMA_DIR)


def schema_problems(doc: Document, schema_name: str) -> list[Problem]:
    if quick_check(schema_name)(doc.data):
        return []  # certainly valid; jsonschema below is only needed to explain errors
    out = []
    for err in schema_validator(schema_name).iter_errors(doc.data):
        for where, message in _schema_messages(err, doc.written):
            out.append(Problem(doc.path, doc.line_of(where), message))
    return out


# --------------------------------------------------------------------------- record rules


def _real_time(value: str) -> bool:
    """True if a YYYY, YYYY-MM or YYYY-MM-DD string names a real point in time."""
    try:
        parts = [int(p) for p in value.split("-")]
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        return True
    except (ValueError, IndexError):
        return False


def _date_rule(doc: Document, where: tuple, today: dt.date, future_ok: bool) -> list[Problem]:
    value = _get(doc.data, where)
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return []  # the schema already reports the format
    if not _real_time(value):
        return [Problem(doc.path, doc.line_of(where), f"„{field_name(where)}“: {value} ist kein gültiges Datum (gibt es diesen Tag/Monat?).")]
    if not future_ok and len(value) == 10 and dt.date.fromisoformat(value) > today:
        return [Problem(doc.path, doc.line_of(where), f"„{field_name(where)}“: {value} liegt in der Zukunft. Der Stand ist das Datum der letzten Prüfung.")]
    return []


def _get(data, where):
    for part in where:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


@lru_cache(maxsize=1)
def _markdown_fields() -> frozenset:
    """Names of the properties whose schema says ``contentMediaType: text/markdown``."""
    names = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in (node.get("properties") or {}).items():
                if isinstance(value, dict) and value.get("contentMediaType") == "text/markdown":
                    names.add(key)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return frozenset(names)


# Link targets in Markdown, in the three forms the renderer turns into links.
_MD_TARGETS = (
    re.compile(r"\]\(\s*<?([^)\s>]+)"),  # [Text](ziel)
    re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>"),  # <https://…>
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)", re.M),  # [ref]: ziel
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


@lru_cache(maxsize=1)
def _url_rule():
    return _compiled(load_schema("common.schema.json")["$defs"]["url"]["pattern"])


def _markdown_link_problems(doc: Document) -> list[Problem]:
    """Web links in Markdown follow the rule of URL fields: https, with a full host name.

    Without this, ``[x](http://127.0.0.1/)`` passed the validator and the link check
    fetched it; the schema pattern for URL fields never saw it.
    """
    url_rule = _url_rule()
    fields = _markdown_fields()
    out = []

    def walk(value, where):
        # Markdown fields sit in records and their sections (buendel), never inside lists.
        for key, item in value.items():
            if isinstance(item, str):
                if key in fields:
                    check(item, where + (key,))
            elif isinstance(item, dict):
                walk(item, where + (key,))

    def check(text, where):
        if "](" not in text and "<" not in text and "]:" not in text:
            return
        for regex in _MD_TARGETS:
            for match in regex.finditer(text):
                target = match.group(1)
                scheme = _SCHEME.match(target)
                if not scheme or scheme.group(1).lower() not in ("http", "https"):
                    # Relative links and mailto fetch nothing; javascript:, data: and the like
                    # are removed by the site's sanitiser (lotse/site/text.py, tested in test_privacy).
                    continue
                if scheme.group(1).lower() == "https" and url_rule.search(target):
                    continue
                if scheme.group(1).lower() == "http":
                    why = "ist unverschlüsselt. Nur https-Adressen sind erlaubt, wie in den Adressfeldern; bitte „https://“ schreiben."
                else:
                    why = "ist keine vollständige https-Adresse (Beispiel: https://amt24.sachsen.de/)."
                out.append(Problem(doc.path, doc.line_of(where), f"„{field_name(where)}“: der Link „{_short(target)}“ {why}"))

    walk(doc.data, ())
    return out


def record_problems(doc: Document, coll: Collection, today: dt.date) -> list[Problem]:
    data = doc.data
    out: list[Problem] = _markdown_link_problems(doc)
    if coll.folder:
        stem = Path(doc.path).stem
        rid = data.get("id")
        if isinstance(rid, str) and rid != stem:
            out.append(Problem(doc.path, doc.line_of(("id",)), f"Die Kennung „{rid}“ passt nicht zum Dateinamen „{stem}.yml“. Der Dateiname ist die Kennung (und die Adresse der Seite): Datei in „{rid}.yml“ umbenennen oder die id auf „{stem}“ setzen. „lotse validate --fix“ benennt die Datei um."))
    out += _date_rule(doc, ("stand",), today, future_ok=False)
    if coll.kind == "leistung":
        out += _date_rule(doc, ("planung", "digital_bis"), today, future_ok=True)
        out += _service_rules(doc)
    if coll.kind == "lebenslage":
        out += _date_rule(doc, ("buendel", "seit"), today, future_ok=True)
    if coll.kind == "synonyme":
        # The search's own normalisation decides what counts as "the same word".
        from .search.synonyms import problems as synonym_problems

        out += synonym_problems(doc)
    return out


def _service_rules(doc: Document) -> list[Problem]:
    data = doc.data
    out = []
    kanaele = data.get("kanaele")
    level = data.get("digitalisierung")
    if isinstance(kanaele, list) and level in LEVELS:
        types = [k.get("typ") for k in kanaele if isinstance(k, dict) and in_operation(k)]
        online = [t for t in types if t in ONLINE_TYPES]
        if level == "analog" and online:
            out.append(Problem(doc.path, doc.line_of(("digitalisierung",)), f"„digitalisierung“ ist „analog“, aber es gibt einen Online-Kanal ({online[0]}). Mit Online-Kanal bitte „digital“ eintragen (oder „ende-zu-ende“, wenn auch der Bescheid digital zurückkommt)."))
        if level != "analog" and not online:
            extra = " Ein PDF per E-Mail zählt nach der Zählung der Stadt nicht als digital." if "email-pdf" in types else ""
            out.append(Problem(doc.path, doc.line_of(("digitalisierung",)), f"„digitalisierung“ ist „{level}“, aber kein Kanal ist online (amt24, formular, efa oder portal).{extra} Bitte „analog“ eintragen oder den Online-Kanal ergänzen."))
    if isinstance(kanaele, list):
        for i, kanal in enumerate(kanaele):
            if not isinstance(kanal, dict):
                continue
            if kanal.get("status") and not kanal.get("status_stand"):
                out.append(Problem(doc.path, doc.line_of(("kanaele", i, "status")), f"„kanaele[{i + 1}].status“ ist „{kanal['status']}“, aber „status_stand“ fehlt: Bitte das Datum der Quelle eintragen, die den Kanal so nennt (JJJJ-MM-TT), damit die Website sagt, wie alt die Angabe ist."))
            if kanal.get("amt") and kanal.get("typ") not in ("vor-ort", "post"):
                out.append(Problem(doc.path, doc.line_of(("kanaele", i, "amt")), f"„kanaele[{i + 1}].amt“ gibt es nur bei vor-ort und post: ein Online-Kanal hat keinen Ort."))
    kennzahlen = data.get("kennzahlen")
    if isinstance(kennzahlen, list):
        seen: dict = {}
        for i, k in enumerate(kennzahlen):
            if isinstance(k, dict) and isinstance(k.get("jahr"), int):
                if k["jahr"] in seen:
                    out.append(Problem(doc.path, doc.line_of(("kennzahlen", i, "jahr")), f"Kennzahlen für {k['jahr']} stehen doppelt (zuerst in Zeile {seen[k['jahr']]}). Bitte zu einem Eintrag zusammenfassen."))
                else:
                    seen[k["jahr"]] = doc.line_of(("kennzahlen", i, "jahr"))
    return out


# --------------------------------------------------------------------------- cross-record rules


# A suggestion compares the unknown id with every known one: with thousands of records
# and thousands of unknown references that was minutes. The first few suggestions are
# the useful ones (the rest are usually the same mistake again), so they are bounded.
MAX_SUGGESTIONS = 50


class _Suggestions:
    def __init__(self, limit: int = MAX_SUGGESTIONS):
        self.left = limit
        self.memo: dict = {}

    def __call__(self, target: str, bucket: dict) -> str | None:
        key = (target, id(bucket))
        if key not in self.memo:
            if self.left <= 0:
                return None
            self.left -= 1
            guess = difflib.get_close_matches(target[:200], list(bucket), n=1, cutoff=0.6)
            self.memo[key] = guess[0] if guess else None
        return self.memo[key]


def _unknown_ref(doc, where, target_id, bucket, folder, what, suggest: _Suggestions) -> Problem:
    guess = suggest(target_id, bucket)
    hint = f" Meinten Sie „{guess}“?" if guess else f" Vorhandene Einträge stehen in data/{folder}/."
    return Problem(doc.path, doc.line_of(where), f"„{field_name(where)}“: {what} „{target_id}“ gibt es nicht (keine Datei data/{folder}/{target_id}.yml).{hint}")


def cross_problems(ds: Dataset) -> list[Problem]:
    out: list[Problem] = []
    suggest = _Suggestions()
    seen_leika: dict[str, Document] = {}
    seen_amt24: dict[str, Document] = {}
    for doc in ds.leistungen.values():
        data = doc.data
        for key, seen, label, why in (
            ("leika", seen_leika, "LeiKa-Schlüssel", "Jeder Schlüssel gehört zu genau einer Leistung, sonst ordnet die Synchronisation falsch zu."),
            ("amt24_id", seen_amt24, "Amt24-Kennung", "Eine Amt24-Beschreibung gehört zu genau einer Leistung."),
        ):
            value = data.get(key)
            if isinstance(value, str):
                if value in seen:
                    other = seen[value]
                    out.append(Problem(doc.path, doc.line_of((key,)), f"{label} {value} steht auch in {other.path}:{other.line_of((key,))}. {why}"))
                else:
                    seen[value] = doc
        zust = data.get("zustaendig")
        if isinstance(zust, str) and zust not in ds.aemter:
            out.append(_unknown_ref(doc, ("zustaendig",), zust, ds.aemter, "aemter", "Die Stelle", suggest))
        for i, kanal in enumerate(data.get("kanaele") or []):
            if isinstance(kanal, dict) and isinstance(kanal.get("amt"), str) and kanal["amt"] not in ds.aemter:
                out.append(_unknown_ref(doc, ("kanaele", i, "amt"), kanal["amt"], ds.aemter, "aemter", "Die Stelle", suggest))
    for doc in ds.lebenslagen.values():
        for i, schritt in enumerate(doc.data.get("schritte") or []):
            if not isinstance(schritt, dict):
                continue
            for j, sid in enumerate(schritt.get("leistungen") or []):
                if isinstance(sid, str) and sid not in ds.leistungen:
                    out.append(_unknown_ref(doc, ("schritte", i, "leistungen", j), sid, ds.leistungen, "services", "Die Leistung", suggest))
    for doc in ds.aemter.values():
        parent = doc.data.get("uebergeordnet")
        if isinstance(parent, str):
            if parent == doc.data.get("id"):
                out.append(Problem(doc.path, doc.line_of(("uebergeordnet",)), "„uebergeordnet“ verweist auf die Stelle selbst."))
            elif parent not in ds.aemter:
                out.append(_unknown_ref(doc, ("uebergeordnet",), parent, ds.aemter, "aemter", "Die Stelle", suggest))
    for sid, doc in ds.pvog.items():
        if sid not in ds.leistungen:
            out.append(Problem(doc.path, doc.line_of(("id",)), f"Zu dieser Datei gibt es keine Leistung data/services/{sid}.yml. Die Texte in data/pvog/ gehören immer zu einer Leistung gleicher Kennung; wurde die Leistung umbenannt oder gelöscht, diese Datei ebenso umbenennen oder löschen („lotse sync pvog“ legt sie neu an)."))
    if ds.config:
        for i, sid in enumerate(ds.config.data.get("hervorgehoben") or []):
            if not isinstance(sid, str):
                continue
            where = ("hervorgehoben", i)
            if sid not in ds.leistungen:
                out.append(_unknown_ref(ds.config, where, sid, ds.leistungen, "services", "Die Leistung", suggest))
            elif not ds.is_online(ds.leistungen[sid].data):
                out.append(Problem(ds.config.path, ds.config.line_of(where), f"„hervorgehoben“: „{sid}“ hat keinen Online-Kanal; auf der Startseite stehen nur Online-Leistungen."))
    # Old addresses (alte_adressen, data/weiterleitungen/): one target each, no loops, never a real page.
    from .redirects import problems as redirect_problems

    out += redirect_problems(ds)
    return out


# --------------------------------------------------------------------------- entry points


_SYMLINK = "Die Datei ist ein Verweis (Symlink) auf etwas außerhalb des Datenordners und wird nicht gelesen. Bitte den Inhalt als echte Datei hier ablegen."


def _outside(link: Path, data_dir: Path) -> bool:
    """True for a symlink leading out of ``data_dir``: its target (a key file, /etc/...) would
    be published or quoted in messages, so it is neither read nor named."""
    try:
        return not link.resolve().is_relative_to(data_dir.resolve())
    except (OSError, RuntimeError):
        return True


def _files(data_dir: Path, coll: Collection, problems: list[Problem]) -> list[Path]:
    if coll.file:
        path = data_dir / coll.file
        if path.is_symlink() and _outside(path, data_dir):
            problems.append(Problem(str(path), 1, _SYMLINK))
            return []
        if path.is_file() or path.is_dir():
            return [path]  # a folder named lotse.yml gets the loader's message
        if coll.required:
            problems.append(Problem(str(path), 1, f"Die Datei fehlt ({coll.label}). Vorlage: siehe CONTRIBUTING.md."))
        return []
    folder = data_dir / coll.folder
    if not folder.is_dir():
        if coll.required:
            problems.append(Problem(str(folder), 1, f"Der Ordner fehlt ({coll.label}: eine .yml-Datei je Eintrag)."))
        return []
    files = []
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        reason = "keine Leseberechtigung" if isinstance(exc, PermissionError) else (exc.strerror or type(exc).__name__)
        problems.append(Problem(str(folder), 1, f"Der Ordner kann nicht gelesen werden: {reason}. Bitte die Berechtigungen prüfen."))
        return []
    # Sorting by name gives the same order as sorting the paths (one parent), without
    # pathlib's slow comparisons, which cost a tenth of a second for 6,000 files.
    for path in sorted(entries, key=lambda p: p.name):
        if path.name in IGNORED_FILES or path.name.startswith("."):
            continue
        if path.is_symlink() and _outside(path, data_dir):
            problems.append(Problem(str(path), 1, _SYMLINK))
            continue
        if path.suffix == ".yml" and path.is_file():
            files.append(path)
        elif path.is_dir():
            problems.append(Problem(str(path), 1, f"In data/{coll.folder}/ gehören nur .yml-Dateien (eine je {coll.label}), keine Ordner; dieser Ordner würde übergangen. Bitte verschieben oder entfernen."))
        else:
            problems.append(Problem(str(path), 1, f"In data/{coll.folder}/ gehören nur .yml-Dateien (eine je {coll.label}); diese Datei würde übergangen. Bitte in „{path.stem}.yml“ umbenennen oder entfernen."))
    return files


def load(data_dir: Path | str, today: dt.date | None = None, collections=COLLECTIONS) -> tuple[Dataset, list[Problem]]:
    """Load and check everything under ``data_dir``; return the data and ALL problems."""
    # Loading creates thousands of long-lived dicts and lists but no reference
    # cycles; the cyclic GC would rescan all of them again and again (about a
    # third of the time for 6,000 records). Plain reference counting frees the
    # parse trees either way, so the collector is paused while loading.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(Path(data_dir), today, collections)
    finally:
        if was_enabled:
            gc.enable()


def _load(data_dir: Path, today: dt.date | None, collections) -> tuple[Dataset, list[Problem]]:
    today = today or dt.date.today()
    ds = Dataset(root=data_dir)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        return ds, [Problem(str(data_dir), 1, "Der Datenordner existiert nicht. Mit --data DIR einen anderen Ordner angeben.")]
    for coll in collections:
        for path in _files(data_dir, coll, problems):
            try:
                doc = load_yaml_file(path)
            except YamlError as exc:
                problems.append(exc.problem)
                continue
            problems += schema_problems(doc, coll.schema)
            problems += record_problems(doc, coll, today)
            if coll.kind == "konfiguration":
                ds.config = doc
            elif coll.file:
                ds.extra[coll.kind] = doc
            else:
                rid = doc.data.get("id") if isinstance(doc.data.get("id"), str) else path.stem
                bucket = ds.bucket(coll.kind)
                if rid in bucket:
                    other = bucket[rid]
                    problems.append(Problem(doc.path, doc.line_of(("id",)), f"Die Kennung „{rid}“ gibt es schon in {other.path}. Jede Kennung nur einmal."))
                    continue
                bucket[rid] = doc
    problems += cross_problems(ds)
    problems.sort(key=Problem.sort_key)
    return ds, problems


def load_valid(data_dir: Path | str, today: dt.date | None = None) -> Dataset:
    """Load ``data_dir`` or raise :class:`InvalidData` with every problem."""
    ds, problems = load(data_dir, today)
    if problems:
        raise InvalidData(problems)
    return ds
