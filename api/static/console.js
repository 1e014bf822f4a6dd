// sipas staff console: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Buttons with data-confirm ask before a form that cannot be undone is sent (close a wave, revoke…).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var form = event.target;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Filter forms marked data-autosubmit reload when a select changes (the button stays for keyboard users).
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Move focus to an error summary so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
