"""``lotse import plone``: plan, convert, write and report.

1. **Plan.** Every selected item (published, or all with ``--alle``) gets a target from the
   mapping file (first matching rule) or the defaults: pages, folders, news and events become a
   page under ``docs/`` at their old path; images and files are copied with readable names beside
   their page; a Link becomes a redirect. A folder with a default page shows that page's content
   at the folder's address.
2. **Convert** (first pass): Volto blocks or classic ``text.data`` HTML to Markdown, links kept
   as they were. Records are checked against their schema before anything is written.
3. **Links** (second pass): ``resolveuid/<UID>``, site paths and full URLs of the old site are
   rewritten to the new addresses; what cannot be resolved becomes plain text and is listed.
4. **Write** atomically, only what changed, and never over an editor's later change: the state
   file (``data/plone-import.json``) keeps the hash of what the import wrote last, and a file
   whose content differs from that hash is left alone and listed as a conflict.
5. **Report** in German Markdown: counts per type, review list, unresolved links, conflicts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lotse.htmltext import html_to_markdown
from lotse.redirects import old_path
from lotse.site.rechtliches import PAGES as LEGAL_PAGES

from . import blocks as B
from .reader import Export, Item, read_export

STATE_FILE = "plone-import.json"
WEITERLEITUNGEN_DIR = "weiterleitungen"
# Bytes per file: keeps each file well below the loader's size limit (256 KiB, lotse/yamlload.py).
REDIRECTS_FILE_BYTES = 150_000
DEFAULT_STATES = ("published",)
RECORD_TARGETS = {"leistung": ("services", "leistung.schema.json", "leistungen"),
                  "lebenslage": ("lebenslagen", "lebenslage.schema.json", "lebenslagen"),
                  "amt": ("aemter", "amt.schema.json", "aemter")}
FILE_TYPES = {"Image", "File"}
# First path segments the site itself uses (generated sections, hand-written pages).
RESERVED = {"leistungen", "lebenslagen", "aemter", "kanaele", "suche", "open-data", "digitalisierung", "mitmachen",
            "api", "assets", "ueber", "index", "search", "sitemap.xml", "404.html", "_redirects", "stylesheets", "javascripts"}
RESERVED |= {url.strip("/") for url in LEGAL_PAGES}  # Impressum & Co. come from data/lotse.yml, not from Plone
RESERVED_PREFIX = "seiten"
# Plone serves an image at these forms of its address; each becomes a redirect to the copied file.
IMAGE_SCALES = ("icon", "tile", "thumb", "mini", "preview", "teaser", "large", "larger", "great", "huge", "listing")
VIEW_SUFFIXES = ("/view", "/@@view", "/image_view_fullscreen", "/at_download/file", "/at_download/image")
_UID_LINK = re.compile(r"resolveuid/([0-9a-fA-F]{32}|[0-9a-fA-F-]{36})(/[^#?\s]*)?")
_MD_LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.|!?\[(?:[^\[\]\\]|\\.)*\]\([^)\s]*\))*)\]\(([^)\s]*)(\s+\"[^\"]*\")?\)")


# Characters the schemas refuse in old addresses and targets (they would break _redirects lines,
# nginx maps or HTML): such redirects go to the review list instead of into data/.
_UNSAFE_PATH = re.compile(r"[\s?#;'\"{}<>\\`]")
_UNSAFE_TARGET = re.compile(r"[\s;'\"{}<>\\`]")


class ImportProblem(Exception):
    """The import cannot start (bad mapping file, unreadable export): German message."""


# --------------------------------------------------------------------------- mapping


@dataclass
class Mapping:
    sprache: str = "de"
    regeln: list[dict] = field(default_factory=list)
    adresse: str = ""  # public address of the old site, for full URLs in alte_adressen

    def target(self, item: Item) -> tuple[str, dict]:
        for rule in self.regeln:
            types = rule.get("typ")
            prefix = rule.get("pfad")
            if types and item.type not in types:
                continue
            if prefix and not (item.path == prefix.rstrip("/") or item.path.startswith(prefix.rstrip("/") + "/")):
                continue
            return rule["ziel"], rule
        if item.type in FILE_TYPES:
            return "datei", {}
        if item.type == "Link":
            return "link", {}
        return "seite", {}


def read_mapping(path: Path | None) -> Mapping:
    """The mapping file, checked by the one validator's schema machinery (German messages)."""
    if path is None:
        return Mapping()
    from lotse.validator import schema_problems
    from lotse.yamlload import YamlError, load_yaml_file

    try:
        doc = load_yaml_file(Path(path))
    except YamlError as exc:
        raise ImportProblem(str(exc.problem)) from None
    except FileNotFoundError:
        raise ImportProblem(f"{path}: die Zuordnungsdatei gibt es nicht.") from None
    found = schema_problems(doc, "plone-zuordnung.schema.json")
    if found:
        raise ImportProblem("\n".join(str(p) for p in found))
    return Mapping(sprache=doc.data.get("sprache", "de"), regeln=list(doc.data.get("regeln") or []),
                   adresse=str(doc.data.get("adresse") or "").rstrip("/"))


# --------------------------------------------------------------------------- plan


@dataclass
class Plan:
    item: Item
    ziel: str  # seite, leistung, lebenslage, amt, datei, link, auslassen
    rule: dict
    url: str = ""  # new address, site-root path: "/a/b/", "/leistungen/x/", "/a/datei.pdf"
    record_id: str | None = None
    content: Item | None = None  # a folder shows its default page's content
    absorbed_into: "Plan | None" = None  # this default page is shown at its folder's address
    blob_urls: dict = field(default_factory=dict)  # blob field -> file address
    markdown: str = ""
    record: dict | None = None
    langs: dict = field(default_factory=dict)  # language -> Plan of the translations


@dataclass
class Output:
    root: str  # "data" or "docs"
    rel: str  # path inside that root
    data: bytes
    uid: str = ""


@dataclass
class Result:
    export: Export
    plans: dict[str, Plan]
    outputs: list[Output]
    skipped: dict[str, int]
    review: list[str]
    unresolved: list[str]
    translations: list[str]
    invalid: list[str]
    redirects: int
    written: dict[str, list[str]] = field(default_factory=lambda: {"neu": [], "geändert": [], "entfernt": [], "unverändert": []})
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # validator problems after writing

    @property
    def needs_review(self) -> bool:
        return bool(self.review or self.unresolved or self.conflicts or self.invalid or self.problems or self.translations)


def slug(text: str, keep_dots: bool = False) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    allowed = r"[^a-z0-9.]+" if keep_dots else r"[^a-z0-9]+"
    text = re.sub(allowed, "-", text).strip("-.")
    return re.sub(r"-{2,}", "-", text) or "x"


def _page_url(path: str, reserved: set[str] = RESERVED) -> str:
    parts = [slug(p, keep_dots=True) for p in path.strip("/").split("/") if p]
    if parts and parts[0] in reserved:
        parts.insert(0, RESERVED_PREFIX)
    return "/" + "/".join(parts) + "/"


def _unique(candidate: str, taken: set[str], split_ext: bool = False) -> str:
    if candidate not in taken:
        taken.add(candidate)
        return candidate
    if candidate.endswith("/"):  # a page: /a/b/ -> /a/b-2/
        stem, ext = candidate[:-1], "/"
    else:
        stem, ext = (posixpath.splitext(candidate) if split_ext else (candidate, ""))
    n = 2
    while f"{stem}-{n}{ext}" in taken:
        n += 1
    taken.add(f"{stem}-{n}{ext}")
    return f"{stem}-{n}{ext}"


class Importer:
    def __init__(self, export: Export, mapping: Mapping, data_dir: Path, docs_dir: Path, alle: bool = False,
                 today: dt.date | None = None):
        self.export = export
        self.mapping = mapping
        self.data_dir = Path(data_dir)
        self.docs_dir = Path(docs_dir)
        self.alle = alle
        self.today = today or dt.date.today()
        self.review: list[str] = []
        self.unresolved: list[str] = []
        self.translations: list[str] = []
        self.invalid: list[str] = []
        self.skipped: dict[str, int] = {}
        self.plans: dict[str, Plan] = {}
        self.by_path = export.by_path()
        self.reserved = RESERVED | self._hand_written_names()

    def _hand_written_names(self) -> set[str]:
        """Top-level names in docs/ the import did not write (Impressum, Über …): never overwritten."""
        own = {key[len("docs:"):].split("/", 1)[0] for key in load_state(self.data_dir).get("dateien", {}) if key.startswith("docs:")}
        names = set()
        if self.docs_dir.is_dir():
            for entry in self.docs_dir.iterdir():
                name = entry.stem if entry.suffix == ".md" else entry.name
                if name not in own and not name.startswith("."):
                    names.add(name)
        return names

    # -- planning ------------------------------------------------------------

    def plan(self) -> None:
        items = self.export.items
        for uid, item in items.items():
            if not self.alle and item.review_state is not None and item.review_state not in DEFAULT_STATES:
                self._skip(f"nicht veröffentlicht ({item.review_state})")
                continue
            expires = str(item.raw.get("expires") or "")[:10]
            if not self.alle and expires and expires < self.today.isoformat():
                self._skip("abgelaufen (expires)")  # Plone no longer shows it to visitors
                continue
            if not self.alle and item.effective and item.effective > self.today.isoformat():
                self._skip("erst künftig veröffentlicht (effective)")
                continue
            ziel, rule = self.mapping.target(item)
            if ziel == "auslassen":
                self._skip("laut Zuordnung ausgelassen")
                continue
            self.plans[uid] = Plan(item, ziel, rule)
        # A default page is shown at its folder's address (Plone does the same).
        for folder_uid, page_uid in sorted(self.export.default_pages.items()):
            folder, page = self.plans.get(folder_uid), self.plans.get(page_uid)
            if folder and page and folder.ziel == "seite" and page.ziel == "seite":
                folder.content = page.item
                page.absorbed_into = folder
        taken: set[str] = set()
        record_ids: dict[str, set[str]] = {k: set(self._existing_ids(k)) for k in RECORD_TARGETS}
        own_ids = self._own_record_ids()
        for plan in self.plans.values():
            item = plan.item
            if plan.ziel == "seite" and plan.absorbed_into is None:
                plan.url = _unique(_page_url(item.path, self.reserved), taken)
            elif plan.ziel in RECORD_TARGETS:
                base = slug(item.id)[:80].strip("-")
                ids = record_ids[plan.ziel]
                rid = base
                n = 2
                while rid in ids and own_ids.get((plan.ziel, rid)) != item.uid:
                    rid = f"{base[:76]}-{n}"
                    n += 1
                ids.add(rid)
                plan.record_id = rid
                plan.url = f"/{RECORD_TARGETS[plan.ziel][2]}/{rid}/"
        for plan in self.plans.values():
            if plan.absorbed_into is not None:
                plan.url = plan.absorbed_into.url
        # Files: beside their page, named after the uploaded file.
        for plan in self.plans.values():
            item = plan.item
            if plan.ziel == "datei" and not item.blobs:
                self.review.append(f"{item.path}: {item.type} ohne Datei im Export; nicht übernommen.")
                plan.ziel = "auslassen"
            for blob in item.blobs:
                if plan.ziel == "datei" or (plan.ziel == "seite" and blob.field in ("image", "preview_image")):
                    parent = self.plans.get(item.parent_uid or "")
                    folder = parent.url if parent and parent.ziel == "seite" else _page_url(item.parent_path, self.reserved)
                    if plan.ziel == "seite":
                        folder = plan.url
                    name = slug(blob.filename, keep_dots=True)
                    plan.blob_urls[blob.field] = _unique(folder.rstrip("/") + "/" + name, taken, split_ext=True)
            if plan.ziel == "datei" and plan.blob_urls:
                plan.url = plan.blob_urls.get("file") or plan.blob_urls.get("image") or next(iter(plan.blob_urls.values()))
        self._plan_translations()
        self._respect_deletions()
        for src, dst, attr in self.export.relations:
            # relatedItems become "Siehe auch"; isReferencing mirrors links already in the text.
            if attr not in ("relatedItems", "isReferencing", "iterate-working-copy") and src in self.plans:
                target = self.export.items.get(dst)
                self.review.append(f"{self.plans[src].item.path}: Beziehung „{attr}“ zu {target.path if target else dst} nicht übernommen (kein Feld dafür).")

    def _respect_deletions(self) -> None:
        """A page or record an editor deleted after an earlier import stays deleted (and unlinked)."""
        known = load_state(self.data_dir).get("dateien", {})
        for plan in self.plans.values():
            if plan.absorbed_into is not None:
                continue
            if plan.ziel == "seite" and plan.url:
                key, path = f"docs:{plan.url.strip('/')}/index.md", self.docs_dir / plan.url.strip("/") / "index.md"
            elif plan.ziel in RECORD_TARGETS and plan.record_id:
                rel = f"{RECORD_TARGETS[plan.ziel][0]}/{plan.record_id}.yml"
                key, path = f"data:{rel}", self.data_dir / rel
            else:
                continue
            if key in known and not path.exists():
                self.review.append(f"{plan.item.path}: nach dem letzten Import von Hand gelöscht; bleibt gelöscht, Links darauf werden zu Text.")
                plan.ziel, plan.url = "auslassen", ""
                for other in self.plans.values():
                    if other.absorbed_into is plan:
                        other.ziel, other.url = "auslassen", ""

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _existing_ids(self, kind: str) -> list[str]:
        folder = self.data_dir / RECORD_TARGETS[kind][0]
        return [p.stem for p in folder.glob("*.yml")] if folder.is_dir() else []

    def _own_record_ids(self) -> dict:
        """(kind, id) -> UID of records an earlier run created, so a re-run keeps their ids."""
        out = {}
        for key, entry in load_state(self.data_dir).get("dateien", {}).items():
            for kind, (folder, _s, _u) in RECORD_TARGETS.items():
                prefix = f"data:{folder}/"
                if key.startswith(prefix) and key.endswith(".yml"):
                    out[(kind, key[len(prefix):-4])] = entry.get("uid")
        return out

    def _plan_translations(self) -> None:
        main = self.mapping.sprache
        for group in self.export.translations:
            members = {lang: self.plans[uid] for lang, uid in sorted(group.items()) if uid in self.plans}
            if len(members) < 2:
                continue
            canonical = members.get(main) or next(iter(members.values()))
            for lang, plan in members.items():
                if plan is canonical:
                    continue
                if plan.ziel in RECORD_TARGETS or canonical.ziel in RECORD_TARGETS:
                    # Records are in one language: the translation's old address leads to the record.
                    self.translations.append(f"{plan.item.path} ({lang}): Übersetzung von „{canonical.item.title}“; Einträge sind einsprachig, die alte Adresse leitet auf {canonical.url} weiter. Bitte den Text bei Bedarf als Seite anlegen.")
                    plan.ziel, plan.url = "umgeleitet", canonical.url
                    continue
                if plan.ziel == "seite" and canonical.ziel == "seite":
                    for other in members.values():
                        shown = other.absorbed_into or other  # a default page is shown by its folder
                        shown.langs = {l: p for l, p in members.items() if p is not other}

    # -- conversion (first pass) --------------------------------------------

    def convert(self) -> None:
        for plan in self.plans.values():
            if plan.ziel in ("seite", *RECORD_TARGETS) and plan.absorbed_into is None:
                source = plan.content or plan.item
                conv = B.Conversion(plan.item.path, listing=lambda block, p=plan: self._listing(block, p))
                body = self._body(source, conv)
                if not body and plan.content is None and plan.ziel == "seite":
                    body = self._children_list(plan)
                plan.markdown = body
                self.review.extend(conv.notes)
                if plan.ziel in RECORD_TARGETS:
                    plan.record = self._record(plan)

    def _body(self, item: Item, conv: B.Conversion) -> str:
        raw = item.raw
        parts = []
        if item.type == "Event" and raw.get("start"):
            parts.append(_event_line(raw))
        if B.has_blocks(raw):
            parts.append(B.blocks_markdown(raw, conv))
            text = raw.get("text")
            if isinstance(text, dict) and text.get("data"):
                conv.note("Seite hat Blöcke und klassischen Text; übernommen wurden die Blöcke.")
        else:
            text = raw.get("text")
            data = text.get("data") if isinstance(text, dict) else text if isinstance(text, str) else ""
            if data:
                parts.append(html_to_markdown(data, allow_relative=True, images=True))
        return "\n\n".join(p for p in parts if p.strip())

    def _children(self, plan: Plan) -> list[Plan]:
        if not hasattr(self, "_kids"):
            self._kids: dict[str, list[Plan]] = {}
            for p in self.plans.values():
                if p.absorbed_into is None and p.ziel in ("seite", "datei", "link", *RECORD_TARGETS):
                    self._kids.setdefault(p.item.parent_uid or "", []).append(p)
        kids = [p for p in self._kids.get(plan.item.uid, []) if p.item.uid != (plan.content.uid if plan.content else None)]
        return sorted(kids, key=lambda p: (p.item.position if p.item.position is not None else 10**9, p.item.title.lower(), p.item.path))

    def _children_list(self, plan: Plan) -> str:
        kids = self._children(plan)
        return "\n".join(f"- [{B.esc(k.item.title)}](../resolveuid/{k.item.uid})" for k in kids)

    def _listing(self, block: dict, plan: Plan) -> list[tuple[str, str]] | None:
        """A listing block's result over the imported items, or None if its query is unsupported."""
        qs = block.get("querystring") if isinstance(block.get("querystring"), dict) else block
        query = qs.get("query") or []
        types = states = subjects = None
        base, depth = None, -1
        for crit in query:
            index, op, value = crit.get("i"), str(crit.get("o", "")), crit.get("v")
            values = value if isinstance(value, list) else [value]
            if index == "portal_type" and ("selection.any" in op or "selection.is" in op):
                types = set(values)
            elif index == "review_state" and ("selection.any" in op or "selection.is" in op):
                states = set(values)
            elif index == "Subject" and "selection" in op:
                subjects = set(values)
            elif index == "path" and isinstance(value, str):
                target, _, d = value.partition("::")
                depth = int(d) if d.lstrip("-").isdigit() else -1
                if "relativePath" in op:
                    base = posixpath.normpath(posixpath.join(plan.item.path, target))
                elif target in self.export.items:
                    base = self.export.items[target].path
                else:
                    base = self._strip_site(target)
            else:
                return None
        found = []
        for other in self.plans.values():
            item = other.item
            if other.ziel not in ("seite", "datei", *RECORD_TARGETS) or other.absorbed_into is not None:
                continue
            if types and item.type not in types:
                continue
            if states and (item.review_state or "published") not in states:
                continue
            if subjects and not subjects & set(item.raw.get("subjects") or []):
                continue
            if base is not None:
                if not item.path.startswith(base.rstrip("/") + "/"):
                    continue
                if depth > 0 and item.path[len(base.rstrip("/")):].count("/") > depth:
                    continue
            found.append(item)
        sort_on = qs.get("sort_on") or "getObjPositionInParent"
        keys = {"effective": lambda i: i.effective or "", "modified": lambda i: i.modified or "",
                "created": lambda i: str(i.raw.get("created") or ""), "sortable_title": lambda i: i.title.lower()}
        key = keys.get(sort_on, lambda i: (i.position if i.position is not None else 10**9, i.path))
        found.sort(key=lambda i: (key(i), i.path))
        reverse = qs.get("sort_order") in ("descending", "reverse") or qs.get("sort_order_boolean") is True
        if reverse:
            found.reverse()
        limit = qs.get("limit") or qs.get("b_size")
        if isinstance(limit, str) and limit.isdigit():
            limit = int(limit)
        if isinstance(limit, int) and limit > 0:
            found = found[:limit]
        return [(i.title, f"../resolveuid/{i.uid}") for i in found]

    def _record(self, plan: Plan) -> dict:
        item = plan.item
        kind = plan.ziel
        stand = item.modified or item.effective or (str(item.raw.get("created") or "")[:10] or None)
        if stand and stand > self.today.isoformat():
            stand = None
        titel = f"Alte Website (Plone): „{item.title[:150]}“, Pfad {item.path}, UID {item.uid}"
        record: dict = {"id": plan.record_id}
        record["titel" if kind == "lebenslage" else "name"] = item.title
        if item.description and kind != "amt":
            record["kurzbeschreibung"] = item.description
        if plan.markdown:
            record["beschreibung"] = plan.markdown
        for key, value in (plan.rule.get("vorgaben") or {}).items():
            if key not in ("quelle", "alte_adressen"):
                record.setdefault(key, value)
        if _UNSAFE_PATH.search(item.path):
            self.review.append(f"{item.path}: alter Pfad mit Sonderzeichen; nicht in alte_adressen übernommen.")
        else:
            record["alte_adressen"] = [self.mapping.adresse + item.path]
        if stand:
            record["stand"] = stand
        quelle = {"titel": titel}
        if stand:
            quelle["stand"] = stand
        record["quelle"] = [quelle] + list((plan.rule.get("vorgaben") or {}).get("quelle") or [])
        return record

    # -- links (second pass) --------------------------------------------------

    def _strip_site(self, path: str) -> str:
        prefix = self.export.site_prefix
        path = old_path(path)
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix):] or "/"
        return path

    def lookup(self, path: str) -> str | None:
        """New address for an old path (following Plone's redirects), or None."""
        blob_field = None
        for _ in range(20):
            for marker in ("/@@images/", "/@@download/", "/@@display-file/", "/at_download/"):
                if marker in path:
                    path, rest = path.split(marker, 1)
                    blob_field = rest.split("/", 1)[0] or "image"
            for suffix in VIEW_SUFFIXES:
                if path.endswith(suffix):
                    path = path[: -len(suffix)]
            item = self.by_path.get(path)
            if item is not None:
                plan = self.plans.get(item.uid)
                if plan is None or not plan.url:
                    return None
                if blob_field and blob_field in plan.blob_urls:
                    return plan.blob_urls[blob_field]
                return plan.url if plan.ziel != "link" else self._link_target(plan)
            if path in self.export.redirects:
                path = self.export.redirects[path]
                continue
            return None
        return None

    def resolve(self, url: str, item: Item) -> str | None:
        """New address (site path or external URL) for a link found in ``item``; None if unknown."""
        url = html.unescape(url.strip())
        anchor = ""
        if "#" in url:
            url, anchor = url.split("#", 1)
            anchor = "#" + anchor
        if not url:
            return anchor or None
        if url.startswith("lotse:"):  # already a new address (written by this importer)
            return url[len("lotse:"):]
        m = _UID_LINK.search(url)
        if m:
            plan = self.plans.get(m.group(1).replace("-", ""))
            if plan is not None and plan.ziel == "link":
                return self._link_target(plan)
            if plan is None or not plan.url:
                return None
            suffix = m.group(2) or ""
            for marker in ("/@@images/", "/@@download/", "/@@display-file/"):
                if marker in suffix:
                    fld = suffix.split(marker, 1)[1].split("/", 1)[0]
                    if fld in plan.blob_urls:
                        return plan.blob_urls[fld]
            if plan.ziel == "link":
                return self._link_target(plan)
            return plan.url + (anchor if plan.url.endswith("/") else "")
        parts = urlsplit(url)
        if parts.scheme in ("mailto", "tel"):
            return url
        if parts.scheme in ("http", "https"):
            base = self.export.base_url
            if base and (url == base or url.startswith(base + "/")):
                found = self.lookup(old_path(url[len(base):] or "/"))
                return found + anchor if found and found.endswith("/") else found
            if parts.hostname in ("localhost", "127.0.0.1"):
                # The editors' own instance (http://localhost:8080/<site id>/...): an internal link
                # whose site id the tree export does not name; try the path with and without it.
                path = old_path(parts.path)
                found = self.lookup(path) or self.lookup(old_path("/" + path.strip("/").partition("/")[2]))
                return found + anchor if found and found.endswith("/") else found
            return url + anchor
        if parts.scheme:
            return None
        if url.startswith("/"):
            found = self.lookup(self._strip_site(url))
        else:
            found = None
            for start in (item.parent_path, item.path):
                found = self.lookup(old_path(posixpath.normpath(posixpath.join(start, url))))
                if found:
                    break
        if found and found.endswith("/"):
            found += anchor
        return found

    def _link_target(self, plan: Plan) -> str | None:
        remote = str(plan.item.raw.get("remoteUrl") or "").strip()
        remote = remote.replace("${portal_url}", "")
        if not remote:
            return None
        if remote.startswith(("http://", "https://")) and not (self.export.base_url and remote.startswith(self.export.base_url)):
            return remote
        resolved = self.resolve(remote, plan.item)
        return resolved if resolved != plan.url else None

    def rewrite(self, markdown: str, plan: Plan, docs_page: bool) -> str:
        """Second pass: every Markdown link and image to its new address, relative to the page."""
        here = plan.url

        def repl(m: re.Match) -> str:
            bang, text, url, title = m.group(1), m.group(2), m.group(3), m.group(4) or ""
            target = self.resolve(url, plan.content or plan.item)
            if target is None:
                self.unresolved.append(f"{plan.item.path}: „{url}“")
                return text if not bang else f"[Bild fehlt: {text}]".replace("[Bild fehlt: ]", "[Bild fehlt]")
            if target.startswith("/"):
                target = _relative(here, target, docs_page)
            if bang and target.startswith(("http://", "https://")):
                self.review.append(f"{plan.item.path}: Bild von fremdem Server ({target}) nur als Link übernommen.")
                return f"[Bild: {text}]({target})"
            return f"{bang}[{text}]({target}{title})"

        # Link texts may contain images ([![alt](src)](href)): rewrite inner images first.
        inner = re.compile(r"(!)\[((?:[^\[\]\\]|\\.)*)\]\(([^)\s]*)()\)")
        markdown = inner.sub(repl, markdown)
        return _MD_LINK.sub(lambda m: m.group(0) if m.group(1) else repl(m), markdown)

    # -- outputs ---------------------------------------------------------------

    def outputs(self) -> list[Output]:
        out: list[Output] = []
        self._validate_records()
        for plan in self.plans.values():
            if plan.ziel == "seite" and plan.absorbed_into is None:
                out.append(Output("docs", plan.url.strip("/") + "/index.md" if plan.url != "/" else "index.md", self._page(plan).encode("utf-8"), plan.item.uid))
            elif plan.ziel in RECORD_TARGETS and plan.record is not None:
                record = dict(plan.record)
                if "beschreibung" in record:
                    record["beschreibung"] = self.rewrite(record["beschreibung"], plan, docs_page=False)
                folder, schema, _ = RECORD_TARGETS[plan.ziel]
                out.append(Output("data", f"{folder}/{plan.record_id}.yml", dump_record(record, schema).encode("utf-8"), plan.item.uid))
            for blob in plan.item.blobs:
                url = plan.blob_urls.get(blob.field)
                if url:
                    out.append(Output("docs", url.lstrip("/"), blob.read(), plan.item.uid))
        redirects = self._redirects()
        self.redirect_count = sum(len(e["von"]) for e in redirects)
        for file_id, entries in chunk_redirects(redirects):
            out.append(Output("data", f"{WEITERLEITUNGEN_DIR}/{file_id}.yml", dump_redirects(file_id, entries).encode("utf-8")))
        return out

    def _validate_records(self) -> None:
        from lotse.validator import _schema_messages, schema_validator

        for plan in self.plans.values():
            if plan.record is None:
                continue
            schema = RECORD_TARGETS[plan.ziel][1]
            errors = list(schema_validator(schema).iter_errors(plan.record))
            if errors:
                messages = [msg for err in errors for _w, msg in _schema_messages(err)]
                self.invalid.append(f"{plan.item.path} → {RECORD_TARGETS[plan.ziel][0]}/{plan.record_id}.yml nicht geschrieben: " + " ".join(sorted(messages)) + " (Vorgaben in der Zuordnungsdatei ergänzen.)")
                plan.record = None
                plan.url = ""  # links to it stay unresolved (listed) instead of pointing nowhere

    def _page(self, plan: Plan) -> str:
        item = plan.item
        source = plan.content or item
        front = {"title": html.escape(item.title)}
        if item.description or source.description:
            front["description"] = html.escape(item.description or source.description)
        front["plone"] = {k: v for k, v in (
            ("uid", item.uid), ("alter_pfad", item.path), ("typ", item.type),
            ("standardseite", source.path if plan.content else None),
            ("geaendert", source.modified or item.modified), ("veroeffentlicht", source.effective or item.effective),
            ("sprache", item.language), ("schlagworte", list(item.raw.get("subjects") or []))) if v}
        lines = ["---", _yaml(front).rstrip(), "---", "", f"# {B.esc(item.title)}", ""]
        if plan.langs:
            links = ", ".join(f"[{_LANG.get(l, l)}](../resolveuid/{p.item.uid})" for l, p in sorted(plan.langs.items()))
            lines += [f"*Diese Seite in anderen Sprachen: {links}*", ""]
        if item.description:
            lines += [f"**{B.esc(item.description)}**", ""]
        lead = plan.blob_urls.get("image") or plan.blob_urls.get("preview_image")
        if lead:
            caption = item.raw.get("image_caption") or ""
            lines += [f"![{B.esc(caption)}](lotse:{lead})", ""]
        if plan.markdown:
            lines += [B.no_raw_html(plan.markdown), ""]
        related = self._related(source)
        if related:
            lines += ["## Siehe auch", ""] + [f"- [{B.esc(t)}](../resolveuid/{u})" for t, u in related] + [""]
        changed = source.modified or item.modified
        note = "Übernommen von der früheren Website"
        if changed:
            note += f"; dort zuletzt geändert am {changed[8:10]}.{changed[5:7]}.{changed[:4]}"
        lines += [f"*{note}.*", ""]
        lang = item.language or source.language
        if lang and lang != self.mapping.sprache and re.fullmatch(r"[a-z]{2}(-[A-Za-z]{2})?", lang):
            # Screen readers switch voice by lang; md_in_html (mkdocs.yml) keeps the Markdown inside.
            start = lines.index("", 3) + 1
            lines = lines[:start] + [f'<div lang="{lang}" markdown="1">', ""] + lines[start:] + ["</div>", ""]
        return self.rewrite("\n".join(lines), plan, docs_page=True)

    def _related(self, item: Item) -> list[tuple[str, str]]:
        uids = []
        for rel in item.raw.get("relatedItems") or []:
            uid = rel.get("UID") if isinstance(rel, dict) else rel if isinstance(rel, str) else None
            if uid and uid not in uids:
                uids.append(uid)
        for src, dst, attr in self.export.relations:
            if src == item.uid and attr == "relatedItems" and dst not in uids:
                uids.append(dst)
        out = []
        for uid in uids:
            target = self.export.items.get(uid)
            if target is None or uid not in self.plans:
                self.unresolved.append(f"{item.path}: verwandter Inhalt {uid} ist nicht übernommen")
                continue
            out.append((target.title, uid))
        return out

    def _redirects(self) -> list[dict]:
        """Old paths (and their Plone forms) -> new addresses, for data/weiterleitungen/."""
        pairs: dict[str, str] = {}
        page_paths = {p.url for p in self.plans.values() if p.url.endswith("/")}
        file_paths = {u for p in self.plans.values() for u in p.blob_urls.values()}

        record_pages = {f"/{RECORD_TARGETS[k][2]}/{rid}" for k in RECORD_TARGETS for rid in self._existing_ids(k)}
        record_pages |= {old_path(p.url) for p in self.plans.values() if p.ziel in RECORD_TARGETS and p.url}
        site_pages = {"/" + name for name in self.reserved} | record_pages

        def add(source: str, target: str | None) -> None:
            source = old_path(source)
            if not target or source == old_path(target) or (source + "/") in page_paths or source in page_paths or source in file_paths:
                return
            if _UNSAFE_PATH.search(source) or _UNSAFE_TARGET.search(target):
                self.review.append(f"Weiterleitung „{source}“ → „{target}“ enthält Leerzeichen oder Sonderzeichen (? # ; ' \" {{ }} < > \\ `), die Server-Konfiguration und Seiten nicht sicher tragen; nicht übernommen, bitte von Hand prüfen.")
                return
            if source in site_pages:
                self.review.append(f"Die alte Adresse {source} ist eine Seite der neuen Website; sie leitet nicht nach {target} weiter.")
                return
            pairs.setdefault(source, target)

        for plan in self.plans.values():
            item = plan.item
            if plan.ziel == "link":
                target = self._link_target(plan)
                if target is None:
                    self.review.append(f"{item.path}: Link-Objekt mit Ziel „{item.raw.get('remoteUrl')}“ lässt sich nicht auflösen; keine Weiterleitung.")
                    continue
                for source in (item.path, *(item.path + s for s in VIEW_SUFFIXES[:2])):
                    add(source, target)
                continue
            if not plan.url:
                continue
            if plan.ziel not in RECORD_TARGETS:  # a record's main old path is in its alte_adressen
                add(item.path, plan.url)
            for suffix in VIEW_SUFFIXES[:2]:
                add(item.path + suffix, plan.url)
            for blob in item.blobs:
                url = plan.blob_urls.get(blob.field)
                if not url:
                    continue
                base = item.path
                forms = [f"/@@images/{blob.field}", f"/@@download/{blob.field}", f"/@@download/{blob.field}/{blob.filename}",
                         f"/@@display-file/{blob.field}", f"/at_download/{blob.field}"]
                if blob.field in ("image", "preview_image"):
                    forms += [f"/@@images/{blob.field}/{scale}" for scale in IMAGE_SCALES]
                if plan.ziel == "datei":
                    forms += ["/image_view_fullscreen"]
                for form in forms:
                    if " " not in form:
                        add(base + form, url)
        # Plone's own redirects: the target is an old path; chains end at a new address.
        loops: set[frozenset] = set()
        for source, target in sorted(self.export.redirects.items()):
            if source in self.by_path and self.by_path[source].uid in self.plans:
                self.review.append(f"Weiterleitung {source} → {target} übergangen: unter {source} gibt es noch einen Inhalt.")
                continue
            final, loop = self._follow_plone(source)
            if loop:
                if frozenset(loop) in loops:
                    continue
                loops.add(frozenset(loop))
                self.review.append(f"Weiterleitungen von Plone bilden eine Schleife ({' → '.join(loop)}); nicht übernommen.")
                continue
            if final is None:
                self.review.append(f"Weiterleitung {source} → {target}: Ziel nicht übernommen (unveröffentlicht, ausgelassen oder nicht im Export); keine Weiterleitung.")
                continue
            add(source, final)
        grouped: dict[str, list[str]] = {}
        for source, target in pairs.items():
            grouped.setdefault(target, []).append(source)
        return [{"von": sorted(sources), "nach": target} for target, sources in sorted(grouped.items())]

    def _follow_plone(self, source: str) -> tuple[str | None, list[str] | None]:
        seen = [source]
        path = self.export.redirects[source]
        while True:
            if path in seen:
                return None, seen[seen.index(path):] + [path]
            found = self.lookup(path) if path not in self.export.redirects else None
            if found is not None or path not in self.export.redirects:
                return found, None
            seen.append(path)
            path = self.export.redirects[path]


_LANG = {"de": "Deutsch", "en": "English", "fr": "Français", "pl": "Polski", "cs": "Čeština", "ru": "Русский",
         "uk": "Українська", "ar": "العربية", "tr": "Türkçe", "es": "Español"}


def _relative(here: str, target: str, docs_page: bool) -> str:
    """Link from the page at ``here`` to ``target`` (both site paths).

    Hand-written pages link to the Markdown source (``../b/index.md``), which MkDocs checks and
    turns into the page's address; record descriptions are rendered as they are, so they link to
    the address itself (``../../a/b/``).
    """
    anchor = ""
    if "#" in target:
        target, anchor = target.split("#", 1)
        anchor = "#" + anchor
    if docs_page:
        src_dir = here.strip("/")
        dest = (target.strip("/") + "/index.md").lstrip("/") if target.endswith("/") else target.lstrip("/")
        return posixpath.relpath(dest, src_dir or ".") + anchor
    up = "../" * here.strip("/").count("/") + ("../" if here.strip("/") else "")
    return (up + target.lstrip("/")) + anchor or "./"


def _event_line(raw: dict) -> str:
    def when(value):
        value = str(value or "")
        if len(value) < 10:
            return ""
        text = f"{value[8:10]}.{value[5:7]}.{value[:4]}"
        if len(value) >= 16 and not raw.get("whole_day"):
            text += f", {value[11:16]} Uhr"
        return text

    parts = [f"**Termin:** {B.esc(when(raw.get('start')))}" + (f" bis {B.esc(when(raw.get('end')))}" if raw.get("end") else "")]
    if raw.get("location"):
        parts.append(f"**Ort:** {B.esc(str(raw['location']))}")
    return " · ".join(parts)


# --------------------------------------------------------------------------- YAML output


def _yaml(data) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6, default_flow_style=False)


def dump_record(record: dict, schema_name: str) -> str:
    """A new record: keys in the schema's order, multi-line text as a block, deterministic."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import LiteralScalarString

    from lotse.validator import load_schema

    order = list(load_schema(schema_name)["properties"])
    data = {k: record[k] for k in order if k in record}
    data.update({k: v for k, v in record.items() if k not in data})
    for key, value in data.items():
        if isinstance(value, str) and "\n" in value:
            data[key] = LiteralScalarString(value.rstrip("\n") + "\n")
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    buf.write(f"# yaml-language-server: $schema=../../schemas/{schema_name}\n# Übernommen mit „lotse import plone“; Änderungen von Hand bleiben beim nächsten Import erhalten.\n")
    yaml.dump(data, buf)
    return buf.getvalue()


def chunk_redirects(entries: list[dict]) -> list[tuple[str, list[dict]]]:
    """Files ``plone-<section>[-n]``: one per top-level old section, split when large.

    Grouping by section keeps a change in one part of the old site inside one file's diff.
    """
    groups: dict[str, list[dict]] = {}
    for entry in entries:
        first = entry["von"][0].strip("/").split("/", 1)[0]
        groups.setdefault("plone-" + slug(first)[:60].strip("-"), []).append(entry)
    out = []
    for name, group in sorted(groups.items()):
        chunk: list[dict] = []
        count, n = 0, 1
        for entry in group:
            size = sum(len(s.encode("utf-8")) + 4 for s in entry["von"]) + len(entry["nach"].encode("utf-8")) + 16
            if chunk and count + size > REDIRECTS_FILE_BYTES:
                out.append((name if n == 1 else f"{name}-{n}", chunk))
                chunk, count, n = [], 0, n + 1
            chunk.append(entry)
            count += size
        out.append((name if n == 1 else f"{name}-{n}", chunk))
    return out


def dump_redirects(file_id: str, entries: list[dict]) -> str:
    head = ("# yaml-language-server: $schema=../../schemas/weiterleitungen.schema.json\n"
            "# Geschrieben von „lotse import plone“ aus dem Plone-Export; ein neuer Import aktualisiert die Datei,\n"
            "# solange niemand sie geändert hat. Eigene Weiterleitungen bitte in eine eigene Datei oder in\n"
            "# das Feld alte_adressen der Leistung, Lebenslage oder Stelle.\n")
    return head + _yaml({"id": file_id, "weiterleitungen": entries})


# --------------------------------------------------------------------------- state and writing


def load_state(data_dir: Path) -> dict:
    path = Path(data_dir) / STATE_FILE
    if not path.is_file():
        return {"version": 1, "dateien": {}}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": 1, "dateien": {}}
    return state if isinstance(state.get("dateien"), dict) else {"version": 1, "dateien": {}}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def apply(result: Result, data_dir: Path, docs_dir: Path, dry_run: bool) -> None:
    """Write what changed; never over a file someone edited after the last import."""
    roots = {"data": Path(data_dir), "docs": Path(docs_dir)}
    state = load_state(data_dir)
    known = state["dateien"]
    new_state: dict[str, dict] = {}
    wanted = set()
    for out in result.outputs:
        key = f"{out.root}:{out.rel}"
        wanted.add(key)
        path = roots[out.root] / out.rel
        digest = _sha(out.data)
        current = path.read_bytes() if path.is_file() else None
        before = known.get(key)
        if current is None:
            if before is not None:
                result.conflicts.append(f"{out.root}/{out.rel}: nach dem letzten Import gelöscht; nicht neu angelegt. Soll sie zurück, den Eintrag „{key}“ aus data/{STATE_FILE} entfernen.")
                new_state[key] = before
                continue
            result.written["neu"].append(f"{out.root}/{out.rel}")
        elif before is None:
            if _sha(current) == digest:
                result.written["unverändert"].append(f"{out.root}/{out.rel}")
                new_state[key] = {"sha256": digest, "uid": out.uid}
                continue
            result.conflicts.append(f"{out.root}/{out.rel}: gibt es schon und stammt nicht vom Import; nicht überschrieben.")
            continue
        elif _sha(current) != before.get("sha256"):
            if _sha(current) == digest:
                new_state[key] = {"sha256": digest, "uid": out.uid}
                result.written["unverändert"].append(f"{out.root}/{out.rel}")
                continue
            if before.get("sha256") == digest:
                # Changed by hand, unchanged in Plone: the editor's version simply stands.
                result.written["unverändert"].append(f"{out.root}/{out.rel}")
                new_state[key] = before
                continue
            result.conflicts.append(f"{out.root}/{out.rel}: nach dem letzten Import von Hand geändert; die neue Fassung aus Plone wurde nicht geschrieben. Bitte abgleichen (oder die Datei löschen und den Import wiederholen).")
            new_state[key] = before
            continue
        elif before.get("sha256") == digest:
            result.written["unverändert"].append(f"{out.root}/{out.rel}")
            new_state[key] = before
            continue
        else:
            result.written["geändert"].append(f"{out.root}/{out.rel}")
        if not dry_run:
            atomic_write(path, out.data)
        new_state[key] = {"sha256": digest, "uid": out.uid}
    for key, before in sorted(known.items()):
        if key in wanted:
            continue
        root, _, rel = key.partition(":")
        path = roots.get(root, Path("/nonexistent")) / rel
        if not path.is_file():
            new_state[key] = before  # deleted by hand: remembered, so the next import does not bring it back
            continue
        if _sha(path.read_bytes()) == before.get("sha256"):
            result.written["entfernt"].append(f"{root}/{rel}")
            if not dry_run:
                path.unlink()
        else:
            result.conflicts.append(f"{root}/{rel}: nicht mehr im Export, aber von Hand geändert; bleibt stehen. Bitte prüfen, ob sie noch gebraucht wird.")
            new_state[key] = before
    if not dry_run:
        body = json.dumps({"version": 1, "dateien": dict(sorted(new_state.items()))}, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        atomic_write(Path(data_dir) / STATE_FILE, body.encode("utf-8"))


# --------------------------------------------------------------------------- entry point


def run(export_path: Path, data_dir: Path, docs_dir: Path, zuordnung: Path | None = None, dry_run: bool = False,
        alle: bool = False, today: dt.date | None = None) -> Result:
    """Import a Plone export into ``data_dir`` and ``docs_dir``; see the module docstring."""
    from .reader import ExportError

    mapping = read_mapping(zuordnung)
    try:
        export = read_export(Path(export_path))
    except ExportError as exc:
        raise ImportProblem(str(exc)) from None
    imp = Importer(export, mapping, data_dir, docs_dir, alle=alle, today=today)
    imp.plan()
    imp.convert()
    outputs = imp.outputs()
    result = Result(export=export, plans=imp.plans, outputs=outputs, skipped=imp.skipped,
                    review=imp.review + export.warnings, unresolved=imp.unresolved,
                    translations=imp.translations, invalid=imp.invalid, redirects=imp.redirect_count)
    apply(result, data_dir, docs_dir, dry_run)
    if not dry_run:
        from lotse.validator import load

        _ds, problems = load(data_dir)
        result.problems = [str(p) for p in problems]
    return result


def report(result: Result, export_path: Path, dry_run: bool = False) -> str:
    """The German Markdown report."""
    counts: dict[tuple[str, str], int] = {}
    for plan in result.plans.values():
        if plan.absorbed_into is not None:
            key = (plan.item.type, "Standardseite (an der Adresse des Ordners)")
        else:
            key = (plan.item.type, ZIEL_LABELS.get(plan.ziel, plan.ziel))
        counts[key] = counts.get(key, 0) + 1
    lines = [
        "# Plone-Import: Bericht" + (" (Probelauf, nichts geschrieben)" if dry_run else ""),
        "",
        f"- Export: `{export_path}` ({result.export.form})",
        f"- Inhalte im Export: {len(result.export.items)}; übernommen: {len(result.plans)}",
        f"- Weiterleitungen in data/{WEITERLEITUNGEN_DIR}/: {result.redirects}",
        "- Dateien: " + ", ".join(f"{len(v)} {k}" for k, v in result.written.items()) + f", {len(result.conflicts)} Konflikt(e)",
        "",
        "## Übernommene Inhalte nach Typ",
        "",
        "| Plone-Typ | wird zu | Anzahl |",
        "|---|---|---:|",
    ]
    lines += [f"| {t} | {z} | {n} |" for (t, z), n in sorted(counts.items())]
    if result.skipped:
        lines += ["", "## Nicht übernommen", ""] + [f"- {why}: {n}" for why, n in sorted(result.skipped.items())]
    sections = (
        ("Konflikte (nicht überschrieben)", result.conflicts),
        ("Einträge, die die Prüfung nicht bestehen", result.invalid),
        ("Zur Prüfung", result.review),
        ("Nicht aufgelöste Links", result.unresolved),
        ("Übersetzungen", result.translations),
        ("Probleme in den Daten nach dem Import (lotse validate)", result.problems),
    )
    for title, entries in sections:
        lines += ["", f"## {title} ({len(entries)})", ""]
        lines += [f"- {e}" for e in sorted(set(entries))] or ["Keine."]
    lines.append("")
    return "\n".join(lines)


ZIEL_LABELS = {"seite": "Seite unter docs/", "leistung": "Leistung", "lebenslage": "Lebenslage", "amt": "Stelle",
               "datei": "Datei", "link": "Weiterleitung", "umgeleitet": "Weiterleitung (Übersetzung)", "auslassen": "nicht übernommen"}
