"""HTML from external sources (PVOG modules, Plone pages) to the Markdown the site renders.

Every importer uses this one function, so the rules are the same for all sources:

1. sanitise first with an allow-list (nh3, the Rust ammonia sanitiser): scripts, styles, iframes,
   event handlers and unknown tags go; their text content stays unless the tag is dangerous
   (script/style/template/iframe/object content is dropped whole);
2. keep only links whose scheme is http, https or mailto (relative links only when the caller
   asks for them, e.g. a Plone import that rewrites ``resolveuid/<UID>`` afterwards);
3. convert to Markdown with markdownify (ATX headings, ``-`` bullets) and normalise blank lines,
   so the output is deterministic and diffs in pull requests stay small.

The site later renders the Markdown and sanitises the HTML again (lotse/site/text.py): this module
is about faithful conversion, not the last line of defence.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import markdownify
import nh3

ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
}
# Content of these tags is never text a reader should see.
DROPPED_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "noscript", "svg", "math"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}, "th": {"colspan", "rowspan"},
                      "td": {"colspan", "rowspan"}}
LINK_SCHEMES = {"http", "https", "mailto"}

_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def safe_link(url: str, allow_relative: bool = False) -> bool:
    """True for http/https/mailto links (and, if allowed, relative ones without a scheme)."""
    url = (url or "").strip()
    if not url:
        return False
    parts = urlsplit(url)
    if parts.scheme:
        return parts.scheme.lower() in LINK_SCHEMES and (parts.scheme.lower() == "mailto" or bool(parts.netloc))
    # "//host/x" is protocol-relative: an external host without a scheme we can check.
    return allow_relative and not url.startswith("//")


def sanitize(html: str, allow_relative: bool = False, images: bool = False) -> str:
    """Allow-list sanitised HTML; links and images with other schemes lose their address.

    Images are dropped unless ``images`` is true (a PVOG module has none worth showing; a Plone
    page's images are copied by the importer)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            return value if safe_link(value, allow_relative) else None
        return value

    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS | ({"img"} if images else set()),
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes=LINK_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def html_to_markdown(html: str, allow_relative: bool = False, images: bool = False) -> str:
    """Sanitised Markdown for an HTML fragment; "" for empty or whitespace-only input."""
    clean = sanitize(html, allow_relative, images)
    if not clean.strip():
        return ""
    text = markdownify.markdownify(clean, heading_style="ATX", bullets="-")
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n").replace("\xa0", " "))
    return _BLANK_LINES.sub("\n\n", text).strip()
