"""Turning editors' values into safe HTML.

Two rules hold for every page the site builds:

* every text from YAML goes through :func:`esc` (or :func:`attr` inside an
  attribute) before it touches HTML;
* Markdown is rendered only for fields whose schema says
  ``contentMediaType: text/markdown``, through :class:`MarkdownRenderer`:
  raw HTML in the source stays visible text, and the result passes an
  allow-list sanitiser (nh3) that keeps links to http(s), mailto and relative
  targets only. ``javascript:`` never reaches a page.

The German number and date formats live here too, so every page writes
``12,50 €`` and ``21.11.2026`` the same way.
"""

from __future__ import annotations

import html
import json
import re

import markdown
import nh3
from markdown.extensions import Extension

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
          "September", "Oktober", "November", "Dezember")
WEEKDAYS = {"mo": "Mo", "di": "Di", "mi": "Mi", "do": "Do", "fr": "Fr", "sa": "Sa", "so": "So"}
WEEKDAY_ORDER = tuple(WEEKDAYS)
DURATION_UNITS = {"minuten": ("Minute", "Minuten"), "stunden": ("Stunde", "Stunden"),
                  "tage": ("Tag", "Tage"), "wochen": ("Woche", "Wochen")}


def esc(value) -> str:
    """Text for an HTML element body (quotes escaped too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


attr = esc  # same escaping; the second name documents intent at attribute call sites


def json_for_script(data) -> str:
    """JSON that is safe inside ``<script type="application/ld+json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so no value can close the
    script element or open a comment, whatever an editor wrote.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# --------------------------------------------------------------------------- Markdown


class _RawHtmlAsText(Extension):
    """Raw HTML in an editor's Markdown is shown as text, as the schema promises."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


ALLOWED_TAGS = {"p", "a", "strong", "em", "b", "i", "ul", "ol", "li", "br", "code", "pre",
                "blockquote", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


class MarkdownRenderer:
    """Renders editors' Markdown fields; one instance per build (Markdown() is costly to set up)."""

    def __init__(self):
        self._md = markdown.Markdown(extensions=[_RawHtmlAsText(), "sane_lists", "tables"])
        # Editors reuse the same notes ("Ein Termin ist nötig.") on many records.
        self._cache: dict[tuple[str, int], str] = {}

    def __call__(self, text: str | None, shift_headings: int = 2) -> str:
        if not text:
            return ""
        key = (text, shift_headings)
        if key not in self._cache:
            self._cache[key] = self._render(text, shift_headings)
        return self._cache[key]

    def _render(self, text: str, shift_headings: int) -> str:
        out = simple_markdown(text)
        if out is None:
            self._md.reset()
            out = self._md.convert(text)
        if shift_headings and "<h" in out:
            # An editor's "# Titel" must not compete with the page's own h1/h2.
            for level in range(6, 0, -1):
                new = min(level + shift_headings, 6)
                out = out.replace(f"<h{level}", f"<h{new}").replace(f"</h{level}>", f"</h{new}>")
        return nh3.clean(out, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                         url_schemes=ALLOWED_SCHEMES, link_rel="noopener")


# Plain paragraphs and one-level lists (most texts from the state directory, many of the
# editors') need none of Python-Markdown's machinery, which costs a tenth of a millisecond per
# text. For exactly those, simple_markdown() returns what Python-Markdown returns; for anything
# else None (tests/test_site.py compares both on generated and on all real texts).
_SIMPLE_BAD = re.compile(r"[\\`*_\[\]<>&#|!~=+\t\r]")
_UL_ITEM = re.compile(r"- (\S.*)\Z")
_OL_ITEM = re.compile(r"(\d+)\. (\S.*)\Z")
_LISTISH = re.compile(r"([-+*]|\d+[.)])(\s|\Z)|-")  # a list marker, or a "-" that may underline or rule
_RULE = re.compile(r"[-*_]( ?[-*_]){2,}\s*\Z")


def simple_markdown(text: str) -> str | None:
    if not text or _SIMPLE_BAD.search(text):
        return None
    blocks: list[list[str]] = [[]]
    for line in text.strip("\n").split("\n"):
        if line == "":
            if blocks[-1]:
                blocks.append([])
            continue
        if line != line.strip() or not line.isprintable() or _RULE.match(line):
            return None
        blocks[-1].append(line)
    out = []
    previous_list = False
    for block in blocks:
        if not block:
            continue
        ul = [_UL_ITEM.match(line) for line in block]
        ol = [_OL_ITEM.match(line) for line in block]
        if all(ul) or (all(ol) and ol[0].group(1) == "1"):
            items = [m.group(m.lastindex) for m in (ul if all(ul) else ol)]
            if previous_list or any(_LISTISH.match(item) for item in items):
                return None  # a loose list or a nested one: Python-Markdown's business
            tag = "ul" if all(ul) else "ol"
            out.append(f"<{tag}>\n" + "".join(f"<li>{item}</li>\n" for item in items) + f"</{tag}>")
            previous_list = True
        elif any(_LISTISH.match(line) for line in block):
            return None
        else:
            out.append("<p>" + "\n".join(block) + "</p>")
            previous_list = False
    return "\n".join(out) if out else None


# --------------------------------------------------------------------------- German formats


def csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas: a text cell from YAML that starts with = + - @ (or a
    tab/CR) would be executed by Excel/LibreOffice when the CSV is opened ("CSV injection").
    A leading apostrophe makes it plain text; numbers are written by our own code and pass."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def number(value, decimals: int | None = None) -> str:
    """``12345`` -> ``12.345``, ``41.5`` -> ``41,5``, ``55.0`` -> ``55``."""
    if value is None:
        return ""
    if isinstance(value, float) and decimals is None:
        decimals = 0 if value.is_integer() else (1 if round(value, 1) == value else 2)
    text = f"{value:,.{decimals or 0}f}" if isinstance(value, float) or decimals else f"{value:,}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def euro(value) -> str:
    if value == 0:
        return "gebührenfrei"
    return number(float(value), 2) + "\u00a0€"


def date(value: str | None) -> str:
    """``2026-11-21`` -> ``21.11.2026``; ``2026-06`` -> ``Juni 2026``; ``2026`` stays."""
    if not value:
        return ""
    parts = str(value).split("-")
    if len(parts) == 3:
        return f"{parts[2]}.{parts[1]}.{parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def duration(value: dict | None) -> str:
    if not value:
        return ""
    one, many = DURATION_UNITS.get(value.get("einheit"), (value.get("einheit", ""),) * 2)
    amount = value.get("wert")
    return f"{number(amount)}\u00a0{one if amount == 1 else many}"


def weekdays(days: list[str]) -> str:
    """``["mo", "di", "mi", "fr"]`` -> ``Mo–Mi, Fr``."""
    order = sorted({d for d in days if d in WEEKDAYS}, key=WEEKDAY_ORDER.index)
    runs: list[list[str]] = []
    for day in order:
        if runs and WEEKDAY_ORDER.index(day) == WEEKDAY_ORDER.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}–{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[d] for d in run)
    return ", ".join(parts)


def sort_key(text: str) -> str:
    """German A–Z order without locale support: umlauts sort with their base letter."""
    return (text.casefold().replace("ä", "a").replace("ö", "o").replace("ü", "u")
            .replace("ß", "ss").replace("„", "").replace("\"", "").strip())


def initial(text: str) -> str:
    """The A–Z letter a name is listed under ("#" for digits and signs)."""
    key = sort_key(text)
    first = key[:1].upper()
    return first if "A" <= first <= "Z" else "#"
