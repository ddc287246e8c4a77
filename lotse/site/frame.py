"""Render the theme's page frame once per section, not once per page.

Material renders the header, tabs, drawer navigation, footer and script config
for every page; at 6,000 pages that is most of the build. For a generated page
that is not in the navigation, that frame depends only on the page's folder
(links are relative, and ``../`` leads to its own section), which sidebars it
hides and whether it has a title, a description and a canonical URL: the
navigation has no active entry, there is no previous/next page and no table
of contents. So the frame is rendered once per such combination with
placeholders, and each page is the frame with its escaped title, description,
canonical URL and body put in. Pages that do not fit (in the nav, with a toc,
with other front matter) render through Material as usual.

The pages come out byte for byte as Material would render them;
tests/test_site.py builds the same data both ways and compares every file.
Set ``LOTSE_FRAME=0`` to render every page through Material (for that test
and for debugging).
"""

from __future__ import annotations

import os

from jinja2 import pass_context

TEMPLATE = "lotse-seite.html"  # overrides/lotse-seite.html calls lotse_seite()
FRAME = "main.html"
_TITLE = "\ue000LOTSE-TITEL\ue000"
_DESCRIPTION = "\ue000LOTSE-BESCHREIBUNG\ue000"
_CONTENT = "<h1>\ue000LOTSE-INHALT\ue000</h1>"  # contains "<h1", so Material adds no h1 of its own
_CANONICAL = "\ue000LOTSE-ADRESSE\ue000"  # set when mkdocs.yml has site_url (and in `lotse serve`)
_MARK = "\ue000"
# Front matter the cached frame knows how to fill in; other keys (tags, icons, a
# template of its own) may change the frame per page, so such pages render normally.
META_KEYS = {"hide", "title", "description"}


def enabled() -> bool:
    return os.environ.get("LOTSE_FRAME", "1") != "0"


class _FramePage:
    """The page as the frame template sees it: placeholders instead of its own text."""

    def __init__(self, page):
        self.__dict__["_page"] = page
        meta = dict(page.meta)
        if meta.get("title"):
            meta["title"] = _TITLE
        if meta.get("description"):
            meta["description"] = _DESCRIPTION
        meta.pop("template", None)
        self.__dict__["meta"] = meta
        self.__dict__["content"] = _CONTENT
        self.__dict__["title"] = _TITLE
        self.__dict__["canonical_url"] = _CANONICAL if page.canonical_url else None

    def __getattr__(self, name):
        return getattr(self.__dict__["_page"], name)


class FrameCache:
    def __init__(self):
        self._frames: dict[tuple, list | None] = {}

    def reset(self):
        self._frames = {}

    @staticmethod
    def key(context) -> tuple | None:
        """What the frame depends on; None for pages whose frame is their own."""
        page = context["page"]
        if page.previous_page or page.next_page or page.edit_url or page.ancestors or len(page.toc):
            return None
        meta = page.meta
        # Links in the frame are made relative to the page ("../" to its own section),
        # so pages share a frame when they share a parent folder: all /leistungen/<id>/.
        parent = page.url.rstrip("/").rpartition("/")[0]
        return (context["base_url"], parent, tuple(meta.get("hide") or ()), bool(meta.get("title")),
                bool(meta.get("description")), bool(page.canonical_url))

    def _split(self, html: str) -> list | None:
        """Frame HTML -> [text, slot, text, ...]; None if a placeholder was altered by the theme."""
        parts: list = []
        rest = html
        slots = {_TITLE: "title", _DESCRIPTION: "description", _CONTENT: "content", _CANONICAL: "canonical"}
        while True:
            found = [(rest.find(s), s) for s in slots if s in rest]
            if not found:
                break
            pos, sentinel = min(found)
            parts.append(rest[:pos])
            parts.append(slots[sentinel])
            rest = rest[pos + len(sentinel):]
        parts.append(rest)
        texts = parts[0::2]
        if any(_MARK in t for t in texts) or parts[1::2].count("content") != 1:
            return None
        return parts

    def render(self, context) -> str:
        page = context["page"]
        key = self.key(context)
        if key is None:
            return context.environment.get_template(FRAME).render(context.get_all())
        if key not in self._frames:
            variables = dict(context.get_all())
            variables["page"] = _FramePage(page)
            frame = context.environment.get_template(FRAME).render(variables)
            self._frames[key] = self._split(frame)
        parts = self._frames[key]
        if parts is None:  # the theme changed a placeholder: render this page the normal way
            return context.environment.get_template(FRAME).render(context.get_all())
        values = {"title": page.meta.get("title", ""), "description": page.meta.get("description", ""),
                  "content": page.content, "canonical": page.canonical_url or ""}
        return "".join(values[p] if i % 2 else p for i, p in enumerate(parts))


cache = FrameCache()


@pass_context
def lotse_seite(context) -> str:
    return cache.render(context)
