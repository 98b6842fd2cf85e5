/* The risk item form (delivery/risk_form.html): only the chosen method's factors show. */
(function () {
  "use strict";
  var form = document.getElementById("record-form");
  if (!form) return;
  function show() {
    var checked = form.querySelector("input[name=method]:checked");
    var method = checked ? checked.value : "LEC";
    ["LEC", "LS"].forEach(function (m) {
      var box = document.getElementById("factors-" + m);
      if (box) box.hidden = (m !== method);
    });
  }
  form.querySelectorAll("input[name=method]").forEach(function (el) { el.addEventListener("change", show); });
  show();
})();
