"""The shipped data/ folder: every file validates, and the dataset meets issue 2, item 5.

The file list is built when pytest collects, so each file is its own test and a
failure names it: ``test_file_validates[services/wohnsitz-anmelden.yml]``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import pytest

from lotse.dataset import COLLECTIONS, TOOL_FILES
from lotse.validator import IGNORED_FILES, load

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FACTS = ROOT.parent / "shared" / "facts"  # only beside the development checkout
CATALOGUE = ROOT / "benchmarks" / "ozg-katalog-2019" / "leika-leistungen.tsv"


def _data_files() -> list[str]:
    if not DATA.is_dir():
        return []
    return sorted(
        p.relative_to(DATA).as_posix()
        for p in DATA.rglob("*")
        if p.is_file() and p.name not in IGNORED_FILES and p.relative_to(DATA).as_posix() not in TOOL_FILES and not any(part.startswith(".") for part in p.relative_to(DATA).parts)
    )


@lru_cache(maxsize=1)
def _collection_files() -> frozenset[str]:
    """Files the validator reads (or, in a record folder, reports when they are not .yml)."""
    out = set()
    for coll in COLLECTIONS:
        if coll.file:
            out.add(coll.file)
        else:
            out.update(f for f in _data_files() if f.startswith(coll.folder + "/"))
    return frozenset(out)


@lru_cache(maxsize=1)
def _loaded():
    return load(DATA)


@lru_cache(maxsize=1)
def _problems_by_file() -> dict[str, list[str]]:
    by_file: dict[str, list[str]] = {}
    for problem in _loaded()[1]:
        path = Path(problem.path)
        rel = path.relative_to(DATA).as_posix() if path.is_relative_to(DATA) else problem.path
        by_file.setdefault(rel, []).append(str(problem))
    return by_file


def test_data_folder_exists():
    assert DATA.is_dir() and _data_files(), "data/ is missing or empty"


@pytest.mark.parametrize("rel", _data_files())
def test_file_validates(rel):
    assert rel in _collection_files(), f"data/{rel} is read by no Collection in lotse/dataset.py, so nothing checks it"
    assert _problems_by_file().get(rel, []) == []


def test_no_problems_outside_the_files():
    """Problems not tied to a shipped file, such as a missing folder or lotse.yml."""
    files = set(_data_files())
    assert {rel: lines for rel, lines in _problems_by_file().items() if rel not in files} == {}


# --------------------------------------------------------------------------- item 5: the real dataset


def test_at_least_150_services_and_12_lebenslagen():
    ds, _ = _loaded()
    assert len(ds.leistungen) >= 150
    assert len(ds.lebenslagen) >= 12


def test_every_record_has_stand_and_quelle():
    ds, _ = _loaded()
    missing = [
        f"{doc.path}: {field}"
        for bucket in (ds.leistungen, ds.lebenslagen, ds.aemter)
        for doc in bucket.values()
        for field in ("stand", "quelle")
        if not doc.data.get(field)
    ]
    assert missing == []
    assert ds.config is not None and ds.config.data.get("stand")


def test_elternexpress_has_seven_services_from_four_providers():
    """Seed: one envelope, seven services, four providers - the city (Standesamt, Amt
    Bürgerservice, Amt für Jugend und Familie), the Familienkasse, the tax
    administration and the health insurers. City offices count as one provider."""
    ds, _ = _loaded()
    matches = [
        doc for doc in ds.lebenslagen.values()
        if "Elternexpress" in doc.data.get("titel", "") or "Elternexpress" in (doc.data.get("buendel") or {}).get("bezeichnung", "")
    ]
    assert len(matches) == 1, "exactly one Lebenslage is the Elternexpress"
    data = matches[0].data
    services = list(dict.fromkeys(sid for step in data["schritte"] for sid in step["leistungen"]))
    assert len(services) == 7, services
    providers = set()
    for sid in services:
        office = ds.leistungen[sid].data["zustaendig"]
        providers.add("stadt" if ds.is_city(office) else office)
    assert len(providers) == 4, providers
    buendel = data.get("buendel") or {}
    assert buendel.get("status") == "produktiv"
    # The seed only says "planned for autumn 2023": "produktiv" needs a named, dated source of its own.
    assert any(q.get("url") and q.get("stand") and "Elternexpress" in q["titel"] for q in data["quelle"])


@pytest.mark.skipif(not (FACTS / "leika.tsv").is_file(), reason="needs ../shared/facts/ beside the checkout")
def test_leika_keys_come_from_the_facts():
    """A LeiKa key that appears in none of the fact files must not be used in data/."""
    known = set()
    for path in (FACTS / "leika.tsv", CATALOGUE):
        with path.open(encoding="utf-8", newline="") as handle:
            known |= {row[0] for row in csv.reader(handle, delimiter="\t")}
    ds, _ = _loaded()
    unknown = {doc.path: doc.data["leika"] for doc in ds.leistungen.values() if "leika" in doc.data and doc.data["leika"] not in known}
    assert unknown == {}
