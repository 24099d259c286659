// The roster import page while an import is queued or running: every few seconds the page is
// fetched again and the run's state, its summary and the list of imports are brought up to
// date in place (the state line is a live region, so a screen reader hears "Done"). Without
// this script the "Refresh" link does the same. It stops when no import is pending, after ten
// minutes, or when a fetch fails. Once the run is over, the note that it was queued goes.
(function () {
  "use strict";
  var PENDING = "[data-roster-pending]";
  var EVERY_MS = 4000;
  var UNTIL = Date.now() + 10 * 60 * 1000;

  if (!document.querySelector(PENDING) || !window.fetch || !window.DOMParser) { return; }

  function swap(fresh, id, textOnly) {
    var here = document.getElementById(id);
    var there = fresh.getElementById(id);
    if (!here || !there) { return; }
    if (textOnly) {
      if (here.textContent !== there.textContent) { here.innerHTML = there.innerHTML; }
    } else {
      here.innerHTML = there.innerHTML;
      if (!there.hasAttribute("data-roster-pending")) { here.removeAttribute("data-roster-pending"); }
    }
  }

  function check() {
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        swap(fresh, "roster-run-state", true);
        swap(fresh, "roster-run-body", false);
        swap(fresh, "roster-runs", false);
        var run = document.getElementById("roster-run");
        if (run && !fresh.querySelector("#roster-run[data-roster-pending]")) {
          run.removeAttribute("data-roster-pending");
          var queued = document.getElementById("messages");  // "Import queued…" is no longer true
          if (queued) { queued.parentNode.removeChild(queued); }
        }
        if (fresh.querySelector(PENDING) && Date.now() < UNTIL) { window.setTimeout(check, EVERY_MS); }
      })
      .catch(function () { /* the Refresh link still works */ });
  }

  window.setTimeout(check, EVERY_MS);
}());
