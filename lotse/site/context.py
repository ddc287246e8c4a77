"""What every page provider gets: the loaded data and the shared presentation helpers.

A provider never re-reads YAML and never builds a URL by hand: it asks the
:class:`SiteContext` for ``url(kind, id)`` (the stable, site-root-relative
address of a page) and ``href(from_url, to_url)`` (the relative link from the
page being written), so the site works under any sub-path
(``https://host/lotse/`` as well as ``https://host/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

from ..dataset import CHANNEL_TYPES, COUNCIL_GROUPS, ONLINE_TYPES, Dataset
from . import text
from .text import esc

# --------------------------------------------------------------------------- generated files


@dataclass(frozen=True)
class GeneratedFile:
    """One file a provider adds to the site.

    ``path`` is relative to the site root as MkDocs sees the docs folder:
    ``leistungen/<id>/index.md`` becomes the page ``/leistungen/<id>/``;
    any other suffix (``api/leistungen.json``) is copied as it is.

    Pages come in two kinds:

    * Markdown pages: ``content`` is Markdown (rendered by MkDocs, links to
      other ``.md`` files are checked and made relative by MkDocs);
    * pre-rendered pages: ``html`` holds the finished page body (escaped with
      :func:`lotse.site.text.esc`, links from ``ctx.href``), ``title`` the plain
      page title. MkDocs skips the Markdown work for them, which keeps the build
      linear and fast at thousands of pages.
    """

    path: str
    content: str | bytes = ""
    title: str | None = None  # plain text; escaped by the build
    html: str | None = None
    description: str | None = None  # plain text for <meta name="description">
    meta: Mapping = field(default_factory=dict)  # extra front matter, e.g. {"hide": ["toc"]}

    @classmethod
    def page(cls, url: str, title: str, html: str, description: str | None = None, **meta) -> "GeneratedFile":
        """A pre-rendered page at ``url`` (``"leistungen/x/"``, or ``""`` for the start page)."""
        return cls(path=page_path(url), title=title, html=html, description=description, meta=meta)

    @property
    def is_page(self) -> bool:
        return self.path.endswith(".md")


def page_path(url: str) -> str:
    """``leistungen/x/`` -> ``leistungen/x/index.md`` (the source path MkDocs expects)."""
    return f"{url}index.md" if url.endswith("/") or not url else f"{url}/index.md"


# --------------------------------------------------------------------------- labels

KANAL_LABELS = {
    "amt24": "{portal}",
    "formular": "Online-Formular",
    "efa": "EfA-Onlinedienst",
    "portal": "Fachportal",
    "email-pdf": "PDF per E-Mail",
    "post": "Per Post",
    "vor-ort": "Vor Ort",
}
KANAL_TITLES = {
    "amt24": "Online über {portal}",
    "formular": "Online-Formular auf der Website der Stadt",
    "efa": "Einer-für-Alle-Onlinedienste (EfA)",
    "portal": "Andere Fachportale",
    "email-pdf": "PDF-Formular per E-Mail",
    "post": "Antrag per Post",
    "vor-ort": "Persönlich vor Ort",
}
KANAL_EXPLAINED = {
    "amt24": "Online-Antrag im Serviceportal des Landes ({portal}).",
    "formular": "Online-Formular auf der Website der Stadt.",
    "efa": "Online-Dienst nach dem Einer-für-Alle-Prinzip: ein Land entwickelt ihn, andere nutzen ihn mit.",
    "portal": "Ein anderes Fachportal, etwa für Fahrzeuge, Bauanträge oder Steuern.",
    "email-pdf": "Ein PDF-Formular, das ausgefüllt per E-Mail geschickt wird. Es zählt nicht als digitale Leistung, weil es im Amt abgetippt werden muss.",
    "post": "Antrag auf Papier per Brief.",
    "vor-ort": "Persönliche Vorsprache bei der Stelle.",
}
LEVEL_LABELS = {"analog": "Analog", "digital": "Online beantragbar", "ende-zu-ende": "Ende-zu-Ende digital"}
ZIELGRUPPE_LABELS = {"buerger": "Bürgerinnen und Bürger", "unternehmen": "Unternehmen"}
TRAEGER_LABELS = {"stadt": "Stadt", "land": "Land", "bund": "Bund", "sonstige": "Anderer Träger"}
NUTZERKONTO_LABELS = {"bundid": "BundID", "muk": "Mein Unternehmenskonto (MUK)",
                      "amt24-servicekonto": "Servicekonto {portal}", "elster": "ELSTER-Zertifikat"}
# The council answer of 20 May 2025 counts each digital service once: Amt24,
# the city's own web form, or "other" (EfA solutions and other portals).
ONLINE_GROUPS = tuple(COUNCIL_GROUPS)
ONLINE_GROUP_LABELS = {"amt24": "Online über {portal}", "formular": "Online-Formular der Stadt", "andere": "Andere (EfA, Fachportale)"}

# Top-level sections and their stable addresses.
SECTIONS = {
    "start": "",
    "leistungen": "leistungen/",
    "lebenslagen": "lebenslagen/",
    "aemter": "aemter/",
    "kanaele": "kanaele/",
    "suche": "suche/",
    "open-data": "open-data/",
}
KIND_FOLDERS = {"leistung": "leistungen", "lebenslage": "lebenslagen", "amt": "aemter", "kanal": "kanaele"}


# --------------------------------------------------------------------------- context


@dataclass
class SiteContext:
    """The data and helpers handed to every provider (see :mod:`lotse.site.providers`)."""

    dataset: Dataset
    markdown: text.MarkdownRenderer = field(default_factory=text.MarkdownRenderer)

    # -- data ---------------------------------------------------------------

    @property
    def config(self) -> dict:
        """data/lotse.yml as loaded by the validator."""
        return self.dataset.settings

    @property
    def stadt(self) -> str:
        return self.config.get("stadt", "")

    @property
    def portal_name(self) -> str:
        return self.config.get("portale", {}).get("amt24_name") or "Landesportal"

    @cached_property
    def services_sorted(self) -> list[tuple[str, dict]]:
        """(id, record) of every service in A–Z order of the name."""
        items = [(sid, doc.data) for sid, doc in self.dataset.leistungen.items()]
        items.sort(key=lambda item: (text.sort_key(item[1]["name"]), item[0]))
        return items

    def service(self, sid: str) -> dict:
        return self.dataset.leistungen[sid].data

    def amt(self, amt_id: str) -> dict | None:
        doc = self.dataset.aemter.get(amt_id)
        return doc.data if doc else None

    def online_group(self, service: dict) -> str | None:
        """``amt24``, ``formular``, ``andere`` or None (analog): see lotse.dataset.COUNCIL_GROUPS."""
        return self.dataset.online_group(service)

    @cached_property
    def channel_counts(self) -> dict:
        """Figures for the start page and /kanaele/: council split, analog, and per type."""
        split = {group: 0 for group in ONLINE_GROUPS}
        per_type = {typ: 0 for typ in CHANNEL_TYPES}
        analog = 0
        counted = 0
        for _sid, service in self.services_sorted:
            if service.get("geprueft") is False:
                continue  # not yet confirmed by the city (lotse sync pvog --neue): not in its figures
            counted += 1
            group = self.online_group(service)
            if group:
                split[group] += 1
            else:
                analog += 1
            for typ in self.dataset.channel_types(service):
                per_type[typ] = per_type.get(typ, 0) + 1
        return {"split": split, "online": sum(split.values()), "analog": analog,
                "per_type": per_type, "total": counted}

    # -- addresses ----------------------------------------------------------

    def url(self, kind: str, ident: str | None = None) -> str:
        """Stable site-root-relative address: ``url("leistung", "x")`` -> ``leistungen/x/``.

        ``kind`` is a record kind (leistung, lebenslage, amt, kanal) with an id,
        or a section name from ``SECTIONS`` without one.
        """
        if ident is None:
            return SECTIONS[kind]
        return f"{KIND_FOLDERS[kind]}/{ident}/"

    @staticmethod
    def href(from_url: str, to_url: str) -> str:
        """Relative link from the page at ``from_url`` to ``to_url`` (both site-root-relative).

        Directory URLs only: ``leistungen/x/`` is two levels deep, so the root is
        ``../../``. Static files work the same way (``api/leistungen.json``).
        """
        up = "../" * from_url.count("/")
        return (up + to_url) or "./"

    def linker(self, from_url: str):
        """``to = ctx.linker(page_url); to("aemter/x/")`` – a prefix computed once per page."""
        up = "../" * from_url.count("/")
        return lambda to_url: (up + to_url) or "./"

    # -- presentation -------------------------------------------------------

    def label(self, template: str) -> str:
        return template.replace("{portal}", self.portal_name)

    def kanal_label(self, typ: str) -> str:
        return self.label(KANAL_LABELS.get(typ, typ))

    def kanal_title(self, typ: str) -> str:
        return self.label(KANAL_TITLES.get(typ, typ))

    @cached_property
    def _badges(self) -> dict[str, str]:
        out = {}
        for typ in CHANNEL_TYPES:
            online = " lotse-kanal--online" if typ in ONLINE_TYPES else ""
            out[typ] = f'<span class="lotse-kanal lotse-kanal--{typ}{online}">{esc(self.kanal_label(typ))}</span>'
        return out

    def badge(self, typ: str) -> str:
        """Channel badge (HTML) for one channel type."""
        return self._badges.get(typ) or f'<span class="lotse-kanal">{esc(typ)}</span>'

    def badges(self, service: dict) -> str:
        """Badges for every channel type of a service, online ones first."""
        types = self.dataset.channel_types(service)
        types = [t for t in types if t in ONLINE_TYPES] + [t for t in types if t not in ONLINE_TYPES]
        return " ".join(self.badge(t) for t in types)

    def level_badge(self, level: str) -> str:
        return f'<span class="lotse-stufe lotse-stufe--{esc(level)}">{esc(LEVEL_LABELS.get(level, level))}</span>'

    def portal_url(self, pattern_key: str, ident: str | None) -> str | None:
        """Address from a configured pattern (``amt24_leistung`` or ``bundesportal``)."""
        pattern = self.config.get("portale", {}).get(pattern_key)
        if not pattern or not ident:
            return None
        return pattern.replace("{id}", ident)

    esc = staticmethod(esc)
