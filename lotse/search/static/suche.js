/*
 * Lotse search UI (German): suggestions under the search boxes and the
 * results page /suche/?q=…
 *
 * Progressive enhancement: the header form is a plain GET to /suche/, so
 * searching works without JavaScript up to that page. This file is small and
 * on every page; lunr.js, the stemmer, the search core and the index load
 * only when someone focuses a search box, or at once on /suche/ (started by
 * the page head).
 * The suggestion list follows the ARIA 1.2 combobox pattern (input with
 * role=combobox, a listbox, aria-activedescendant).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.fetch || !window.URL) { return; }
  var ASSETS = new URL(".", script.src);  // .../assets/lotse-suche/
  var ROOT = new URL("../../", ASSETS);    // the site root, also under a sub-path
  var SUGGESTIONS = 8;
  var FILTERS = [
    ["", "Alle Wege"],
    ["online", "Online"],
    ["vor-ort", "Vor Ort"],
    ["post", "Per Post"]
  ];

  // ------------------------------------------------------------------ loading

  var engine = null;
  var texts = null;

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = url;
      s.onload = resolve;
      s.onerror = function () { reject(new Error(url)); };
      document.head.appendChild(s);
    });
  }

  function fetchJson(name) {
    return fetch(new URL(name, ASSETS).href).then(function (r) {
      if (!r.ok) { throw new Error(name + ": " + r.status); }
      return r.json();
    });
  }

  /* The search service (lunr-suche.js, see suche-dienst.js), loaded at most
   * once: search(q) gives {daten, nummern, eintraege}. On /suche/ the page
   * head has started loading it, and the query in the address, before the
   * page's stylesheets and scripts (overrides/main.html). */
  function load() {
    if (!engine) {
      var start = window.lotseSucheStart;
      if (start) {
        engine = start.skript.then(function () { return start.bereit; }).then(function (ready) {
          return {
            search: function (q) { return q === ready.q ? ready.antwort : ready.dienst.search(q); }
          };
        });
      } else {
        engine = (window.lotseSucheDienst ? Promise.resolve() : loadScript(new URL("lunr-suche.js", ASSETS).href))
          .then(function () { return window.lotseSucheDienst.load(ASSETS.href); });
      }
    }
    return engine;
  }

  /* Short descriptions by entry number; only the results page asks for them. */
  function loadTexts() {
    if (!texts) { texts = fetchJson("texte.json"); }
    return texts;
  }

  // ------------------------------------------------------------------ helpers

  /* Relative link from this page to a site-root-relative address. */
  function href(url) {
    var here = location.pathname.slice(0, location.pathname.lastIndexOf("/") + 1);
    if (here.indexOf(ROOT.pathname) !== 0) { return new URL(url, ROOT).href; }
    var depth = here.slice(ROOT.pathname.length).split("/").length - 1;
    return new Array(depth + 1).join("../") + url;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (attrs[key] !== null && attrs[key] !== undefined) { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function isOnline(data, entry) {
    return (entry.c || []).some(function (t) { return data.online.indexOf(t) >= 0; });
  }

  function badges(data, entry) {
    var types = (entry.c || []).slice();
    types.sort(function (a, b) {
      return (data.online.indexOf(a) < 0) - (data.online.indexOf(b) < 0);
    });
    return types.map(function (t) {
      var online = data.online.indexOf(t) >= 0 ? " lotse-kanal--online" : "";
      return el("span", { "class": "lotse-kanal lotse-kanal--" + t + online }, [data.kanaele[t] || t]);
    });
  }

  function matchesFilter(data, entry, kanal) {
    if (!kanal) { return true; }
    if (kanal === "online") { return isOnline(data, entry); }
    return (entry.c || []).indexOf(kanal) >= 0;
  }

  var marked = false;
  function markFirstResults() {
    // For benchmarks/search_bench.py: time from navigation start to first results.
    if (!marked && window.performance && performance.mark) {
      marked = true;
      performance.mark("lotse-suche-ergebnisse");
    }
  }

  // ------------------------------------------------------------------ suggestions (combobox)

  var counter = 0;

  function Combobox(input) {
    var self = this;
    counter += 1;
    this.input = input;
    this.form = input.form;
    this.id = "lotse-vorschlaege-" + counter;
    this.items = [];
    this.active = -1;
    this.seq = 0;
    this.list = el("ul", { id: this.id, role: "listbox", "class": "lotse-vorschlaege", "aria-label": "Vorschläge" });
    this.list.hidden = true;
    this.status = el("div", { "class": "lotse-sr", role: "status", "aria-live": "polite" });
    var holder = this.form || input.parentNode;
    holder.classList.add("lotse-vorschlag-halter");
    holder.appendChild(this.list);
    holder.appendChild(this.status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.id);

    input.addEventListener("focus", function () { load().catch(function () {}); });
    input.addEventListener("input", function () { self.update(); });
    input.addEventListener("keydown", function (ev) { self.key(ev); });
    input.addEventListener("blur", function () {
      // a click on a suggestion must land before the list closes
      setTimeout(function () { if (document.activeElement !== input) { self.close(); } }, 150);
    });
    this.list.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
  }

  Combobox.prototype.update = function () {
    var self = this;
    var q = this.input.value;
    var seq = ++this.seq;
    if (!q.trim()) { this.close(); return; }
    load().then(function (eng) {
      if (seq !== self.seq) { return; }  // a newer keystroke won
      self.render(eng.search(q), q);
    }, function () {
      self.status.textContent = "Die Suche konnte nicht geladen werden.";
    });
  };

  Combobox.prototype.render = function (answer, q) {
    var self = this;
    var data = answer.daten;
    var results = answer.eintraege;
    var shown = results.slice(0, SUGGESTIONS);
    this.list.textContent = "";
    this.items = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    shown.forEach(function (entry, i) {
      var link = el("a", { href: href(entry.u), tabindex: "-1" }, [entry.t]);
      var art = el("span", { "class": "lotse-vorschlag__art" }, [data.arten[entry.k] || ""]);
      var li = el("li", { id: self.id + "-" + i, role: "option", "aria-selected": "false", "class": "lotse-vorschlag" },
        [link, " ", art].concat(isOnline(data, entry) ? [" ", el("span", { "class": "lotse-kanal lotse-kanal--online" }, ["Online"])] : []));
      li.addEventListener("click", function (ev) {
        if (ev.target.tagName !== "A") { location.href = link.href; }
      });
      self.list.appendChild(li);
      self.items.push({ li: li, url: link.href });
    });
    var all = el("a", { href: href("suche/") + "?q=" + encodeURIComponent(q), tabindex: "-1" },
      [results.length ? "Alle " + results.length + " Treffer anzeigen" : "Keine Treffer – Hinweise anzeigen"]);
    var last = el("li", { id: this.id + "-alle", role: "option", "aria-selected": "false", "class": "lotse-vorschlag lotse-vorschlag--alle" }, [all]);
    this.list.appendChild(last);
    this.items.push({ li: last, url: all.href });
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.status.textContent = results.length
      ? shown.length + (shown.length === 1 ? " Vorschlag" : " Vorschläge") + ", mit Pfeiltasten auswählen."
      : "Keine Treffer.";
    markFirstResults();
  };

  Combobox.prototype.move = function (to) {
    if (!this.items.length) { return; }
    if (this.active >= 0) { this.items[this.active].li.setAttribute("aria-selected", "false"); }
    this.active = (to + this.items.length) % this.items.length;
    var item = this.items[this.active];
    item.li.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", item.li.id);
    if (item.li.scrollIntoView) { item.li.scrollIntoView({ block: "nearest" }); }
  };

  Combobox.prototype.close = function () {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  Combobox.prototype.key = function (ev) {
    var open = !this.list.hidden;
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      if (!open) { this.update(); return; }
      this.move(this.active + 1);
    } else if (ev.key === "ArrowUp") {
      if (!open) { return; }
      ev.preventDefault();
      this.move(this.active < 0 ? -1 : this.active - 1);
    } else if (ev.key === "Enter") {
      if (open && this.active >= 0) {
        ev.preventDefault();
        location.href = this.items[this.active].url;
      }
      // otherwise the form submits to /suche/?q=
    } else if (ev.key === "Escape") {
      if (open) {
        ev.preventDefault();
        this.close();
      } else if (this.input.value) {
        ev.preventDefault();
        this.input.value = "";
      }
    } else if (ev.key === "Tab") {
      this.close();
    }
  };

  // ------------------------------------------------------------------ results page /suche/

  function ResultsPage(container) {
    var self = this;
    this.container = container;
    this.input = document.getElementById("lotse-suchfeld-seite");
    var params = new URLSearchParams(location.search);
    this.query = params.get("q") || "";
    this.kanal = params.get("kanal") || "";
    if (!FILTERS.some(function (f) { return f[0] === self.kanal; })) { this.kanal = ""; }
    this.seq = 0;
    this.last = null;  // {q, answer}
    if (this.input) {
      this.input.value = this.query;
      var timer = null;
      this.input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { self.set(self.input.value); }, 120);
      });
      if (this.input.form) {
        this.input.form.addEventListener("submit", function (ev) {
          ev.preventDefault();
          self.set(self.input.value);
        });
      }
    }
    this.filter = this.buildFilter();
    container.parentNode.insertBefore(this.filter, container);
    this.filter.hidden = true;
    this.run();
  }

  ResultsPage.prototype.buildFilter = function () {
    var self = this;
    var radios = FILTERS.map(function (f) {
      var input = el("input", { type: "radio", name: "lotse-kanal", value: f[0], id: "lotse-kanal-" + (f[0] || "alle") });
      input.checked = f[0] === self.kanal;
      input.addEventListener("change", function () {
        if (input.checked) {
          self.kanal = f[0];
          self.remember();
          self.run();
        }
      });
      return el("span", { "class": "lotse-suchfilter__wahl" }, [input, el("label", { "for": input.id }, [f[1]])]);
    });
    return el("fieldset", { "class": "lotse-suchfilter" }, [el("legend", {}, ["Treffer nach Weg filtern"])].concat(radios));
  };

  ResultsPage.prototype.set = function (q) {
    if (q === this.query) { return; }
    this.query = q;
    this.remember();
    this.run();
  };

  ResultsPage.prototype.remember = function () {
    var params = new URLSearchParams();
    if (this.query) { params.set("q", this.query); }
    if (this.kanal) { params.set("kanal", this.kanal); }
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  };

  ResultsPage.prototype.run = function () {
    var self = this;
    var q = this.query;
    var seq = ++this.seq;
    if (!q.trim()) {
      this.filter.hidden = true;
      this.container.textContent = "";
      this.container.appendChild(el("p", { "class": "lotse-suche__status" }, ["Bitte geben Sie ein, was Sie suchen, zum Beispiel „Personalausweis“ oder „Umzug“."]));
      return;
    }
    if (this.last && this.last.q === q) {
      // only the channel filter changed: the answer is still valid
      this.render(this.last.answer, q);
      return;
    }
    this.container.setAttribute("aria-busy", "true");
    load().then(function (eng) {
      if (seq !== self.seq) { return; }
      var answer = eng.search(q);
      self.last = { q: q, answer: answer };
      self.render(answer, q);
    }, function () {
      self.container.removeAttribute("aria-busy");
      self.container.textContent = "";
      self.container.appendChild(el("p", { "class": "lotse-suche__status" }, [
        "Die Suche konnte nicht geladen werden. Bitte laden Sie die Seite neu oder nutzen Sie die ",
        el("a", { href: href("leistungen/") }, ["Liste von A bis Z"]), "."]));
    });
  };

  ResultsPage.prototype.render = function (answer, q) {
    var self = this;
    var data = answer.daten;
    var results = answer.eintraege;
    // entry numbers (for the short descriptions) of the results the filter lets through
    var shownHits = answer.nummern.filter(function (n, i) { return matchesFilter(data, results[i], self.kanal); });
    var shown = results.filter(function (entry) { return matchesFilter(data, entry, self.kanal); });
    var box = this.container;
    box.textContent = "";
    box.removeAttribute("aria-busy");
    this.filter.hidden = results.length === 0;
    document.title = "Suche: " + q + " – " + document.title.replace(/^Suche(: .*?)? – /, "");
    if (!results.length) {
      box.appendChild(this.nothing(data, q));
    } else if (!shown.length) {
      var label = FILTERS.filter(function (f) { return f[0] === self.kanal; })[0][1];
      var reset = el("button", { type: "button", "class": "lotse-suche__zuruecksetzen" }, ["Alle Wege zeigen"]);
      reset.addEventListener("click", function () {
        self.kanal = "";
        document.getElementById("lotse-kanal-alle").checked = true;
        self.remember();
        self.run();
      });
      box.appendChild(el("p", { "class": "lotse-suche__status" }, [
        results.length + " Treffer für „" + q + "“, aber keiner mit dem Weg „" + label + "“. ", reset]));
    } else {
      var note = shown.length < results.length ? " (" + (results.length - shown.length) + " ausgeblendet durch den Filter)" : "";
      box.appendChild(el("p", { "class": "lotse-suche__status" }, [
        shown.length + (shown.length === 1 ? " Treffer" : " Treffer") + " für „" + q + "“" + note]));
      var items = shown.map(function (entry) { return self.item(data, entry); });
      // #suchergebnisse is a live region: the status line above is announced,
      // the list itself would be read out in full on every keystroke.
      box.appendChild(el("ol", { "class": "lotse-treffer", "aria-live": "off" }, items));
      // The descriptions follow the first results instead of holding them up.
      var seq = this.seq;
      loadTexts().then(function (list) {
        if (seq !== self.seq) { return; }  // the list has changed meanwhile
        shownHits.forEach(function (n, i) {
          if (list[n]) {
            var text = el("p", { "class": "lotse-treffer__text" }, [list[n]]);
            items[i].insertBefore(text, items[i].querySelector(".lotse-treffer__los"));
          }
        });
      }, function () {});
    }
    markFirstResults();
  };

  ResultsPage.prototype.item = function (data, entry) {
    var head = [el("a", { href: href(entry.u), "class": "lotse-treffer__titel" }, [entry.t]), " ",
      el("span", { "class": "lotse-treffer__art" }, [data.arten[entry.k] || ""])];
    var parts = [el("p", { "class": "lotse-treffer__kopf" }, head)];
    if (entry.c && entry.c.length) {
      parts.push(el("p", { "class": "lotse-treffer__kanaele" }, [el("span", { "class": "lotse-sr" }, ["Wege: "])].concat(
        badges(data, entry).reduce(function (acc, b) { return acc.concat([b, " "]); }, []))));
    }
    if (entry.o) {
      parts.push(el("p", { "class": "lotse-treffer__los" }, [el("a", { href: entry.o, "class": "lotse-treffer__online", rel: "noopener" },
        ["Online beantragen", el("span", { "class": "lotse-sr" }, [": " + entry.t])])]));
    }
    return el("li", { "class": "lotse-treffer__eintrag" }, parts);
  };

  ResultsPage.prototype.nothing = function (data, q) {
    var hints = [
      el("li", {}, ["Prüfen Sie die Schreibweise oder versuchen Sie ein anderes, allgemeineres Wort (etwa „Ausweis“ statt „Ausweisverlängerung“)."]),
      el("li", {}, ["Alle Leistungen stehen in der ", el("a", { href: href("leistungen/") }, ["Liste von A bis Z"]),
        "; sortiert nach Anlässen finden Sie sie unter ", el("a", { href: href("lebenslagen/") }, ["Lebenslagen"]), "."])
    ];
    if (data.telefon) {
      hints.push(el("li", {}, ["Persönliche Auskunft gibt das Bürgertelefon: ",
        el("a", { href: "tel:" + data.telefon.replace(/[^0-9+]/g, "") }, [data.telefon]), "."]));
    }
    return el("div", { "class": "lotse-nichts" }, [
      el("p", { "class": "lotse-suche__status" }, [el("strong", {}, ["Keine Treffer für „" + q + "“."])]),
      el("ul", {}, hints)
    ]);
  };

  // ------------------------------------------------------------------ start

  function start() {
    ["lotse-suchfeld", "lotse-suchfeld-start"].forEach(function (id) {
      var input = document.getElementById(id);
      if (input) { new Combobox(input); }
    });
    var container = document.getElementById("suchergebnisse");
    if (container) { new ResultsPage(container); }
  }

  // On /suche/ the index is needed at once (the page head has started it).
  if (document.getElementById("suchergebnisse")) { load().catch(function () {}); }
  // This script comes after the page's content, so the boxes are there already;
  // waiting for DOMContentLoaded would put Material's own handlers first.
  if (document.readyState === "loading" && !document.getElementById("lotse-suchfeld")) {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
