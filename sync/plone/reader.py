"""Read a Plone export, in either form, into one plain structure.

* plone.exportimport (Plone 6): a folder with ``content/<UID>/data.json`` per item, blobs beside
  it, ``content/__metadata__.json`` (default pages, ordering) and ``relations.json``,
  ``translations.json``, ``redirects.json`` at the top. ``@id`` is the path inside the site.
* collective.exportimport (Plone 4–6): ``@@export_content`` as ONE JSON list (or a folder of
  JSON files, one per item), ``@id`` a full URL with the site id
  (``http://localhost:8080/Plone/a/b``); beside it ``redirects.json`` (keys keep the site id),
  ``relations.json``, ``translations.json`` and ``defaultpages.json`` when exported.

Old paths are the public ones: host and site id are stripped (``/Plone/a/b`` -> ``/a/b``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Fields whose value is a file in the export (Image.image, File.file, a lead image on a page).
BLOB_FIELDS = ("image", "file", "preview_image")


class ExportError(Exception):
    """The export cannot be read (German message for the editor)."""


@dataclass
class Blob:
    field: str
    filename: str
    content_type: str
    source: Path | None = None  # file in the export
    data: bytes | None = None  # inline (base64 in collective.exportimport)

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        return self.source.read_bytes()


@dataclass
class Item:
    uid: str
    path: str  # old public path, "/a/b"
    type: str
    id: str
    title: str
    description: str
    review_state: str | None
    language: str | None
    modified: str | None
    effective: str | None
    parent_uid: str | None
    raw: dict
    blobs: list[Blob] = field(default_factory=list)
    position: int | None = None

    @property
    def parent_path(self) -> str:
        return self.path.rsplit("/", 1)[0] or "/"


@dataclass
class Export:
    form: str  # "plone.exportimport" or "collective.exportimport"
    items: dict[str, Item]  # by UID, in path order
    redirects: dict[str, str]  # old path -> old path (site id stripped)
    relations: list[tuple[str, str, str]]  # (from UID, to UID, attribute)
    translations: list[dict[str, str]]  # {language: UID}
    default_pages: dict[str, str]  # folder UID -> page UID
    site_prefix: str  # "/Plone" or ""
    base_url: str  # "http://localhost:8080/Plone" or ""
    warnings: list[str] = field(default_factory=list)

    def by_path(self) -> dict[str, Item]:
        return {item.path: item for item in self.items.values()}


def _json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: Datei fehlt.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{path}: kein gültiges JSON ({exc}).") from None


def _optional_json(path: Path, default):
    return _json(path) if path.is_file() else default


def read_export(path: Path) -> Export:
    """Read either export form; raise :class:`ExportError` with a German message."""
    path = Path(path)
    if not path.exists():
        raise ExportError(f"{path}: den Export gibt es nicht. Bitte den Ordner von plone.exportimport oder die JSON-Datei von collective.exportimport angeben.")
    if path.is_dir() and (path / "content" / "__metadata__.json").is_file():
        return _read_tree(path)
    if path.is_file():
        data = _json(path)
        if not isinstance(data, list):
            raise ExportError(f"{path}: erwartet eine JSON-Liste von Inhalten (@@export_content von collective.exportimport).")
        return _read_list(data, path.parent)
    if path.is_dir():
        items = []
        for file in sorted(path.glob("*.json")):
            if file.name in SIDE_FILES:
                continue
            data = _json(file)
            items.extend(data if isinstance(data, list) else [data])
        if items:
            return _read_list(items, path)
    raise ExportError(f"{path}: weder ein Export von plone.exportimport (content/__metadata__.json fehlt) noch von collective.exportimport (JSON-Liste).")


SIDE_FILES = {"redirects.json", "relations.json", "translations.json", "defaultpages.json", "principals.json",
              "discussions.json", "portlets.json", "localroles.json", "members.json", "ordering.json"}


def _date(value) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 and value[4] == "-" else None


def _blobs(raw: dict, roots: list[Path], where: str, warnings: list[str]) -> list[Blob]:
    out = []
    for name in BLOB_FIELDS:
        value = raw.get(name)
        if not isinstance(value, dict):
            continue
        filename = value.get("filename") or name
        ctype = value.get("content-type") or value.get("content_type") or "application/octet-stream"
        if value.get("blob_path"):
            found = next((root / value["blob_path"] for root in roots if (root / value["blob_path"]).is_file()), None)
            if found is None:
                warnings.append(f"{where}: Datei „{value['blob_path']}“ fehlt im Export.")
                continue
            out.append(Blob(name, filename, ctype, source=found))
        elif isinstance(value.get("data"), str):
            try:
                data = base64.b64decode(value["data"], validate=False) if value.get("encoding") == "base64" else value["data"].encode("utf-8")
            except ValueError:
                warnings.append(f"{where}: eingebettete Datei „{filename}“ ist kein gültiges base64.")
                continue
            out.append(Blob(name, filename, ctype, data=data))
    return out


def _item(raw: dict, path: str, parent_uid: str | None, roots: list[Path], warnings: list[str]) -> Item | None:
    uid = raw.get("UID")
    if not isinstance(uid, str) or not uid:
        warnings.append(f"{path}: Inhalt ohne UID übergangen.")
        return None
    language = raw.get("language")
    if isinstance(language, dict):  # plone.restapi serialises vocabulary terms as {token, title}
        language = language.get("token")
    if language in ("##DEFAULT##", ""):
        language = None
    state = raw.get("review_state")
    return Item(
        uid=uid, path=path, type=str(raw.get("@type") or "Document"), id=str(raw.get("id") or path.rsplit("/", 1)[-1]),
        title=str(raw.get("title") or raw.get("id") or path), description=str(raw.get("description") or ""),
        review_state=state if isinstance(state, str) and state else None, language=language,
        modified=_date(raw.get("modified")), effective=_date(raw.get("effective")), parent_uid=parent_uid, raw=raw,
        blobs=_blobs(raw, roots, path, warnings),
    )


def _norm_path(path: str) -> str:
    path = unquote(path)
    while len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path or "/"


def _read_tree(root: Path) -> Export:
    content = root / "content"
    meta = _json(content / "__metadata__.json")
    warnings: list[str] = []
    items: dict[str, Item] = {}
    files = meta.get("_data_files_") or sorted(p.relative_to(content).as_posix() for p in content.glob("*/data.json"))
    ordering = meta.get("ordering") or {}
    for rel in files:
        if rel.startswith("plone_site_root/"):
            continue  # the site root: the new site has its own start page
        raw = _json(content / rel)
        at_id = raw.get("@id")
        if not isinstance(at_id, str) or not at_id.startswith("/") or at_id == "/":
            warnings.append(f"content/{rel}: @id „{at_id}“ ist kein Pfad; übergangen.")
            continue
        parent = raw.get("parent") if isinstance(raw.get("parent"), dict) else {}
        item = _item(raw, _norm_path(at_id), parent.get("UID"), [content, root], warnings)
        if item:
            item.position = ordering.get(item.uid) if isinstance(ordering.get(item.uid), int) else None
            items[item.uid] = item
    default_pages = {}
    for folder, value in (meta.get("default_page") or {}).items():
        if isinstance(value, dict) and value.get("default_page_uuid"):
            default_pages[folder] = value["default_page_uuid"]
        elif isinstance(value, dict) and value.get("default_page"):
            default_pages[folder] = value["default_page"]  # an id; resolved below
    return _finish(Export(
        form="plone.exportimport", items=items,
        redirects=_redirects(_optional_json(root / "redirects.json", {}), ""),
        relations=_relations(_optional_json(root / "relations.json", [])),
        translations=_translations(_optional_json(root / "translations.json", [])),
        default_pages=default_pages, site_prefix="", base_url="", warnings=warnings,
    ))


def _read_list(data: list, folder: Path) -> Export:
    warnings: list[str] = []
    urls = [d["@id"] for d in data if isinstance(d, dict) and isinstance(d.get("@id"), str)]
    if not urls:
        raise ExportError(f"{folder}: der Export enthält keine Inhalte mit @id.")
    base_url, prefix = _site_root(data)
    items: dict[str, Item] = {}
    for raw in data:
        if not isinstance(raw, dict) or not isinstance(raw.get("@id"), str):
            continue
        path = _strip(raw["@id"], prefix)
        if path == "/":
            continue
        parent = raw.get("parent") if isinstance(raw.get("parent"), dict) else {}
        item = _item(raw, path, parent.get("UID"), [folder, folder / "blobs"], warnings)
        if item:
            pos = raw.get("exportimport.position") or raw.get("position_in_parent")
            item.position = pos if isinstance(pos, int) else None
            items[item.uid] = item
    # @@export_ordering: [{"uuid": UID, "order": n}] (position in the parent folder)
    for entry in _optional_json(folder / "ordering.json", []):
        if isinstance(entry, dict) and entry.get("uuid") in items and isinstance(entry.get("order"), int):
            items[entry["uuid"]].position = entry["order"]
    default_pages = {}
    for raw in data:
        if isinstance(raw, dict) and isinstance(raw.get("default_page"), str) and raw.get("UID"):
            default_pages[raw["UID"]] = raw["default_page"]
    for entry in _optional_json(folder / "defaultpages.json", []):
        if isinstance(entry, dict) and entry.get("uuid") and entry.get("default_page"):
            default_pages[entry["uuid"]] = entry["default_page"]
    return _finish(Export(
        form="collective.exportimport", items=items,
        redirects=_redirects(_optional_json(folder / "redirects.json", {}), prefix),
        relations=_relations(_optional_json(folder / "relations.json", [])),
        translations=_translations(_optional_json(folder / "translations.json", [])),
        default_pages=default_pages, site_prefix=prefix, base_url=base_url, warnings=warnings,
    ))


def _site_root(data: list) -> tuple[str, str]:
    """(site URL, site path) from the items: the parent of the top-level items is the site."""
    paths = {}
    for raw in data:
        if isinstance(raw, dict) and isinstance(raw.get("@id"), str):
            parts = urlsplit(raw["@id"])
            paths[parts.path.rstrip("/")] = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
    candidates = []
    for raw in data:
        parent = raw.get("parent") if isinstance(raw, dict) else None
        if isinstance(parent, dict) and isinstance(parent.get("@id"), str):
            p = urlsplit(parent["@id"])
            if p.path.rstrip("/") not in paths:
                candidates.append((len(p.path.rstrip("/")), p.path.rstrip("/"), f"{p.scheme}://{p.netloc}" if p.scheme else ""))
    if candidates:
        _, prefix, host = min(candidates)
        return host + prefix, prefix
    # No parent data: the common first segment of all paths is the site id.
    firsts = {p.split("/")[1] if p.count("/") >= 1 and len(p) > 1 else "" for p in paths}
    if len(firsts) == 1 and all(p.count("/") >= 2 for p in paths):
        prefix = "/" + firsts.pop()
        host = next(iter(paths.values()))
        return host + prefix, prefix
    return "", ""


def _strip(url: str, prefix: str) -> str:
    path = urlsplit(url).path if "://" in url else url
    path = _norm_path(path)
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    return path


def _redirects(data, prefix: str) -> dict[str, str]:
    out = {}
    if isinstance(data, dict):
        for old, new in data.items():
            if isinstance(old, str) and isinstance(new, str):
                out[_strip(old, prefix)] = _strip(new, prefix)
    return out


def _relations(data) -> list[tuple[str, str, str]]:
    out = []
    for entry in data if isinstance(data, list) else []:
        if isinstance(entry, dict) and entry.get("from_uuid") and entry.get("to_uuid"):
            out.append((entry["from_uuid"], entry["to_uuid"], entry.get("from_attribute") or entry.get("relationship") or "relatedItems"))
    return out


def _translations(data) -> list[dict[str, str]]:
    out = []
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        group = entry.get("translations") if isinstance(entry.get("translations"), dict) else entry
        group = {k: v for k, v in group.items() if isinstance(k, str) and len(k) <= 5 and isinstance(v, str)}
        if len(group) > 1:
            out.append(group)
    return out


def _finish(export: Export) -> Export:
    """Sort items by path and turn default-page ids into UIDs."""
    export.items = dict(sorted(export.items.items(), key=lambda kv: kv[1].path))
    by_path = export.by_path()
    resolved = {}
    for folder_uid, page in export.default_pages.items():
        folder = export.items.get(folder_uid)
        if page in export.items:
            resolved[folder_uid] = page
        elif folder is not None and (folder.path.rstrip("/") + "/" + page) in by_path:
            resolved[folder_uid] = by_path[folder.path.rstrip("/") + "/" + page].uid
        else:
            export.warnings.append(f"Standardseite „{page}“ von {folder.path if folder else folder_uid} fehlt im Export.")
    export.default_pages = resolved
    for item in export.items.values():
        if item.parent_uid is None or item.parent_uid not in export.items:
            parent = by_path.get(item.parent_path)
            item.parent_uid = parent.uid if parent else None
    return export
