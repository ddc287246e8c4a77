"""The data folder as the rest of Lotse sees it.

``Dataset`` is what the validator hands to the site build, the sync, the
link check and the report. It only holds what editors wrote; values that are
computed (a service's Lebenslagen, an office's services) come from methods
here and are never written back into ``data/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .yamlload import Document

# Channel types that make a service "digital" in the city's own count (council
# answer of 20 May 2025: Amt24, leipzig.de form, EfA and other portals; a PDF
# sent by e-mail does not count).
ONLINE_TYPES = ("amt24", "formular", "efa", "portal")
CHANNEL_TYPES = ("amt24", "formular", "efa", "portal", "email-pdf", "post", "vor-ort")
LEVELS = ("analog", "digital", "ende-zu-ende")


def in_operation(kanal: dict) -> bool:
    """False for a channel whose source calls it a pilot or planned (``status``).

    Such a channel is shown with its date but never counted as online: the only
    evidence (e.g. a council paper of 2020) does not say it works today.
    """
    return not kanal.get("status")

# The council answer's split of digital services (134 Amt24, 105 city web form, 53 "andere":
# EfA solutions, Bauportal, i-Kfz ...). Each service counts once, under its first online
# channel. Used by the start page, /kanaele/, the open data and the Digitalisierung report.
COUNCIL_GROUPS = {"amt24": ("amt24",), "formular": ("formular",), "andere": ("efa", "portal")}
COUNCIL_GROUP_OF = {t: group for group, types in COUNCIL_GROUPS.items() for t in types}


def latest_kennzahl(service: dict) -> dict | None:
    """The ``kennzahlen`` entry of the latest year, or None. Years are never mixed."""
    entries = [k for k in service.get("kennzahlen") or [] if isinstance(k, dict)]
    return max(entries, key=lambda k: k["jahr"]) if entries else None


@dataclass(frozen=True)
class Collection:
    """Where one kind of record lives and which schema describes it."""

    kind: str
    schema: str
    label: str  # German, for messages
    folder: str | None = None  # one record per file, file name = id
    file: str | None = None  # a single file
    required: bool = True


COLLECTIONS = (
    Collection("konfiguration", "konfiguration.schema.json", "Konfiguration", file="lotse.yml"),
    Collection("amt", "amt.schema.json", "Stelle", folder="aemter"),
    Collection("leistung", "leistung.schema.json", "Leistung", folder="services"),
    Collection("lebenslage", "lebenslage.schema.json", "Lebenslage", folder="lebenslagen"),
    # Texts from the state's service directory (PVOG), one file per service, written only by
    # `lotse sync pvog`: kept out of the editors' records so their files stay theirs.
    Collection("pvog", "pvog.schema.json", "Inhalt aus dem Leistungsverzeichnis", folder="pvog", required=False),
    # Suppress list of `lotse linkcheck`: validated like any record so every entry names its reason.
    Collection("linkcheck-ignore", "linkcheck-ignore.schema.json", "Ausnahmeliste der Linkprüfung", file="linkcheck-ignore.yml", required=False),
    # Colloquial dictionary of the search (Perso -> Personalausweis); editors extend it by pull request.
    Collection("synonyme", "synonyme.schema.json", "Wörterbuch der Suche", file="synonyme.yml", required=False),
    # Old addresses of the former website and where they lead (`lotse import plone` writes
    # data/weiterleitungen/plone-*.yml, in files small enough for the loader's size limit).
    Collection("weiterleitungen", "weiterleitungen.schema.json", "Weiterleitungen", folder="weiterleitungen", required=False),
)


# Files in the data folder that tools own and that are not records: the validator leaves
# them alone, and editors never need to touch them.
TOOL_FILES = frozenset({
    "sync-state.json",  # run bookkeeping of `lotse sync ozg` (sync/state.py)
    "plone-import.json",  # what `lotse import plone` wrote, by hash (sync/plone/state.py)
})


@dataclass
class Dataset:
    root: Path
    config: Document | None = None
    leistungen: dict[str, Document] = field(default_factory=dict)
    lebenslagen: dict[str, Document] = field(default_factory=dict)
    aemter: dict[str, Document] = field(default_factory=dict)
    pvog: dict[str, Document] = field(default_factory=dict)  # service id -> source-owned texts
    weiterleitungen: dict[str, Document] = field(default_factory=dict)
    extra: dict[str, Document] = field(default_factory=dict)  # single files by kind

    def bucket(self, kind: str) -> dict[str, Document]:
        return {"leistung": self.leistungen, "lebenslage": self.lebenslagen, "amt": self.aemter,
                "weiterleitungen": self.weiterleitungen, "pvog": self.pvog}[kind]

    # --- derived views (computed, never stored) ---------------------------------

    @property
    def settings(self) -> dict:
        return self.config.data if self.config else {}

    def pvog_of(self, service_id: str) -> dict | None:
        """The source-owned texts for a service (data/pvog/<id>.yml), or None."""
        doc = self.pvog.get(service_id)
        return doc.data if doc else None

    def channel_types(self, service: dict) -> list[str]:
        """Types of the channels in operation, in the editor's order, without repeats."""
        seen: list[str] = []
        for kanal in service.get("kanaele", []):
            if in_operation(kanal) and kanal["typ"] not in seen:
                seen.append(kanal["typ"])
        return seen

    def is_online(self, service: dict) -> bool:
        return any(t in ONLINE_TYPES for t in self.channel_types(service))

    def online_group(self, service: dict) -> str | None:
        """``amt24``, ``formular`` or ``andere`` (see COUNCIL_GROUPS); None if analog."""
        for typ in self.channel_types(service):
            if typ in COUNCIL_GROUP_OF:
                return COUNCIL_GROUP_OF[typ]
        return None

    def lebenslagen_of(self, service_id: str) -> list[str]:
        index = self._index_lebenslagen()
        return index.get(service_id, [])

    def services_of(self, amt_id: str) -> list[str]:
        """Services an office is responsible for or that are handled at its counters."""
        index = self._index_offices()
        return index.get(amt_id, [])

    def is_city(self, amt_id: str) -> bool:
        amt = self.aemter.get(amt_id)
        return bool(amt) and amt.data.get("traeger") == "stadt"

    def _index_lebenslagen(self) -> dict[str, list[str]]:
        if not hasattr(self, "_ll_index"):
            index: dict[str, list[str]] = {}
            for ll_id, doc in self.lebenslagen.items():
                for schritt in doc.data.get("schritte", []):
                    for sid in schritt.get("leistungen", []):
                        if ll_id not in index.setdefault(sid, []):
                            index[sid].append(ll_id)
            self._ll_index = index
        return self._ll_index

    def _index_offices(self) -> dict[str, list[str]]:
        if not hasattr(self, "_amt_index"):
            index: dict[str, list[str]] = {}
            for sid, doc in self.leistungen.items():
                places = [doc.data.get("zustaendig")] + [k.get("amt") for k in doc.data.get("kanaele", [])]
                for amt_id in places:
                    if amt_id and sid not in index.setdefault(amt_id, []):
                        index[amt_id].append(sid)
            self._amt_index = index
        return self._amt_index
