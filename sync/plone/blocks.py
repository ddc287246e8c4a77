"""Volto blocks and slate JSON to Markdown.

Slate is a JSON tree, not HTML, so it gets its own small converter instead of a round trip
through HTML. Blocks are converted in ``blocks_layout`` order; a block that cannot be converted
faithfully adds a note to ``Conversion.notes`` (the importer's review list) and never vanishes
without a word. Links keep their old targets (``../resolveuid/<UID>``, ``/Plone/a``); the
importer rewrites them in a second pass, once every item's new address is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from lotse.htmltext import html_to_markdown

HEADINGS = {"h1": "##", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}
BOLD = {"strong", "b"}
ITALIC = {"em", "i"}
# Inline marks without a Markdown form here: the text stays, the mark goes (no loss of words).
PLAIN_INLINE = {"u", "underline", "del", "s", "strikethrough", "sub", "sup", "span", "code"}
# Blocks that are the page's frame, not its content (the record has its own title and summary).
FRAME_BLOCKS = {"title", "description", "toc", "leadimage"}

_ESCAPE = re.compile(r"([\\`*_\[\]])")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+[.)])(\s)", re.M)


def esc(text: str) -> str:
    """Literal text in Markdown: no emphasis, links or raw HTML can come from words."""
    text = _ESCAPE.sub(r"\\\1", text).replace("<", "&lt;")
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), text)


def no_raw_html(markdown: str) -> str:
    """``<`` outside code as an entity: MkDocs passes raw HTML through, imported text must not."""
    parts = re.split(r"(`+[^`]*`+)", markdown)
    return "".join(p if p.startswith("`") else p.replace("<", "&lt;") for p in parts)


@dataclass
class Conversion:
    """Context of one page's conversion: notes for the review list and the listing callback."""

    where: str  # old path, for notes
    listing: Callable[[dict], list[tuple[str, str]] | None] | None = None  # query -> [(title, link)]
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(f"{self.where}: {text}")


# --------------------------------------------------------------------------- slate


def inline(nodes, conv: Conversion) -> str:
    out = []
    for node in nodes or []:
        if not isinstance(node, dict):
            continue
        if "text" in node and "type" not in node:
            text = esc(str(node.get("text") or ""))
            if text.strip():
                lead, core, trail = _split_space(text)
                if node.get("bold"):
                    core = f"**{core}**"
                if node.get("italic"):
                    core = f"*{core}*"
                text = lead + core + trail
            out.append(text)
            continue
        typ = node.get("type")
        inner = inline(node.get("children"), conv)
        if typ == "link":
            data = node.get("data") or {}
            url = data.get("url") or data.get("href") or (data.get("link") or {}).get("internal", {}).get("internal_link", [{}])[0].get("@id")
            out.append(f"[{inner}]({url})" if url and inner.strip() else inner)
        elif typ in BOLD and inner.strip():
            lead, core, trail = _split_space(inner)
            out.append(f"{lead}**{core}**{trail}")
        elif typ in ITALIC and inner.strip():
            lead, core, trail = _split_space(inner)
            out.append(f"{lead}*{core}*{trail}")
        elif typ in PLAIN_INLINE or typ in BOLD or typ in ITALIC:
            out.append(inner)
        elif typ == "br":
            out.append("  \n")
        else:
            conv.note(f"Textauszeichnung „{typ}“ ohne Entsprechung; nur der Text wurde übernommen.")
            out.append(inner)
    return "".join(out)


def _split_space(text: str) -> tuple[str, str, str]:
    core = text.strip()
    start = text.index(core[0]) if core else 0
    return text[:start], core, text[start + len(core):]


def slate(value, conv: Conversion) -> str:
    """A slate ``value`` (list of element nodes) as Markdown blocks."""
    blocks = []
    for node in value or []:
        if not isinstance(node, dict):
            continue
        md = _element(node, conv)
        if md.strip():
            blocks.append(md.rstrip())
    return "\n\n".join(blocks)


def _element(node: dict, conv: Conversion, depth: int = 0) -> str:
    typ = node.get("type")
    if typ in HEADINGS:
        return f"{HEADINGS[typ]} {inline(node.get('children'), conv).strip()}"
    if typ in ("ul", "ol"):
        return _list(node, conv, depth)
    if typ == "blockquote":
        text = inline(node.get("children"), conv).strip()
        return "\n".join("> " + line for line in text.splitlines()) if text else ""
    if typ in ("p", "div", None) or typ == "li":
        if "text" in node and "type" not in node:
            return inline([node], conv)
        return inline(node.get("children"), conv).strip()
    if typ in BOLD | ITALIC | {"link"} | PLAIN_INLINE:
        return inline([node], conv).strip()
    conv.note(f"Absatzart „{typ}“ als einfacher Absatz übernommen.")
    return inline(node.get("children"), conv).strip()


def _list(node: dict, conv: Conversion, depth: int) -> str:
    lines = []
    number = 1
    indent = "    " * depth
    for child in node.get("children") or []:
        if not isinstance(child, dict):
            continue
        if child.get("type") in ("ul", "ol"):  # a list directly inside a list: nest it
            lines.append(_list(child, conv, depth + 1))
            continue
        marker = f"{number}." if node.get("type") == "ol" else "-"
        number += 1
        text_parts, nested = [], []
        for part in child.get("children") or []:
            if isinstance(part, dict) and part.get("type") in ("ul", "ol"):
                nested.append(_list(part, conv, depth + 1))
            else:
                text_parts.append(part)
        lines.append(f"{indent}{marker} {inline(text_parts, conv).strip()}")
        lines.extend(nested)
    return "\n".join(lines)


# --------------------------------------------------------------------------- blocks


def blocks_markdown(data: dict, conv: Conversion) -> str:
    """The page body from ``blocks`` in ``blocks_layout`` order."""
    blocks = data.get("blocks") or {}
    layout = (data.get("blocks_layout") or {}).get("items") or []
    out = []
    for key in layout:
        block = blocks.get(key)
        if not isinstance(block, dict):
            conv.note(f"Block {key} steht in blocks_layout, fehlt aber in blocks.")
            continue
        md = block_markdown(block, conv)
        if md.strip():
            out.append(md.strip())
    return "\n\n".join(out)


def has_blocks(data: dict) -> bool:
    blocks = data.get("blocks") or {}
    layout = (data.get("blocks_layout") or {}).get("items") or []
    return any(isinstance(blocks.get(k), dict) and blocks[k].get("@type") not in FRAME_BLOCKS for k in layout)


def block_markdown(block: dict, conv: Conversion) -> str:
    typ = block.get("@type")
    if typ in FRAME_BLOCKS:
        return ""  # title/description are the record's; the theme makes the table of contents
    if typ == "slate":
        if block.get("value"):
            return slate(block["value"], conv)
        return esc(block.get("plaintext") or "")
    if typ == "text":  # Volto's older draft.js text block
        text = block.get("text") or {}
        paragraphs = [b.get("text", "") for b in text.get("blocks", []) if isinstance(b, dict)]
        if paragraphs:
            conv.note("Textblock im alten draft.js-Format: als reiner Text übernommen (Auszeichnungen und Links bitte prüfen).")
        return "\n\n".join(esc(p) for p in paragraphs if p.strip())
    if typ == "html":
        return html_to_markdown(block.get("html") or "", allow_relative=True, images=True)
    if typ == "image":
        url = block.get("url")
        if not url:
            return ""
        alt = esc(block.get("alt") or block.get("title") or "")
        if not alt:
            conv.note("Bild ohne Alternativtext: bitte einen ergänzen.")
        if isinstance(url, list):
            url = (url[0] or {}).get("@id", "")
        if _external(url) and "resolveuid" not in url:
            conv.note(f"Bild von einem fremden Server ({url}) nur als Link übernommen: die Website lädt nichts von anderen Servern.")
            return f"[Bild: {alt or 'ohne Beschreibung'}]({url})"
        link = block.get("href")
        image = f"![{alt}]({url})"
        if isinstance(link, list) and link and isinstance(link[0], dict):
            link = link[0].get("@id")
        return f"[{image}]({link})" if isinstance(link, str) and link else image
    if typ == "teaser":
        href = block.get("href")
        target = href[0] if isinstance(href, list) and href and isinstance(href[0], dict) else {}
        title = block.get("title") or target.get("title") or ""
        url = target.get("@id")
        lines = []
        if title:
            lines.append(f"**[{esc(title)}]({url})**" if url else f"**{esc(title)}**")
        elif url:
            lines.append(f"[{esc(url)}]({url})")
        if block.get("description"):
            lines.append(esc(block["description"]))
        if not lines:
            conv.note("Leerer Teaser-Block übergangen.")
        return "\n\n".join(lines)
    if typ == "listing":
        result = conv.listing(block) if conv.listing else None
        if result is None:
            conv.note("Listenblock (listing) mit Abfrage, die sich nicht nachbilden lässt: bitte die Liste von Hand anlegen.")
            return ""
        heading = block.get("headline") or block.get("title")
        lines = [f"## {esc(heading)}", ""] if heading else []
        lines += [f"- [{esc(title)}]({link})" for title, link in result]
        if not result:
            lines.append("Derzeit keine Einträge.")
        return "\n".join(lines)
    if typ in ("slateTable", "table"):
        return _table(block.get("table") or {}, conv)
    if typ in ("gridBlock", "__grid", "columnsBlock"):
        inner = block if block.get("blocks") else (block.get("data") or {})
        return blocks_markdown(inner, conv)
    if typ == "video":
        url = block.get("url")
        conv.note(f"Video-Block als Link übernommen ({url}): eingebettete Videos laden von fremden Servern.")
        return f"[Video: {esc(block.get('title') or url or '')}]({url})" if url else ""
    if typ == "maps":
        url = block.get("url")
        conv.note("Karten-Block als Link übernommen: eine eingebettete Karte lädt von fremden Servern.")
        return f"[Karte: {esc(block.get('title') or 'Lageplan')}]({url})" if url else ""
    # Unknown or custom block: keep any text it carries, and say so.
    text = block.get("plaintext") or (block.get("text") if isinstance(block.get("text"), str) else None)
    conv.note(f"Block „{typ}“ wird nicht unterstützt{'; sein Text wurde übernommen' if text else ' und fehlt auf der Seite'}. Bitte prüfen.")
    return esc(text) if isinstance(text, str) else ""


def _external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def _table(table: dict, conv: Conversion) -> str:
    rows = []
    for row in table.get("rows") or []:
        cells = []
        for cell in (row or {}).get("cells") or []:
            value = cell.get("value") if isinstance(cell, dict) else None
            text = " ".join(_element(n, conv) if isinstance(n, dict) and n.get("type") else inline([n], conv)
                            for n in (value or []) if isinstance(n, dict))
            cells.append(text.replace("|", "\\|").replace("\n", " ").strip())
        rows.append(cells)
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header_row = table.get("rows", [{}])[0].get("cells", []) if table.get("rows") else []
    has_header = bool(header_row) and all(isinstance(c, dict) and c.get("type") == "header" for c in header_row)
    if not has_header:
        rows.insert(0, [""] * width)  # Markdown tables need a header row; an empty one keeps the data as data
        conv.note("Tabelle ohne Kopfzeile: mit leerer Kopfzeile übernommen.")
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(["---"] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)
