// Small conveniences; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Bring the error summary to the reader's attention.
  const summary = document.getElementById("erreurs");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
  // Select a new API token on focus, ready to copy.
  for (const input of document.querySelectorAll("input.token-value")) {
    input.addEventListener("focus", () => input.select());
  }
});
