"""Page providers: where every generated file of the site comes from.

A provider is a function ``files(ctx) -> Iterable[GeneratedFile]`` named here
as ``"module:function"``. The build calls each one in this order with the same
:class:`~lotse.site.context.SiteContext` and adds what it returns to the MkDocs
site. To add pages or files, write a provider in your own module and append
one line below; nothing else in the build needs to change.

Contract (see :class:`~lotse.site.context.GeneratedFile`):

* ``path`` is site-relative: ``leistungen/<id>/index.md`` is the page
  ``/leistungen/<id>/``; ``api/leistungen.json`` is copied as a static file.
  Use ``GeneratedFile.page(ctx.url(kind, id), title, html)`` for pages and
  ``ctx.url(kind, id)`` for addresses (kinds: leistung, lebenslage, amt, kanal).
* Pre-rendered pages (``html=``) skip Markdown and keep the build linear;
  escape every value from YAML with ``ctx.esc`` and render Markdown fields only
  with ``ctx.markdown`` (sanitised). Links between pages are relative:
  ``ctx.href(this_page_url, other_url)`` or ``to = ctx.linker(this_page_url)``.
* Markdown pages (``content=``) are rendered by MkDocs and may use
  ``render_macros: true`` front matter; do not do that on thousands of pages.
* Keep each provider O(number of records): no per-page loop over all records.
* Two providers must not write the same path; the build stops if they do.
* Pages stay out of the navigation unless mkdocs.yml's ``nav`` names them.
  Pre-rendered pages outside the nav share a frame rendered once per folder
  (:mod:`lotse.site.frame`): everything page-specific belongs in ``html``,
  ``title`` and ``description``, not in per-page template context. ``meta``
  other than ``hide`` makes a page render through the theme on its own.
"""

from __future__ import annotations

import importlib
from typing import Iterable, Iterator

from .context import GeneratedFile, SiteContext

PROVIDERS = [
    "lotse.site.pages:files",
    "lotse.site.opendata:files",
    "lotse.bericht.page:files",  # /digitalisierung/ and its CSV (issue 7)
    "lotse.redaktion.feldreferenz:files",  # /mitmachen/felder/: field reference from the schemas (issue 8)
    "lotse.search.provider:files",  # search index, lunr.js bundle and search UI (issue 4)
    "lotse.site.rechtliches:files",  # Impressum, Datenschutz, Barrierefreiheit, Leichte Sprache, DGS (issue 13)
    "lotse.redirects:files",  # site/_redirects and stub pages at old addresses (issue 12); last: it checks the others' paths
]


class ProviderError(Exception):
    """A provider is missing or produced something the build cannot use."""


def load(name: str):
    module_name, _, attr = name.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr or "files")
    except (ImportError, AttributeError) as exc:
        raise ProviderError(f"Seitenquelle „{name}“ (lotse/site/providers.py) lässt sich nicht laden: {exc}") from exc


def generate(ctx: SiteContext, providers: Iterable[str] = PROVIDERS) -> Iterator[GeneratedFile]:
    """Every file of every provider, refusing duplicate paths."""
    seen: dict[str, str] = {}
    ctx.generated = seen  # paths so far: the redirect provider refuses old addresses that are real pages
    # A provider module may start slow work early (``prepare(ctx)``, e.g. the search index in a
    # second process) so that it runs while the providers before it render their pages.
    for name in providers:
        try:
            module = importlib.import_module(name.partition(":")[0])
        except ImportError:
            continue  # load() below says which provider is missing
        prepare = getattr(module, "prepare", None)
        if callable(prepare):
            prepare(ctx)
    for name in providers:
        for item in load(name)(ctx):
            if not isinstance(item, GeneratedFile):
                raise ProviderError(f"Seitenquelle „{name}“ lieferte {type(item).__name__} statt GeneratedFile.")
            if item.path in seen:
                raise ProviderError(f"Die Datei „{item.path}“ kommt von „{seen[item.path]}“ und von „{name}“; jede Adresse darf nur einmal erzeugt werden.")
            seen[item.path] = name
            yield item
