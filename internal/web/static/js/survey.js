// Needs survey: hides the questions that do not apply, given the answers
// above them. Without this file every question shows, with its condition
// written beside it, and the server drops the answers that do not apply.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.survey-form");
  const conditional = form ? Array.from(form.querySelectorAll("[data-show-if]")) : [];
  if (conditional.length === 0) {
    return;
  }
  const update = () => {
    for (const q of conditional) {
      const field = q.dataset.showIf;
      const anyOf = q.dataset.anyOf.split(" ");
      // A question that is itself hidden counts as not answered.
      const source = document.getElementById("question-" + field.slice(2));
      let shown = false;
      if (!source || !source.hidden) {
        for (const input of form.querySelectorAll(`input[name="${CSS.escape(field)}"]`)) {
          if (input.checked && anyOf.includes(input.value)) {
            shown = true;
          }
        }
      }
      q.hidden = !shown;
    }
  };
  form.addEventListener("change", update);
  update();
});
