/* Behaviour of every page, loaded by base.html. The Content-Security-Policy allows no inline
   script or event handler, so templates mark elements with data-* attributes instead:
   - <form data-confirm="question">: asks before submitting;
   - <select data-autosubmit>: submits its form on change;
   - #delivery-nav: on a phone the row scrolls, the current page's pill is brought into view. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });

  function scrollDeliveryNav() {
    var nav = document.getElementById("delivery-nav");
    var active = nav && nav.querySelector(".active");
    if (active && nav.scrollWidth > nav.clientWidth) nav.scrollLeft = active.offsetLeft - 16;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scrollDeliveryNav);
  } else {
    scrollDeliveryNav();
  }
})();
