"""``lotse sync pvog``: one run, from the catalogue to the written files and the summary.

Bookkeeping in the one state file (``sync-state.json``), per ARS and record::

    {"pvog": {"147130000000": {"wohnsitz-anmelden": {"id_lb": "B100019.LB.574711",
                                                     "updatedatum": "20.01.2025 00:48"}}}}

A description is fetched only when its catalogue ``Updatedatum`` differs from the
remembered one, the record is matched to another ID-LB, or its file in data/pvog/
is missing. A second run against an unchanged source fetches nothing and writes
nothing. Every fault raises :class:`~sync.SyncError` before the first write.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from pathlib import Path

import click
import yaml

from lotse.dataset import COLLECTIONS

from . import SyncError
from .cli import Progress, emit, finish, md, valid_start
from .http import Budget, Fetcher
from .pvog import (DEFAULT_SOURCE_TITLE, MAX_DETAIL_BYTES, WHAT, Catalogue, Detail, Match, fetch_catalogue, fetch_details, id_lb_key, match,
                   render)
from .state import load_state, render_state, state_path
from .writer import RecordWriter

SOURCE = "pvog"
FOLDER = "pvog"


def run_pvog(data_dir, ars, api_url, neue, dry_run, timeout, retries, zeitlimit, summary_file) -> None:
    started = time.monotonic()
    # data/pvog/ is this sync's own output: it is not read back (for 6,000 services that would
    # cost seconds every night); which description a record has comes from the state file.
    dataset, ars = valid_start(data_dir, ars, collections=[c for c in COLLECTIONS if c.kind != "pvog"])
    settings = dataset.settings.get("pvog") or {}
    api_url = api_url or settings.get("api_url")
    if not api_url:
        raise SyncError(
            f"{Path(data_dir) / 'lotse.yml'}: die Adresse des PVOG-Suchdienstes fehlt. Bitte „pvog: api_url: …“ "
            "eintragen oder --api-url angeben."
        )
    source_title = settings.get("quelle") or DEFAULT_SOURCE_TITLE
    # The budget starts here, not at process start: loading the data is not the source's time.
    budget = Budget(zeitlimit)
    fetcher = Fetcher(WHAT, budget, timeout=timeout, retries=retries)
    # A description is a few kB; a multi-megabyte one is a broken or hostile answer.
    detail_fetcher = Fetcher(WHAT, budget, timeout=timeout, retries=retries, max_response_bytes=MAX_DETAIL_BYTES)

    click.echo("Katalog des Leistungsverzeichnisses abrufen …", err=True)
    catalogue = fetch_catalogue(api_url, ars, fetcher)
    click.echo(f"  {catalogue.rows} Zeilen, {len(catalogue.services)} Leistungen", err=True)

    state_file = state_path(data_dir)
    state = load_state(state_file)
    old_section = ((state.get(SOURCE) or {}).get(ars) or {}) if isinstance(state.get(SOURCE), dict) else {}
    remembered = {sid: v.get("id_lb") for sid, v in old_section.items() if isinstance(v, dict)}
    records = {sid: doc.data for sid, doc in dataset.leistungen.items()}
    matches, unmatched = match(records, catalogue, remembered)

    to_fetch: list[Match] = []
    for m in matches:
        prev = old_section.get(m.service_id) if isinstance(old_section.get(m.service_id), dict) else {}
        if (prev.get("id_lb") != m.id_lb or prev.get("updatedatum") != catalogue.services[m.id_lb].updatedatum
                or not (Path(data_dir) / FOLDER / f"{m.service_id}.yml").is_file()):
            to_fetch.append(m)

    new_ids: list[str] = []
    if neue:
        taken = {m.id_lb for m in matches}
        keys = {d.get("leika") for d in records.values() if isinstance(d.get("leika"), str)}
        new_ids = [i for i in sorted(catalogue.services, key=id_lb_key)
                   if i not in taken and (catalogue.services[i].leika is None or catalogue.services[i].leika not in keys)]
        # Two catalogue services with one key: the first gets the key, as in matching.
    wanted = sorted({m.id_lb for m in to_fetch} | set(new_ids), key=id_lb_key)
    today = dt.date.today().isoformat()
    new_section: dict = {}
    changed: list[tuple[str, str]] = []  # (service id, note)
    created: list[tuple[str, str]] = []
    fetched = {m.id_lb: m for m in to_fetch}
    with RecordWriter(data_dir) as writer:

        def stage(id_lb: str, detail: Detail) -> None:
            # Called for each description as it arrives, while the next ones are still on the wire.
            m = fetched.get(id_lb)
            if m is None:
                return  # a new service (--neue): its id is given below, in a fixed order
            path = Path(data_dir) / FOLDER / f"{m.service_id}.yml"
            if writer.stage_document(path, render(m.service_id, detail.content), "pvog"):
                was = "neu" if not path.exists() else "aktualisiert"
                changed.append((m.service_id, f"{m.id_lb} ({'über LeiKa-Schlüssel' if m.how == 'leika' else 'gemerkte ID-LB'}), {was}, Stand {detail.content['stand']}"))
            detail.content = {}  # staged; the summary needs only the counts

        details: dict[str, Detail] = {}
        if wanted:
            bar = Progress("Beschreibungen abrufen", len(wanted))
            details = fetch_details(api_url, ars, wanted, detail_fetcher,
                                    names={i: catalogue.services[i].title for i in wanted}, source_title=source_title,
                                    progress=lambda n: bar.update(n), on_detail=stage)
            bar.done(f"{len(details)} Beschreibung(en)")
        changed.sort()
        for m in matches:
            new_section[m.service_id] = {"id_lb": m.id_lb, "updatedatum": catalogue.services[m.id_lb].updatedatum}
        if neue:
            used_ids = set(records)
            used_keys = {d.get("leika") for d in records.values() if isinstance(d.get("leika"), str)}
            for id_lb in new_ids:
                entry = catalogue.services[id_lb]
                detail = details[id_lb]
                sid = _free_id(_slug(detail.content["name"] or entry.title), used_ids)
                used_ids.add(sid)
                leika = entry.leika if entry.leika and entry.leika not in used_keys else None
                if leika:
                    used_keys.add(leika)
                writer.stage_document(Path(data_dir) / "services" / f"{sid}.yml",
                                      new_record(sid, detail, leika, today, source_title), "leistung")
                writer.stage_document(Path(data_dir) / FOLDER / f"{sid}.yml", render(sid, detail.content), "pvog")
                new_section[sid] = {"id_lb": id_lb, "updatedatum": entry.updatedatum}
                created.append((sid, f"{id_lb} „{md(detail.content['name'])}“" + (f", LeiKa {leika}" if leika else ", ohne LeiKa-Schlüssel")))
        new_state = {**state, SOURCE: {**(state.get(SOURCE) or {}), ars: new_section}}
        writer.stage_text(state_file, render_state(new_state))
        written = finish(writer, dataset, dry_run)
        text = summary(ars, api_url, catalogue, records, matches, unmatched, to_fetch, details, changed, created,
                       dataset, writer, written, dry_run, time.monotonic() - started)
    emit(text, summary_file)


# --------------------------------------------------------------------------- new records


def _slug(name: str) -> str:
    text = name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = text[:72].rstrip("-")
    return text or "leistung"


def _free_id(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def _plain_markdown(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_#>`]+", "", text)
    text = re.sub(r"^\s*[-+]\s+", "", text, flags=re.M)
    return re.sub(r"\s+", " ", text).strip()


def short_description(detail: Detail, source_title: str) -> str:
    """One or two sentences (≤ 300 characters) from the Kurzinfo or the description."""
    modules = detail.content.get("module") or {}
    for key in ("kurzinfo", "beschreibung"):
        text = _plain_markdown((modules.get(key) or {}).get("text", ""))
        if len(text) >= 10:
            if len(text) <= 300:
                return text
            cut = text[:300]
            end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
            if end >= 40:
                return cut[: end + 1]
            return cut[:299].rsplit(" ", 1)[0] + "…"
    return f"{detail.content['name']}: Beschreibung im {source_title}."[:300]


NEW_HEADER = (
    "# Von „lotse sync pvog --neue“ aus dem Leistungsverzeichnis angelegt, noch nicht von der Stadt geprüft.\n"
    "# Bitte prüfen und ergänzen (zuständige Stelle, Wege, Zielgruppe), dann „geprueft: true“ setzen.\n"
)


def new_record(sid: str, detail: Detail, leika: str | None, today: str, source_title: str) -> str:
    record: dict = {"id": sid, "name": detail.content["name"][:160]}
    if len(record["name"]) < 3:
        record["name"] = (record["name"] + " (Leistung)")[:160]
    if leika:
        record["leika"] = leika
    record["kurzbeschreibung"] = short_description(detail, source_title)
    record["herkunft"] = "pvog"
    record["geprueft"] = False
    record["stand"] = today
    record["quelle"] = [{"titel": f"{source_title}, {detail.id_lb}", "stand": detail.content["stand"]}]
    return NEW_HEADER + yaml.safe_dump(record, allow_unicode=True, sort_keys=False, width=100_000)


# --------------------------------------------------------------------------- summary


def summary(ars, api_url, catalogue: Catalogue, records, matches, unmatched, to_fetch, details, changed, created,
            dataset, writer, written, dry_run, seconds) -> str:
    rel = writer.relative
    with_key = sum(1 for d in records.values() if isinstance(d.get("leika"), str))
    lines = [f"## Abgleich mit dem Leistungsverzeichnis (PVOG, ARS {ars})", ""]
    lines.append(f"- Quelle: {md(api_url)} – {catalogue.rows} Zeilen, {len(catalogue.services)} Leistungen"
                 + (f", {catalogue.skipped} Zeilen ohne gültige ID-LB übersprungen" if catalogue.skipped else "") + ".")
    lines.append(f"- Verzeichnis: {len(records)} Leistungen, {with_key} mit LeiKa-Schlüssel; zugeordnet: {len(matches)} "
                 f"({sum(1 for m in matches if m.how == 'gemerkt')} über die gemerkte ID-LB).")
    lines.append(f"- Beschreibungen abgerufen: {len(details)} (geändert oder neu); unverändert: {len(matches) - len(to_fetch)}.")
    lines.append(f"- Geänderte Texte: {len(changed)}; neue Einträge: {len(created)}.")
    lines.append("- Probelauf (--dry-run): nichts geschrieben." if dry_run else f"- Geschriebene Dateien: {len(written)}.")
    lines.append(f"- Dauer: {seconds:.1f} s.")
    if changed:
        lines += ["", f"### Texte aktualisiert ({len(changed)})", ""] + [f"- `{sid}`: {note}" for sid, note in changed]
    if created:
        lines += ["", f"### Neu angelegt, noch nicht geprüft ({len(created)})", "",
                  "Bitte prüfen (Seite „Zu prüfen“ unter /mitmachen/pruefen/) und „geprueft: true“ setzen.", ""]
        lines += [f"- `{sid}`: {note}" for sid, note in created]
    ambiguous = [m for m in matches if m.others]
    if ambiguous:
        lines += ["", f"### Mehrere Beschreibungen für einen LeiKa-Schlüssel ({len(ambiguous)})", "",
                  "Genommen wird die gemerkte ID-LB, sonst die kleinste (Präfix, dann Nummer); die anderen bleiben unbenutzt.", ""]
        for m in ambiguous:
            lines.append(f"- `{m.service_id}`: {m.id_lb} genommen, nicht: {', '.join(m.others)}")
    if unmatched:
        lines += ["", f"### Ohne Beschreibung im Leistungsverzeichnis ({len(unmatched)})", ""]
        for sid in unmatched:
            has = " (Datei in pvog/ bleibt, bis sie gelöscht wird)" if (Path(dataset.root) / FOLDER / f"{sid}.yml").is_file() else ""
            lines.append(f"- `{sid}` (LeiKa {records[sid].get('leika') or '–'}){has}")
    unknown: dict[str, int] = {}
    placeholders = 0
    # Everything below that came from the source is made inert (sync.cli.md): the summary
    # becomes the pull request's text.
    hints = [md(w) for w in catalogue.warnings]
    for d in details.values():
        for code, n in d.unknown_codes.items():
            unknown[code] = unknown.get(code, 0) + n
        placeholders += d.placeholders
        hints += [f"{d.id_lb}: {md(note)}" for note in d.dropped]
    if unknown:
        hints.append("Unbekannte Modul-Codes (nicht übernommen): " + ", ".join(f"{md(c)} ({n}×)" for c, n in sorted(unknown.items())) + ".")
    if placeholders:
        hints.append(f"{placeholders} leere oder Platzhalter-Module nicht übernommen.")
    if hints:
        lines += ["", "### Hinweise", ""] + [f"- {h}" for h in hints[:200]]
    if written:
        lines += ["", f"### Geschriebene Dateien ({len(written)})", ""] + [f"- {rel(p)}" for p in written]
    return "\n".join(lines) + "\n"
