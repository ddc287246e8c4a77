"""MkDocs hooks (named in mkdocs.yml): load the data and add the generated files.

* ``on_config``: take the data folder from ``LOTSE_DATA`` (set by ``lotse build``
  and ``lotse serve``; default ``data/`` beside mkdocs.yml), load it through the
  validator unless the caller already did, and set the site name from the
  city's configuration.
* ``on_files``: run every provider and add its files. Pre-rendered pages get
  an empty Markdown source, so MkDocs' per-page Markdown work is nearly free.
* ``on_pre_page``: pre-rendered pages skip MkDocs' Markdown converter.
* ``on_page_markdown`` / ``on_page_content``: give those pages their title and
  swap in their HTML; pages outside the nav get the cached frame
  (:mod:`lotse.site.frame`).
"""

from __future__ import annotations

import os
import types
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, InclusionLevel
from mkdocs.structure.toc import get_toc

from lotse.site import frame, state
from lotse.site.context import SiteContext
from lotse.site.providers import ProviderError, generate
from lotse.site.text import date, esc
from lotse.validator import load


def data_dir_for(config) -> Path:
    env = os.environ.get("LOTSE_DATA")
    if env:
        return Path(env).resolve()
    return (Path(config.config_file_path).parent / "data").resolve()


@event_priority(100)  # before other plugins read site_name
def on_config(config):
    data_dir = data_dir_for(config)
    dataset = state.take_preloaded(data_dir)
    if dataset is None:
        dataset, problems = load(data_dir)
        if problems:
            # SystemExit: MkDocs' live server prints the message instead of a traceback
            # and keeps serving the last good build until the data is fixed.
            lines = [str(p) for p in problems]
            raise SystemExit("\n".join(lines + [f"{len(problems)} Problem(e) in den Daten; die Website wurde nicht neu gebaut."]))
    ctx = SiteContext(dataset)
    state.current = ctx
    if ctx.stadt:
        # Templates print site_name unescaped, so it is stored escaped.
        config.site_name = esc(f"Verwaltungsleistungen {ctx.stadt}")
    config.extra["lotse_stand"] = esc(date(ctx.config.get("stand")))
    return config


def on_files(files, config):
    ctx = state.current
    state.pages = {}
    existing = {f.src_uri for f in files}
    state.docs_uris = existing  # hand-written pages and files, for the redirect table (lotse/redirects.py)
    # Pages from `lotse import plone` live at their old addresses, deliberately outside the nav.
    from lotse.redirects import imported_pages

    imported = imported_pages(ctx.dataset.root)
    for file in files:
        if file.src_uri in imported:
            file.inclusion = InclusionLevel.NOT_IN_NAV
    try:
        for item in generate(ctx):
            if item.path in existing:
                raise PluginError(f"„docs/{item.path}“ gibt es schon als Datei; diese Adresse erzeugt die Website selbst. Bitte die Datei umbenennen.")
            if item.is_page:
                content = "" if item.html is not None else item.content
                file = File.generated(config, item.path, content=content, inclusion=InclusionLevel.NOT_IN_NAV)
                if item.html is not None:
                    state.pages[item.path] = item
            else:
                file = File.generated(config, item.path, content=item.content)
            files.append(file)
    except ProviderError as exc:
        raise PluginError(str(exc)) from None
    return files


def on_nav(nav, config, files):
    state.in_nav = {p.file.src_uri for p in nav.pages}
    frame.cache.reset()
    return nav


def _render_prerendered(page, config, files):
    """Page.render for pages whose HTML is ready: no Markdown converter to set up."""
    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    page.links_to_anchors = {}


def on_pre_page(page, config, files):
    if page.file.src_uri in state.pages:
        page.render = types.MethodType(_render_prerendered, page)
    return page


def on_page_markdown(markdown, page, config, files):
    item = state.pages.get(page.file.src_uri)
    if item is not None:
        meta = dict(item.meta)
        if frame.enabled() and page.file.src_uri not in state.in_nav and set(meta) <= frame.META_KEYS:
            meta["template"] = frame.TEMPLATE
        if item.title:
            meta["title"] = esc(item.title)  # Material prints meta.title unescaped
        if item.description:
            meta["description"] = esc(item.description)
        page.meta = meta
    return markdown


def on_page_content(html, page, config, files):
    item = state.pages.get(page.file.src_uri)
    return item.html if item is not None else html


def on_env(env, config, files):
    env.globals["lotse_seite"] = frame.lotse_seite
    return env


def on_post_build(config):
    state.pages = {}
    frame.cache.reset()
