/* Competency trees (templates/competencies/_tree.html): show the search box and narrow the
   tree as the visitor types, to the competencies whose code or name holds the text and the
   branches above them. Without this script the tree is there, collapsed per framework. */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function setUp(tree) {
    var search = tree.querySelector("[data-tree-search]");
    if (!search) { return; }
    var input = search.querySelector("input");
    var status = search.querySelector("[data-tree-status]");
    var items = Array.prototype.slice.call(tree.querySelectorAll("li"));
    var details = Array.prototype.slice.call(tree.querySelectorAll("details"));
    var frameworks = Array.prototype.slice.call(tree.querySelectorAll("details.tree-framework"));
    var wasOpen = details.map(function (d) { return d.open; });
    var texts = items.map(function (li) {
      var own = li.querySelector(":scope > details > summary") || li.querySelector(":scope > label");
      return fold(own ? own.textContent : li.textContent);
    });
    var timer = null;
    search.hidden = false;

    function reset() {
      items.forEach(function (li) { li.hidden = false; });
      frameworks.forEach(function (d) { d.hidden = false; });
      /* as it was, and open where something is ticked, so the choice stays in sight */
      details.forEach(function (d, i) { d.open = wasOpen[i] || !!d.querySelector("input:checked"); });
      status.textContent = "";
    }

    function narrow() {
      var query = fold(input.value);
      if (!query) { reset(); return; }
      var shown = new Set();
      var matches = 0;
      details.forEach(function (d) { d.open = false; });
      items.forEach(function (li, i) {
        if (texts[i].indexOf(query) === -1) { return; }
        matches += 1;
        var own = li.querySelector(":scope > details");
        if (own) { own.open = true; }
        for (var node = li; node && node !== tree; node = node.parentElement) {
          if (node.tagName === "DETAILS") { node.open = true; }
          if (node.tagName === "LI") { shown.add(node); }
        }
      });
      items.forEach(function (li) { li.hidden = !shown.has(li); });
      frameworks.forEach(function (d) { d.hidden = !d.querySelector("li:not([hidden])"); });
      status.textContent = matches ? status.dataset.some.replace("{n}", String(matches)) : status.dataset.none;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(narrow, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); narrow(); }  /* not a submit of the whole form */
    });
  }

  document.querySelectorAll("[data-competency-tree]").forEach(setUp);
}());
