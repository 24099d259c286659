// Typed work survives (issue 10, item 2). Two small helpers for every form of the site:
// - a page whose posting form holds text that was typed but not sent asks before it is left
//   (a beforeunload guard, armed by typing, disarmed when the form is sent);
// - a text field with a limit (data-limit, set by the shared form class) shows a counter once
//   its text passes 90% of the limit ("19,950 / 20,000"), announced politely, in the error
//   style above the limit; a form whose text is over a limit is not sent (the field is shown).
// Without JavaScript the server refuses over-long text with a message and keeps it.
(function () {
  "use strict";
  var TEXT = "textarea, input[type=text], input[type=url], input[type=email], input:not([type])";
  var script = document.currentScript;
  var label = (script && script.getAttribute("data-count")) || "{count} / {limit}";
  var overLabel = (script && script.getAttribute("data-over")) || label;
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var dirty = new Set();

  function guarded(form) {
    return form && (form.method || "").toLowerCase() === "post" && !form.hasAttribute("data-no-guard");
  }

  function changed(form) {
    return Array.prototype.some.call(form.querySelectorAll(TEXT), function (el) {
      return el.value !== el.defaultValue;
    });
  }

  function counterFor(field) {
    var id = field.id ? field.id + "-count" : "";
    var counter = id && document.getElementById(id);
    if (!counter) {
      counter = document.createElement("p");
      counter.className = "char-count";
      if (id) { counter.id = id; }
      counter.setAttribute("aria-live", "polite");
      counter.hidden = true;
      field.insertAdjacentElement("afterend", counter);
      if (id) {
        var described = field.getAttribute("aria-describedby");
        field.setAttribute("aria-describedby", described ? described + " " + id : id);
      }
    }
    return counter;
  }

  function count(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    if (!limit) { return true; }
    var length = field.value.length;
    var near = length >= limit * 0.9;
    var over = length > limit;
    var counter = (near || document.getElementById(field.id + "-count")) ? counterFor(field) : null;
    if (counter) {
      counter.hidden = !near;
      counter.textContent = (over ? overLabel : label).replace("{count}", numbers.format(length))
                                 .replace("{limit}", numbers.format(limit));
      counter.classList.toggle("char-count-over", over);
    }
    if (over) {
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("data-over", "");
    } else if (field.hasAttribute("data-over")) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("data-over");
    }
    return !over;
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(TEXT)) { return; }
    count(field);
    var form = field.form;
    if (guarded(form)) {
      if (changed(form)) { dirty.add(form); } else { dirty.delete(form); }
    }
  });

  // Registered on window so that it runs after other submit handlers (confirm.js may cancel).
  window.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) { return; }
    var fields = form.querySelectorAll("[data-limit]");
    for (var i = 0; i < fields.length; i++) {
      if (!count(fields[i])) {
        event.preventDefault();
        fields[i].focus();
        return;
      }
    }
    dirty.delete(form);
  });

  window.addEventListener("beforeunload", function (event) {
    dirty.forEach(function (form) { if (!form.isConnected) { dirty.delete(form); } });
    if (dirty.size) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Text kept by the server after a refused save is still unsaved: count it, and guard it.
  document.querySelectorAll("[data-limit]").forEach(function (field) {
    if (field.value.length >= parseInt(field.getAttribute("data-limit"), 10) * 0.9) { count(field); }
  });
  document.querySelectorAll("form").forEach(function (form) {
    if (guarded(form) && form.querySelector("[aria-invalid=true]")) {
      dirty.add(form);
    }
  });
})();
