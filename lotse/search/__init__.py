"""Search: a lunr index prebuilt at build time, queried in the browser with lunr.js.

How a query finds a service::

    data/ ──► index.documents() ──► lunr.py Builder ──► index.encode() ──► assets/lotse-suche/index.json
    (names, synonyms,   (fields n s u k t w b a p,      (compact, lossless)      + eintraege.json, texte.json
     data/synonyme.yml)  German terms, word parts)                                          │
                                                                                            ▼
    benchmarks/search_eval.py ◄── query.run() ◄── query.decode()      suche-kern.js Kern.run() ◄── lunr.js
                  (the same clauses, expansion, scoring and ranking on both sides)

The parts:

* :mod:`lotse.search.text` – folding, tokenising and Snowball German stemming;
  ``static/stemmer-de.js`` and ``static/suche-kern.js`` do the same in the browser.
* ``settings.json`` – everything both sides must agree on (fold table, stop
  words, field boosts, clause rules); shipped inside index.json.
* :mod:`lotse.search.synonyms` – the colloquial dictionary ``data/synonyme.yml``.
* :mod:`lotse.search.compounds` – compound parts (Personalausweis -> ausweis).
* :mod:`lotse.search.index` – search documents, the lunr.py index, its transport form.
* :mod:`lotse.search.query` – the query logic used by the evaluation.
* :mod:`lotse.search.provider` – the files the site build writes (a site provider).
* ``static/suche-dienst.js`` – the loaded index and entries answering queries
  in the browser; on /suche/ started by the page head (``overrides/main.html``)
  so the first results are ready when the page is.
* ``static/suche.js`` / ``suche.css`` – the German UI: suggestions under the
  search boxes (ARIA combobox) and the results page /suche/?q=.
* :mod:`lotse.search.serve` – a gzip static server for browser tests and benchmarks.

tests/test_search.py checks Python against the shipped JavaScript under Node,
tests/test_search_browser.py checks the UI and the ranking in Chromium.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE_DIR / "static"
SETTINGS_FILE = PACKAGE_DIR / "settings.json"
