"""Macros for the hand-written pages in docs/ (mkdocs-macros-plugin).

Only pages with ``render_macros: true`` in their front matter are rendered.
The macros present what the build already loaded (``lotse.site.state``); they
never read YAML themselves. Every macro returns finished, escaped HTML, and
links are relative to the page being rendered, so the site works under any
sub-path.
"""

from __future__ import annotations

from lotse.site import pages, state
from lotse.site.text import esc, number


def define_env(env):
    def here() -> str:
        """Site-root-relative URL of the page being rendered (``""`` for the start page)."""
        page = getattr(env, "page", None)
        url = getattr(page, "url", "") or ""
        return url if url.endswith("/") or not url else url.rsplit("/", 1)[0] + "/"

    @env.macro
    def stadt() -> str:
        """The city's name from data/lotse.yml, escaped."""
        return esc(state.current_context().stadt)

    @env.macro
    def stand() -> str:
        """Date of the configuration's last review, as 21.11.2026."""
        from lotse.site.text import date

        return esc(date(state.current_context().config.get("stand")))

    @env.macro
    def anzahl(was: str = "leistungen") -> str:
        """Number of services (``leistungen``), online services (``online``), ``lebenslagen`` or ``aemter``."""
        ctx = state.current_context()
        values = {"leistungen": ctx.channel_counts["total"], "online": ctx.channel_counts["online"],
                  "lebenslagen": len(ctx.dataset.lebenslagen), "aemter": len(ctx.dataset.aemter)}
        return number(values[was])

    @env.macro
    def suchformular() -> str:
        """The big search form of the start page (the header has its own)."""
        return pages.search_form(state.current_context(), here())

    @env.macro
    def lebenslagen_kacheln() -> str:
        return pages.lebenslagen_tiles(state.current_context(), here())

    @env.macro
    def hervorgehobene_leistungen() -> str:
        """The online services chosen in data/lotse.yml (``hervorgehoben``)."""
        return pages.featured_services(state.current_context(), here())

    @env.macro
    def kanal_zahlen() -> str:
        """Services per channel, split as in the council answer (Amt24 / form / other), plus analog."""
        return pages.channel_figures(state.current_context(), here())
