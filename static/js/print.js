// A "Print" button for pages meant to be printed (the transcript). Without JavaScript the
// button stays hidden and the browser's own Print menu does the same.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
