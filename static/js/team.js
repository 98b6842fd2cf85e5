/* The working group's "add a member" form (delivery/team.html): the provider's fields or
   the client's, as the chosen side says. The form is replaced in place when a member is
   added or removed (htmx), so the choice is read from whichever form is on the page. */
(function () {
  "use strict";
  function show() {
    var form = document.getElementById("member-form");
    var side = form && form.querySelector("select[name=side]");
    if (!side) return;
    form.querySelectorAll(".member-provider").forEach(function (el) { el.hidden = side.value !== "provider"; });
    form.querySelectorAll(".member-client").forEach(function (el) { el.hidden = side.value !== "client"; });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#member-form select[name=side]")) show();
  });
  document.addEventListener("htmx:afterSettle", show);
  show();
})();
