// Markdown preview beside the editor: the server renders and sanitizes, exactly as on save.
(function () {
  var token = document.querySelector('input[name="csrf_token"]');
  document.querySelectorAll("[data-preview-for]").forEach(function (button) {
    var textarea = document.getElementById(button.getAttribute("data-preview-for"));
    var target = document.getElementById(textarea.getAttribute("data-preview-target"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var body = new FormData();
      body.append("body", textarea.value);
      fetch(button.getAttribute("data-preview-url"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.value : ""}
      }).then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      }).then(function (data) {
        target.innerHTML = data.html || "<p>…</p>";
        target.hidden = false;
      }).catch(function () {
        target.textContent = target.getAttribute("data-error") || "Preview is not available right now.";
        target.hidden = false;
      });
    });
  });
})();
