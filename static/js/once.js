/* One-time form tokens (consultancy/tenancy/once.py). A form that htmx submits stays on
   the page; the server answers with a fresh token in the X-Once-Token header, which goes
   into the form's _once input, so that the next submission is a new one. */
(function () {
  "use strict";

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var token = xhr && xhr.getResponseHeader("X-Once-Token");
    var form = event.detail && event.detail.elt && event.detail.elt.closest
      ? event.detail.elt.closest("form") : null;
    var input = form && form.querySelector("input[name=_once]");
    if (token && input) input.value = token;
  });
})();
