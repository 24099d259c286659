/* A search box above a long list of choices (the rubric builder's competency per criterion,
   grouped under each framework's name): typing narrows the list to the competencies whose code
   or name holds the text. The chosen one always stays. The strings come from data attributes
   of the element marked data-select-search; without this script the full list is there. */
(function () {
  "use strict";

  var MIN_OPTIONS = 15;  /* a short list needs no search */

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function setUp(select, words, number) {
    if (select.options.length < MIN_OPTIONS) { return; }
    var all = Array.prototype.slice.call(select.children).map(function (node) { return node.cloneNode(true); });
    var box = document.createElement("div");
    box.className = "select-search";
    var label = document.createElement("label");
    var input = document.createElement("input");
    var status = document.createElement("p");
    input.type = "search";
    input.id = select.id + "-search";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    label.htmlFor = input.id;
    label.textContent = words.label.replace("{n}", String(number));
    status.className = "hint";
    status.setAttribute("aria-live", "polite");
    box.append(label, input, status);
    select.parentNode.insertBefore(box, select);

    function matches(option, query) {
      return option.value === select.value || !option.value || fold(option.textContent).indexOf(query) !== -1;
    }

    function narrow() {
      var query = fold(input.value);
      var chosen = select.value;
      var found = 0;
      var nodes = all.map(function (node) {
        var copy = node.cloneNode(true);
        if (copy.tagName === "OPTGROUP") {
          Array.prototype.slice.call(copy.children).forEach(function (option) {
            if (query && !matches(option, query)) { copy.removeChild(option); } else if (option.value) { found += 1; }
          });
          return copy.children.length ? copy : null;
        }
        if (query && !matches(copy, query)) { return null; }
        if (copy.value) { found += 1; }
        return copy;
      }).filter(Boolean);
      select.replaceChildren.apply(select, nodes);
      select.value = chosen;
      status.textContent = query ? (found ? words.some.replace("{n}", String(found)) : words.none) : "";
    }

    var timer = null;
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(narrow, 120); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); narrow(); select.focus(); }  /* not a submit */
    });
  }

  document.querySelectorAll("[data-select-search]").forEach(function (scope) {
    var words = { label: scope.dataset.label, some: scope.dataset.some, none: scope.dataset.none };
    scope.querySelectorAll(scope.dataset.selectSearch).forEach(function (select, index) {
      setUp(select, words, index + 1);
    });
  });
}());
