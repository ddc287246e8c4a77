/*
 * Lotse search service: the loaded index and result entries, answering queries.
 *
 * The last part of lunr-suche.js. suche.js loads it when someone starts to
 * search. On /suche/ the page head has started everything already
 * (overrides/main.html): it downloads index.json and eintraege.json and this
 * script before the page's stylesheets, and sets lotseSucheStart; when this
 * script runs it builds the service as soon as the files are there and runs
 * the query from the address at once, in the gaps while the page still waits
 * for its stylesheets and Material's scripts, so suche.js finds the first
 * results ready. No DOM access here, so Node can load it.
 */
(function (root, factory) {
  var api = factory(root);
  root.lotseSucheDienst = api;
  var start = root.lotseSucheStart;
  if (start && start.dateien && !start.bereit) {
    start.bereit = start.dateien.then(function (files) {
      var dienst = api.ready(files);
      return { dienst: dienst, q: start.q, antwort: dienst.search(start.q) };
    });
    start.bereit.catch(function () {});  // suche.js reports it
  }
})(this, function (root) {
  "use strict";

  /* The index and the result entries, ready to search. */
  function Dienst(indexFile, entriesFile) {
    var kern = new root.lotseSucheKern.Kern(indexFile.einstellungen);
    var index = kern.loadIndex(root.lunr, indexFile.index);
    // a line per entry: title, address, kind, channels, online link (lotse/search/provider.py)
    var lines = entriesFile.eintraege.split("\n");
    var labels = {};
    Object.keys(entriesFile).forEach(function (key) {
      if (key !== "eintraege") labels[key] = entriesFile[key];
    });

    function entry(n) {
      var f = lines[n].split("\t");
      var out = { t: f[0], u: f[1], k: f[2] };
      if (f[3]) out.c = f[3].split(" ");
      if (f[4]) out.o = f[4];
      return out;
    }

    /* {daten, nummern, eintraege}: the labels, the entry numbers in rank
     * order and those entries; everything a result list shows. */
    this.search = function (q) {
      var numbers = kern.run(root.lunr, index, q).map(function (hit) { return Number(hit[0]); });
      return { daten: labels, nummern: numbers, eintraege: numbers.map(entry) };
    };
  }

  /* A service from the parsed [index.json, eintraege.json]. */
  function ready(files) {
    var dienst = new Dienst(files[0], files[1]);
    // for benchmarks/search_bench.py: when the index was ready to search
    if (root.performance && root.performance.mark) root.performance.mark("lotse-suche-index");
    return dienst;
  }

  function fetchJson(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  /* The service from index.json and eintraege.json under `base`. */
  function load(base) {
    return Promise.all([fetchJson(new URL("index.json", base).href), fetchJson(new URL("eintraege.json", base).href)])
      .then(ready);
  }

  return { Dienst: Dienst, ready: ready, load: load };
});
