/* Sorting and filtering for the table "Übersicht je Leistung" on /digitalisierung/.
 *
 * Progressive enhancement: without this script the table is complete and readable,
 * so the controls are created here and nowhere in the HTML. No dependencies.
 * Figures carry their number in data-sort; other cells sort by their text.
 * Missing values (class lotse-fehlt, "keine Angabe") stay at the bottom in both
 * directions, because "unknown" is not "small".
 */
(function () {
  "use strict";

  function norm(text) {
    return (text || "").toLocaleLowerCase("de").normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) node.textContent = text;
    return node;
  }

  function select(id, label, options) {
    var wrap = el("label", { for: id }, label + " ");
    var box = el("select", { id: id });
    options.forEach(function (opt) { box.appendChild(el("option", { value: opt[0] }, opt[1])); });
    wrap.appendChild(box);
    return [wrap, box];
  }

  function enhance() {
    var table = document.getElementById("lotse-bericht-tabelle");
    if (!table || table.hasAttribute("data-erweitert")) return;
    table.setAttribute("data-erweitert", "");
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.forEach(function (row, i) { row.setAttribute("data-index", String(i)); });
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var amtColumn = headers.findIndex(function (th) { return th.getAttribute("data-spalte") === "amt"; });

    // ---- filter controls
    var form = el("form", { class: "lotse-filter", role: "search", "aria-label": "Tabelle filtern" });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var search = el("input", { type: "search", id: "lotse-filter-text", autocomplete: "off" });
    var searchLabel = el("label", { for: "lotse-filter-text" }, "Leistung oder Stelle ");
    searchLabel.appendChild(search);
    var level = select("lotse-filter-stufe", "Verfügbarkeit", [
      ["", "alle"], ["analog", "analog"], ["digital", "digital"], ["ende-zu-ende", "Ende-zu-Ende"]
    ]);
    function officeOf(row) { return row.cells[amtColumn].textContent; }
    var offices = [];
    rows.forEach(function (row) {
      var name = officeOf(row);
      if (offices.indexOf(name) < 0) offices.push(name);
    });
    offices.sort(function (a, b) { return a.localeCompare(b, "de"); });
    var office = select("lotse-filter-stelle", "Zuständige Stelle", [["", "alle"]].concat(offices.map(function (o) { return [o, o]; })));
    var status = el("p", { class: "lotse-filter-status", "aria-live": "polite" });
    [searchLabel, level[0], office[0]].forEach(function (node) { form.appendChild(node); });
    var wrapper = table.parentNode;
    wrapper.parentNode.insertBefore(form, wrapper);
    wrapper.parentNode.insertBefore(status, wrapper);

    function apply() {
      var words = norm(search.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var hay = norm(row.cells[0].textContent + " " + row.cells[1].textContent + " " + row.cells[amtColumn].textContent);
        var ok = words.every(function (w) { return hay.indexOf(w) >= 0; }) &&
          (!level[1].value || row.getAttribute("data-verfuegbarkeit") === level[1].value) &&
          (!office[1].value || officeOf(row) === office[1].value);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      status.textContent = shown + " von " + rows.length + " Leistungen angezeigt";
    }
    [search, level[1], office[1]].forEach(function (node) {
      node.addEventListener("input", apply);
      node.addEventListener("change", apply);
    });
    apply();

    // ---- sorting
    var numeric = { int: true, decimal: true, dauer: true };
    function key(cell, isNumber) {
      if (cell.classList.contains("lotse-fehlt")) return null;
      return isNumber ? Number(cell.getAttribute("data-sort")) : cell.textContent;
    }
    headers.forEach(function (th, col) {
      var button = el("button", { type: "button" }, th.textContent);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var isNumber = numeric[th.getAttribute("data-art")];
        var sorted = rows.slice().sort(function (a, b) {
          var x = key(a.cells[col], isNumber);
          var y = key(b.cells[col], isNumber);
          if (x === null || y === null) {
            if (x === y) return a.getAttribute("data-index") - b.getAttribute("data-index");
            return x === null ? 1 : -1;  // missing last, whatever the direction
          }
          var order = isNumber ? x - y : x.localeCompare(y, "de", { sensitivity: "base", numeric: true });
          if (!order) return a.getAttribute("data-index") - b.getAttribute("data-index");
          return ascending ? order : -order;
        });
        sorted.forEach(function (row) { tbody.appendChild(row); });
      });
    });
  }

  enhance();
  // Material's instant navigation swaps page content without a reload.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(enhance);
  }
})();
