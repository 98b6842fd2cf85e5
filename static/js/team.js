/* The working group's "add a member" form (delivery/team.html): the provider's fields or
   the client's, as the chosen side says. */
(function () {
  "use strict";
  var form = document.getElementById("member-form");
  if (!form) return;
  var side = form.querySelector("select[name=side]");
  if (!side) return;
  function show() {
    form.querySelectorAll(".member-provider").forEach(function (el) { el.hidden = side.value !== "provider"; });
    form.querySelectorAll(".member-client").forEach(function (el) { el.hidden = side.value !== "client"; });
  }
  side.addEventListener("change", show);
  show();
})();
