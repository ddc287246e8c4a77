"""The field reference page: generated from the schemas, and a test that fails when they drift."""

from __future__ import annotations

import html.parser
import json
import re
from pathlib import Path

import markdown
import pytest

from lotse.redaktion import feldreferenz
from lotse.dataset import COLLECTIONS

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"


def _load(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def _follow(file: str, node: dict) -> tuple[str, dict]:
    """A deliberately separate $ref resolver, so a bug in the generator's walker cannot hide here."""
    while "$ref" in node:
        target, _, pointer = node["$ref"].partition("#")
        target = target or file
        found = _load(target)
        for part in [p for p in pointer.split("/") if p]:
            found = found[part]
        node = {**found, **{k: v for k, v in node.items() if k != "$ref"}}
        file = target
    return file, node


def schema_properties(name: str):
    """(path, title, description) for every property reachable from a schema file."""
    out = []

    def walk(file, node, prefix):
        for key, raw in node.get("properties", {}).items():
            f, prop = _follow(file, raw)
            path = f"{prefix}.{key}" if prefix else key
            out.append((path, prop.get("title", key), prop.get("description", "")))
            if prop.get("type") == "array":
                f2, items = _follow(f, prop.get("items", {}))
                walk(f2, items, path + "[]")
            else:
                walk(f, prop, path)
                if isinstance(prop.get("additionalProperties"), dict):
                    walk(f, {"properties": {feldreferenz.FREE_KEY: prop["additionalProperties"]}}, path)

    walk(name, _load(name), "")
    return out


class _Entries(html.parser.HTMLParser):
    """Field entries under each h2: {h2 text: {field path (the dt's code): dt and dd text}}."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict[str, str]] = {}
        self.h2: str | None = None
        self._in_h2 = False
        self._in_code = False
        self._in_entry = False
        self._path: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self._in_h2, self.h2 = True, ""
        elif tag == "dt":
            self._flush()
            self._in_entry, self._path, self._text = True, "", []
        elif tag == "code" and self._in_entry and self._path == "" and not self._text:
            self._in_code = True
        elif tag == "dl":
            self._flush()

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
            self.h2 = " ".join(self.h2.split()).rstrip("¶").strip()
        elif tag == "code":
            self._in_code = False
        elif tag == "dl":
            self._flush()

    def handle_data(self, data):
        if self._in_h2:
            self.h2 += data
        if self._in_entry:
            if self._in_code:
                self._path += data
            self._text.append(data)

    def _flush(self):
        if self._in_entry and self._path:
            self.sections.setdefault(self.h2, {})[self._path] = " ".join(" ".join(self._text).split())
        self._in_entry, self._path, self._text = False, None, []

    def close(self):
        super().close()
        self._flush()


def rows_of(page_html: str) -> dict[str, dict[str, str]]:
    parser = _Entries()
    parser.feed(page_html)
    parser.close()
    return parser.sections


def _norm(text: str) -> str:
    return " ".join(text.split())


def assert_page_matches_schemas(page_html: str) -> None:
    sections = rows_of(page_html)
    for coll in COLLECTIONS:
        schema = _load(coll.schema)
        heading = schema.get("title", coll.label)
        assert heading in sections, f"no section „{heading}“ for {coll.schema}"
        rows = sections[heading]
        expected = schema_properties(coll.schema)
        assert expected, coll.schema
        for path, title, description in expected:
            assert path in rows, f"{coll.schema}: field {path} is missing from the page"
            assert _norm(title) in rows[path], f"{coll.schema}: title of {path}"
            assert _norm(description) in rows[path], f"{coll.schema}: description of {path}"
        extra = set(rows) - {p for p, _, _ in expected}
        assert not extra, f"{coll.schema}: page shows fields the schema does not have: {sorted(extra)}"


def render(md: str) -> str:
    return markdown.markdown(md, extensions=["tables", "toc"])


def test_page_covers_every_schema_field_with_title_and_description():
    assert_page_matches_schemas(render(feldreferenz.page_markdown()))


def test_drift_is_caught(monkeypatch):
    """A field added to a schema shows up on the page, and a page without it fails the check."""
    stale_page = render(feldreferenz.page_markdown())
    real = feldreferenz.load_schema
    changed = json.loads(json.dumps(real("leistung.schema.json")))
    changed["properties"]["neues_feld"] = {"type": "string", "title": "Neues Feld", "description": "Nur zum Testen."}
    monkeypatch.setattr(feldreferenz, "load_schema", lambda name: changed if name == "leistung.schema.json" else real(name))
    monkeypatch.setattr(__import__(__name__), "_load", lambda name: changed if name == "leistung.schema.json" else json.loads((SCHEMAS / name).read_text(encoding="utf-8")))
    fresh_page = render(feldreferenz.page_markdown())
    assert_page_matches_schemas(fresh_page)
    with pytest.raises(AssertionError, match="neues_feld"):
        assert_page_matches_schemas(stale_page)


def test_page_is_deterministic():
    assert feldreferenz.page_markdown() == feldreferenz.page_markdown()


def test_schema_text_cannot_inject_markup(monkeypatch):
    evil = "<script>window.__pwned=1</script> **fett** [x](javascript:alert(1)) {{ macro }} | Spalte"
    schema = {
        "title": "Leistung",
        "properties": {"feld": {"type": "string", "title": evil, "description": evil, "examples": [evil]}},
    }
    monkeypatch.setattr(feldreferenz, "load_schema", lambda name: schema)
    page = render(feldreferenz.page_markdown())
    assert "<script" not in page and "<strong>fett" not in page
    assert "<a " not in page, "no link from schema text"
    rows = rows_of(page)["Leistung"]
    assert evil in rows["feld"], "the text is shown literally"


def test_provider_yields_one_markdown_page():
    from lotse.site.context import GeneratedFile

    (page,) = list(feldreferenz.files(None))
    assert isinstance(page, GeneratedFile)
    assert page.path == "mitmachen/felder/index.md" and page.is_page
    assert page.title == "Felder der Datensätze"
    assert page.content.startswith("---\ntitle: Felder der Datensätze\n")
    assert "\n---\n\n# Felder der Datensätze\n" in page.content


def test_provider_is_registered():
    from lotse.site import providers

    assert "lotse.redaktion.feldreferenz:files" in providers.PROVIDERS


def test_built_site_has_the_page_in_step_with_the_schemas(built_site):
    """The real build: the provider is wired in, the page is linked from the footer (not the main
    navigation, which is for citizens: issue 14), and it matches."""
    page = (built_site / "mitmachen" / "felder" / "index.html").read_text(encoding="utf-8")
    assert_page_matches_schemas(page)
    start = (built_site / "index.html").read_text(encoding="utf-8")
    tabs = start[start.index('class="md-tabs"'):]
    tabs = tabs[: tabs.index("</nav>")]
    links = {href: " ".join(text.split()) for href, text in re.findall(r'href="([^"]*)"[^>]*>([^<]*)', tabs)}
    assert "mitmachen/felder/" not in links, links
    footer = start[start.index('class="md-footer lotse-fuss"'):]
    assert re.search(r'href="mitmachen/felder/"[^>]*>Mitmachen<', footer)
