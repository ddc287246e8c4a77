/*
 * Starts the search on the results page /suche/ from the page head, before the
 * stylesheets (overrides/main.html): the index, the result entries and the
 * search script download in parallel; suche-dienst.js builds the index and
 * runs the query from the address as soon as everything is there. A file, not
 * an inline script, because the Content-Security-Policy allows no inline script.
 * It lives beside the files it loads: assets/lotse-suche/.
 */
(function () {
  if (!window.fetch || !window.URLSearchParams || !window.Promise || !document.currentScript) { return; }
  var base = new URL(".", document.currentScript.src);
  function json(name) {
    return fetch(new URL(name, base).href).then(function (r) {
      if (!r.ok) { throw new Error(name + ": " + r.status); }
      return r.json();
    });
  }
  var script = document.createElement("script");
  window.lotseSucheStart = {
    q: new URLSearchParams(location.search).get("q") || "",
    dateien: Promise.all([json("index.json"), json("eintraege.json")]),
    skript: new Promise(function (resolve, reject) { script.onload = resolve; script.onerror = reject; })
  };
  window.lotseSucheStart.dateien.catch(function () {});
  window.lotseSucheStart.skript.catch(function () {});
  script.async = true;
  script.src = new URL("lunr-suche.js", base).href;
  document.head.appendChild(script);
})();
