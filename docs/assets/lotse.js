/* Lotse: filters for the A–Z list (/leistungen/).
   Progressive enhancement: without JavaScript the page is a plain full list and the
   filter form stays hidden. With it, the form appears; every change filters the list,
   announces the count in a live region and keeps the choice in the address (?kanal=amt24),
   so a filtered list can be shared. No third-party code. */
(function () {
  "use strict";
  var form = document.querySelector("[data-lotse-filter]");
  var list = document.querySelector("[data-lotse-liste]");
  if (!form || !list) { return; }
  var ONLINE = ["amt24", "formular", "efa", "portal"];
  var FIELDS = ["kanal", "stufe", "amt", "ziel"];
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-kanal]"));
  var groups = Array.prototype.slice.call(list.querySelectorAll("[data-lotse-gruppe]"));
  var status = form.querySelector("[data-lotse-status]");
  var empty = document.querySelector("[data-lotse-leer]");
  var total = items.length;
  var data = items.map(function (li) {
    return {
      li: li,
      kanal: li.getAttribute("data-kanal").split(" "),
      stufe: li.getAttribute("data-stufe"),
      amt: li.getAttribute("data-amt"),
      ziel: li.getAttribute("data-ziel").split(" ")
    };
  });

  function values() {
    var v = {};
    FIELDS.forEach(function (name) { v[name] = form.elements[name].value; });
    return v;
  }

  function matches(d, v) {
    if (v.kanal === "online") {
      if (!d.kanal.some(function (k) { return ONLINE.indexOf(k) >= 0; })) { return false; }
    } else if (v.kanal && d.kanal.indexOf(v.kanal) < 0) { return false; }
    if (v.stufe && d.stufe !== v.stufe) { return false; }
    if (v.amt && d.amt !== v.amt) { return false; }
    if (v.ziel && d.ziel.indexOf(v.ziel) < 0) { return false; }
    return true;
  }

  function apply(remember) {
    var v = values();
    var shown = 0;
    data.forEach(function (d) {
      var ok = matches(d, v);
      d.li.hidden = !ok;
      if (ok) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("li[data-kanal]:not([hidden])");
    });
    status.textContent = shown === total
      ? total + " Leistungen"
      : shown + " von " + total + " Leistungen passen zu den Filtern";
    if (empty) { empty.hidden = shown > 0; }
    if (remember && window.history && window.history.replaceState) {
      var params = new URLSearchParams();
      FIELDS.forEach(function (name) { if (v[name]) { params.set(name, v[name]); } });
      var query = params.toString();
      window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    }
  }

  var initial = new URLSearchParams(window.location.search);
  FIELDS.forEach(function (name) {
    var wanted = initial.get(name);
    var select = form.elements[name];
    if (wanted && select && Array.prototype.some.call(select.options, function (o) { return o.value === wanted; })) {
      select.value = wanted;
    }
  });
  form.hidden = false;
  form.addEventListener("change", function () { apply(true); });
  form.addEventListener("reset", function () { window.setTimeout(function () { apply(true); }, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(true); });
  apply(false);
}());

/* Wide tables scroll sideways on small screens. A keyboard user can only scroll a box that
   takes focus (WCAG 2.1.1; axe rule scrollable-region-focusable), so every box that really
   overflows gets a tab stop and a name, and loses both when the window grows again.
   Material wraps tables after the page has loaded, hence document$ when it exists. */
(function () {
  "use strict";
  var SELECTOR = ".md-typeset__scrollwrap, .lotse-tabelle";

  function name(box) {
    var caption = box.querySelector("caption");
    var text = caption ? caption.textContent.trim() : "";
    return text ? "Tabelle: " + text : "Tabelle, seitlich scrollbar";
  }

  function update() {
    Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 && window.getComputedStyle(box).overflowX !== "visible";
      var managed = box.getAttribute("data-lotse-scrollbox") === "1";
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name(box));
        box.setAttribute("data-lotse-scrollbox", "1");
      } else if (!scrolls && managed && document.activeElement !== box) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("data-lotse-scrollbox");
      }
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 150);
  });
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { window.setTimeout(update, 0); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
}());

/* Material's mobile menu button is a <label> for a hidden checkbox, which the keyboard
   cannot reach. The header template makes it focusable (tabindex, role=button); Material
   itself then opens it on Enter (it clicks focused labels). Here Space does the same, as
   for any button, and aria-expanded follows the drawer's state for screen readers. */
(function () {
  "use strict";
  var button = document.querySelector(".lotse-kopf__menue");
  var drawer = document.getElementById("__drawer");
  if (!button || !drawer) { return; }
  function sync() { button.setAttribute("aria-expanded", drawer.checked ? "true" : "false"); }
  button.addEventListener("keydown", function (event) {
    if (event.key !== " ") { return; }
    event.preventDefault();
    button.click();
  });
  drawer.addEventListener("change", sync);
  sync();
}());
