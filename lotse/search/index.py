"""Search documents and the prebuilt lunr index.

Only what people search for goes into the index (name, synonyms, colloquial
words, compound parts, neighbouring word pairs, LeiKa key, keywords, short
description, office); what
the result list shows (title, address, channels, online link) goes into a
separate, compact list. Both are deterministic: same data, same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lunr.builder import Builder

from ..dataset import ONLINE_TYPES, Dataset, in_operation
from . import synonyms
from .compounds import Splitter
from .text import pairs, settings, stem, stop_stems, terms, whole, words

KIND_CODES = {"leistung": "l", "lebenslage": "ll", "amt": "a"}
URL_PREFIX = {"leistung": "leistungen", "lebenslage": "lebenslagen", "amt": "aemter"}


@dataclass
class SearchDoc:
    kind: str
    id: str
    title: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # field code -> terms
    meta: dict = field(default_factory=dict)
    demand: str | None = None  # the service's nachfrage.stufe: a prior on its score


def doc_boost(doc: SearchDoc) -> float:
    """lunr's document boost: the kind's weight times the demand prior (settings.json ``nachfrage``).

    Applied when the index is built, so it is part of the shipped vectors and the
    browser ranks with it without any code of its own.
    """
    cfg = settings()
    return cfg["docBoost"][doc.kind] * (cfg["nachfrage"].get(doc.demand, 1.0) if doc.demand else 1.0)


def online_url(ds: Dataset, service: dict) -> str | None:
    """Where to apply online: the first online channel with an address of its own.

    An Amt24 channel without one falls back to the service's Amt24 description
    (``portale.amt24_leistung`` with ``amt24_id``), as the service page does.
    """
    portale = ds.settings.get("portale") or {}
    for kanal in service.get("kanaele") or []:
        if kanal.get("typ") not in ONLINE_TYPES or not in_operation(kanal):
            continue
        if kanal.get("url"):
            return kanal["url"]
        if kanal["typ"] == "amt24":
            if service.get("amt24_id") and portale.get("amt24_leistung"):
                return portale["amt24_leistung"].replace("{id}", service["amt24_id"])
        # A portal's start page is no "apply online" link; the service page explains.
    return None


def _raw_texts(ds: Dataset) -> list[str]:
    texts = []
    for doc in ds.leistungen.values():
        d = doc.data
        texts += [d.get("name", ""), d.get("kurzbeschreibung", ""), *(d.get("synonyme") or [])]
        texts.append((d.get("ozg") or {}).get("name", ""))
    for doc in ds.lebenslagen.values():
        d = doc.data
        texts += [d.get("titel", ""), d.get("kurzbeschreibung", ""), *(d.get("synonyme") or [])]
    for doc in ds.aemter.values():
        texts.append(doc.data.get("name", ""))
    for entry in synonyms.entries(ds.extra.get("synonyme")):
        texts += [entry.word, *entry.phrases]
    return texts


PVOG_SEARCH_MODULES = ("kurzinfo", "voraussetzungen", "unterlagen")
PVOG_TERMS = 15
PVOG_CHARS = 400


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def documents(ds: Dataset) -> list[SearchDoc]:
    """All search documents: services, then Lebenslagen, then offices, each sorted by id."""
    dictionary = synonyms.entries(ds.extra.get("synonyme"))
    splitter = Splitter(w for text in _raw_texts(ds) for w in words(text))

    def parts_of(*texts: str) -> list[str]:
        out: list[str] = []
        for text in texts:
            for word in words(text):
                for part in splitter.split(word):
                    s = stem(part)
                    if s not in out:
                        out.append(s)
        return out

    def fill(doc: SearchDoc, name: str, syn: list[str], extra: list[str] = ()) -> None:
        name_terms = terms(name)
        syn_terms = [terms(s) for s in syn]
        parts = parts_of(name, *syn)
        doc.fields["n"] = name_terms
        doc.fields["s"] = [t for ts in syn_terms for t in ts]
        doc.fields["t"] = _unique(p for p in parts if p not in name_terms)
        found = synonyms.expansions(dictionary, [name_terms, *syn_terms, parts, *[terms(e) for e in extra]])
        # Derived fields hold each term once: a record with many colloquial words
        # must not look less relevant for each of them (field length) or more (repeats).
        doc.fields["u"] = _unique(t for word in found for t in terms(word))
        phrases = [ts for ts in [name_terms, *syn_terms] if ts]
        wholes = sorted({w for w in (whole(ts) for ts in phrases) if w})
        doc.fields["p"] = _unique([p for ts in phrases for p in pairs(ts)] + wholes)

    out: list[SearchDoc] = []
    for sid, doc in sorted(ds.leistungen.items()):
        d = doc.data
        sd = SearchDoc("leistung", sid, d.get("name", sid), demand=(d.get("nachfrage") or {}).get("stufe"))
        ozg_name = (d.get("ozg") or {}).get("name", "")
        fill(sd, sd.title, list(d.get("synonyme") or []), [ozg_name] if ozg_name else [])
        sd.fields["k"] = [d["leika"]] if d.get("leika") else []
        ll_titles = [ds.lebenslagen[ll].data.get("titel", "") for ll in ds.lebenslagen_of(sid) if ll in ds.lebenslagen]
        sd.fields["w"] = terms(" ".join([ozg_name, *ll_titles]))
        sd.fields["b"] = terms(d.get("kurzbeschreibung", ""))
        amt = ds.aemter.get(d.get("zustaendig", ""))
        sd.fields["a"] = terms(amt.data.get("name", "")) if amt else []
        pvog = ds.pvog_of(sid)
        if pvog:
            sd.fields["w"] = _unique(sd.fields["w"] + [t for syn in pvog.get("synonyme") or [] for t in terms(syn)])
            # The state's long texts: low weight, each term once and at most PVOG_TERMS of them, so a
            # word deep in a description never outranks a title and 6,000 texts keep the index small.
            known = {t for code in ("n", "s", "t", "w", "b") for t in sd.fields.get(code, [])}
            module = pvog.get("module") or {}
            text_ = " ".join((module.get(m) or {}).get("text", "") for m in PVOG_SEARCH_MODULES)
            if len(text_) > PVOG_CHARS:  # only the first terms are kept: stemming the rest is wasted time
                text_ = text_[:PVOG_CHARS].rsplit(" ", 1)[0]
            sd.fields["x"] = [t for t in _unique(terms(text_)) if t not in known][:PVOG_TERMS]
        sd.meta = {
            "c": ds.channel_types(d),
            "d": d.get("kurzbeschreibung", ""),
        }
        url = online_url(ds, d)
        if url:
            sd.meta["o"] = url
        out.append(sd)
    for ll_id, doc in sorted(ds.lebenslagen.items()):
        d = doc.data
        sd = SearchDoc("lebenslage", ll_id, d.get("titel", ll_id))
        fill(sd, sd.title, list(d.get("synonyme") or []))
        sd.fields["b"] = terms(d.get("kurzbeschreibung", ""))
        sd.meta = {"d": d.get("kurzbeschreibung", "")}
        out.append(sd)
    for amt_id, doc in sorted(ds.aemter.items()):
        d = doc.data
        sd = SearchDoc("amt", amt_id, d.get("name", amt_id))
        fill(sd, sd.title, [])
        parent = ds.aemter.get(d.get("uebergeordnet", ""))
        sd.fields["a"] = terms(parent.data.get("name", "")) if parent else []
        sd.meta = {}
        out.append(sd)
    return out


def build_index(docs: list[SearchDoc]):
    """A lunr.py index over ``docs``; refs are list positions as strings."""
    cfg = settings()
    builder = Builder()
    builder.pipeline.reset()
    builder.search_pipeline.reset()  # terms arrive stemmed; the browser does the same before querying
    builder.k1(cfg["bm25"]["k1"])
    builder.b(cfg["bm25"]["b"])
    builder.ref("r")
    for code, spec in cfg["fields"].items():
        builder.field(code, boost=spec["boost"])
    for i, doc in enumerate(docs):
        record = {"r": str(i)}
        for code in cfg["fields"]:
            record[code] = list(doc.fields.get(code, []))
        builder.add(record, {"boost": doc_boost(doc)})
    return builder.build()


def entries(docs: list[SearchDoc]) -> list[dict]:
    """What the result list needs, in index order (ref = position)."""
    out = []
    for doc in docs:
        item = {"t": doc.title, "u": f"{URL_PREFIX[doc.kind]}/{doc.id}/", "k": KIND_CODES[doc.kind]}
        item.update(doc.meta)
        out.append(item)
    return out


FORMAT = "lotse-suche-2"


def _base36(n: int) -> str:
    if n < 0:
        raise ValueError(f"negative score {n}: lunr's BM25 scores are never negative")
    digits = ""
    while True:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
        if not n:
            return digits


def encode(serialized: dict) -> dict:
    """lunr's serialised index in a compact transport form, losslessly.

    lunr's own JSON repeats every field name for every term and the term
    number for every score; at 6,000 services that is 5 MB. Here, each one
    string:

    * ``terme``: the terms, sorted, separated by spaces (a term's position
      is lunr's term index);
    * ``postings``: per term, separated by ``;``, the numbers
      ``field,count,doc-deltas...`` for each field the term occurs in;
    * ``gewichte``: per term, separated by ``;``, the field vectors' scores
      in thousandths (lunr.py rounds them to three decimals) written in base
      36 (a quarter shorter than decimals, a tenth when gzipped), in the
      order of its postings: field by field, document by document.

    A few long strings are what JSON parses fastest (arrays of numbers or of
    many short strings took two to four times as long in Chromium at 6,000
    services, and the garbage collector then moves them around); the
    browser splits them and decodes a term's numbers when a query first
    needs them (``loadIndex`` in ``static/suche-kern.js``). With each score
    next to its posting, nothing has to be turned around into per-document
    vectors before the first query.

    :func:`lotse.search.query.decode` (and ``Kern.loadIndex`` in the browser)
    rebuild lunr's own serialised form from it, which ``Index.load`` then loads.
    """
    fields = serialized["fields"]
    terms = [term for term, _ in serialized["invertedIndex"]]
    if terms != sorted(terms) or any(" " in term or not term for term in terms):
        # the browser splits the terms at spaces and finds them by binary search
        raise ValueError("lunr.py returned terms unsorted, empty or with spaces")
    position = {term: i for i, term in enumerate(terms)}
    renumber = {posting["_index"]: position[term] for term, posting in serialized["invertedIndex"]}
    scores: dict[str, dict[int, float]] = {}
    for ref, elements in serialized["fieldVectors"]:
        scores[ref] = {renumber[elements[i]]: elements[i + 1] for i in range(0, len(elements), 2)}
    count = 1 + max((int(ref.split("/", 1)[1]) for ref in scores), default=-1)
    postings: list[str] = []
    weights: list[str] = []
    for t, (_term, posting) in enumerate(serialized["invertedIndex"]):
        row: list[int] = []
        scores_row: list[int] = []
        for fi, name in enumerate(fields):
            docs = sorted(int(ref) for ref in posting[name])
            if docs:
                row += [fi, len(docs)]
                previous = 0
                for d in docs:
                    row.append(d - previous)
                    previous = d
                    scores_row.append(round(scores[f"{name}/{d}"][t] * 1000))
        postings.append(",".join(map(str, row)))
        weights.append(",".join(map(_base36, scores_row)))
    return {"format": FORMAT, "felder": fields, "dokumente": count,
            "terme": " ".join(terms), "postings": ";".join(postings), "gewichte": ";".join(weights)}


def dumps(value) -> bytes:
    """Compact, stable JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def build(ds: Dataset) -> tuple[dict, list[dict]]:
    """(index file content, result entries) for a dataset; refs index into the entries."""
    docs = documents(ds)
    index = build_index(docs)
    shipped = {k: v for k, v in settings().items() if not k.startswith("_")}
    # stemmed here once, so the browser need not stem every stop word before its first query
    shipped["stopStems"] = sorted(stop_stems())
    return {"einstellungen": shipped, "index": encode(index.serialize())}, entries(docs)
