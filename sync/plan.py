"""What a sync run changes: compare a source's entries with the records.

Source-independent: it sees :class:`~sync.Entry` objects (LeiKa key, URL,
status, OZG service) and the records as the validator loaded them.

Which fields the sync owns (nothing else is ever written):

* in the record's online channel for that service: ``url``, ``typ`` and
  ``online_status``;
* the record's ``ozg`` (``id`` and ``name``);
* ``digitalisierung``, only from ``analog`` to ``digital`` and only when the
  sync adds the first online channel (the validator requires that consistency).

Which channel is "the online channel" of an entry, in this order:

1. an online channel (amt24, formular, efa, portal) whose ``url`` is the entry's
   URL; its ``typ`` is corrected if the host table names the host explicitly;
2. else a channel of the type the host table gives for the URL whose own URL is
   missing or points at the same service (same host table entry, or the same
   host for unknown hosts): its ``url`` is updated;
3. else a new channel ``{typ, bezeichnung, url, online_status}`` is appended at
   the end of ``kanaele`` (labels from the host table). Channels the editors
   wrote are never removed; one the source stops listing is flagged instead.

Records are matched by ``leika``; records without a key are not touched.
Entries whose key no record has are listed as candidates, not created.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lotse.dataset import ONLINE_TYPES
from lotse.yamlload import Document

from . import Entry
from .hosts import HostTable
from .state import missing_since, seen_since, update_section
from .writer import Op, apply_plain


@dataclass
class ServiceChange:
    service_id: str
    path: Path
    data: dict  # as loaded, before the change
    ops: list[Op]
    notes: list[str]  # German, one per change, for the summary


@dataclass
class Candidate:
    entry: Entry
    seit: str | None


@dataclass
class Flag:
    service_id: str
    url: str
    label: str
    fehlt_seit: str


@dataclass
class Plan:
    changes: list[ServiceChange] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    flagged: list[Flag] = field(default_factory=list)
    state: dict = field(default_factory=dict)  # new state section
    records: int = 0
    with_leika: int = 0
    matched: int = 0
    unknown_hosts: Counter = field(default_factory=Counter)


def make_plan(entries: list[Entry], records: dict[str, Document], hosts: HostTable, old_state: dict, today: str) -> Plan:
    plan = Plan(records=len(records))
    by_leika = {e.leika: e for e in entries}
    known_leika = set()
    linked: set[tuple[str, str]] = set()
    after: dict[str, dict] = {}  # records with a LeiKa key, as they will be after this run
    for sid in sorted(records):
        doc = records[sid]
        leika = doc.data.get("leika")
        if not isinstance(leika, str) or not isinstance(doc.data.get("kanaele"), list):
            continue  # no key to match by (or a broken record, which the validator reports)
        plan.with_leika += 1
        known_leika.add(leika)
        data = doc.data
        entry = by_leika.get(leika)
        if entry is not None:
            plan.matched += 1
            ops, notes = _service_ops(data, entry, hosts)
            if ops:
                plan.changes.append(ServiceChange(sid, Path(doc.path), data, ops, notes))
                data = apply_plain(data, ops)
        after[sid] = data
        for kanal in data.get("kanaele") or []:
            if isinstance(kanal, dict) and kanal.get("typ") in ONLINE_TYPES and isinstance(kanal.get("url"), str):
                linked.add((leika, kanal["url"]))
    plan.state = update_section(old_state, entries, linked, today)
    gone = missing_since(plan.state)
    since = seen_since(plan.state)
    for sid, data in after.items():
        leika = data["leika"]
        for kanal in data["kanaele"]:
            if isinstance(kanal, dict) and (leika, kanal.get("url")) in gone:
                plan.flagged.append(Flag(sid, kanal["url"], kanal.get("bezeichnung", ""), gone[(leika, kanal["url"])]))
    for entry in entries:
        if entry.leika not in known_leika:
            plan.candidates.append(Candidate(entry, since.get((entry.leika, entry.url))))
        if hosts.classify(entry.url).host is None:
            plan.unknown_hosts[_host(entry.url)] += 1
    return plan


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _same_service(hosts: HostTable, a: str, b: str) -> bool:
    rule_a, rule_b = hosts.classify(a), hosts.classify(b)
    if rule_b.host is not None:
        return rule_a.host == rule_b.host
    return _host(a) == _host(b)


def _service_ops(data: dict, entry: Entry, hosts: HostTable) -> tuple[list[Op], list[str]]:
    ops: list[Op] = []
    notes: list[str] = []
    rule = hosts.classify(entry.url)
    kanaele = [k if isinstance(k, dict) else {} for k in data.get("kanaele") or []]
    index = next((i for i, k in enumerate(kanaele) if k.get("typ") in ONLINE_TYPES and k.get("url") == entry.url), None)
    if index is None:
        index = next(
            (i for i, k in enumerate(kanaele)
             if k.get("typ") == rule.typ and (not k.get("url") or _same_service(hosts, k["url"], entry.url))),
            None,
        )
    if index is None:
        channel = {"typ": rule.typ, "bezeichnung": rule.bezeichnung, "url": entry.url, "online_status": entry.online_status}
        ops.append(Op("append", ("kanaele",), channel))
        notes.append(f"neuer Online-Kanal {rule.typ} „{rule.bezeichnung}“: {entry.url} (Status {entry.online_status})")
        if data.get("digitalisierung") == "analog":
            ops.append(Op("set", ("digitalisierung",), "digital"))
            notes.append("Digitalisierungsgrad analog → digital (erster Online-Kanal)")
    else:
        kanal = kanaele[index]
        label = f"Kanal {index + 1} „{kanal.get('bezeichnung', '')}“"
        if kanal.get("url") != entry.url:
            ops.append(Op("set", ("kanaele", index, "url"), entry.url))
            old = kanal.get("url")
            notes.append(f"{label}: Adresse {old} → {entry.url}" if old else f"{label}: Adresse ergänzt {entry.url}")
        if rule.host is not None and kanal.get("typ") != rule.typ:
            ops.append(Op("set", ("kanaele", index, "typ"), rule.typ))
            notes.append(f"{label}: Typ {kanal.get('typ')} → {rule.typ} (laut Host-Tabelle)")
        if kanal.get("online_status") != entry.online_status:
            ops.append(Op("set", ("kanaele", index, "online_status"), entry.online_status))
            old = kanal.get("online_status")
            notes.append(f"{label}: Online-Status {old} → {entry.online_status}" if old else f"{label}: Online-Status {entry.online_status}")
    if entry.ozg_id:
        ozg = data.get("ozg")
        if not isinstance(ozg, dict):
            value = {"id": entry.ozg_id}
            if entry.ozg_name:
                value["name"] = entry.ozg_name
            ops.append(Op("set", ("ozg",), value))
            notes.append(f"OZG-Leistung {entry.ozg_id}" + (f" „{entry.ozg_name}“" if entry.ozg_name else "") + " eingetragen")
        else:
            if ozg.get("id") != entry.ozg_id:
                ops.append(Op("set", ("ozg", "id"), entry.ozg_id))
                notes.append(f"OZG-ID {ozg.get('id')} → {entry.ozg_id}")
            if entry.ozg_name and ozg.get("name") != entry.ozg_name:
                ops.append(Op("set", ("ozg", "name"), entry.ozg_name))
                notes.append(f"OZG-Bezeichnung „{ozg.get('name', '')}“ → „{entry.ozg_name}“")
            elif not entry.ozg_name and ozg.get("id") != entry.ozg_id and "name" in ozg:
                # The old name belongs to the old id; a wrong name is worse than none.
                ops.append(Op("delete", ("ozg", "name")))
                notes.append(f"OZG-Bezeichnung „{ozg['name']}“ entfernt (gehörte zur alten OZG-ID)")
    return ops, notes
