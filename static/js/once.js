// A re-sent create form makes nothing twice (cbl/once.py): the server answers a form whose
// one-time token was used already with what that form made. A browser that reloads a page on
// "Back" (instead of showing it from its cache) gives the form a fresh token while it puts the
// typed text back, and "Create" would then make a second object. So the token a form was sent
// with is kept in the page's own history entry, and put back whenever that entry is shown
// again. A form opened anew (a link, a new tab) is a new entry and keeps its fresh token.
(function () {
  "use strict";
  var KEY = "cblOnceTokens";
  var FIELD = "input[name=once_token]";

  function tokens() {
    var state = window.history.state;
    return (state && typeof state === "object" && state[KEY]) || {};
  }

  document.querySelectorAll("form").forEach(function (form) {
    var input = form.querySelector(FIELD);
    var sent = input && tokens()[form.action];
    if (sent) { input.value = sent; }
  });

  // On window, so that it runs after the handlers that may cancel the sending (confirm.js).
  window.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector(FIELD);
    if (event.defaultPrevented || !input) { return; }
    var state = Object.assign({}, window.history.state);
    state[KEY] = Object.assign({}, tokens());
    state[KEY][form.action] = input.value;
    try {
      window.history.replaceState(state, "");
    } catch (err) {
      // Without history state the server's token still stops double clicks and re-posts.
    }
  });
})();
