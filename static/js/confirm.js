// Forms marked data-confirm="question" ask before they send (deleting, removing, deactivating).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
