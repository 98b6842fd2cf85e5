/* Formset rows added and removed in place (consultancy/formrows.py). With JavaScript:
   - the "add a row" buttons ([data-row-add], hx-get) are shown; htmx appends the next row;
   - each row ([data-row]) gets its remove button ([data-row-remove]) shown and its DELETE
     checkbox hidden; removing marks DELETE (or, for a row without one, disables its inputs
     so that it posts nothing) and hides the row.
   Without JavaScript the buttons stay hidden and the DELETE checkboxes stay. */
(function () {
  "use strict";

  function init(root) {
    root.querySelectorAll("[data-row-add]").forEach(function (el) { el.hidden = false; });
    root.querySelectorAll("[data-row]").forEach(function (row) {
      var remove = row.querySelector("[data-row-remove]");
      if (!remove) return;
      remove.hidden = false;
      var del = row.querySelector("input[name$='-DELETE']");
      var wrapper = del && (del.closest(".form-check") || del.parentElement);
      if (wrapper) wrapper.hidden = true;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-row-remove]") : null;
    if (!button) return;
    event.preventDefault();
    var row = button.closest("[data-row]");
    if (!row) return;
    var del = row.querySelector("input[name$='-DELETE']");
    if (del) {
      del.checked = true;
    } else {
      row.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = true; });
    }
    row.hidden = true;
    row.classList.add("row-removed");
  });

  document.addEventListener("htmx:load", function (event) { init(event.detail.elt.parentElement || document); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
