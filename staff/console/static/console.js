// A little help where a browser runs scripts; every form works without them.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-submit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll(".js-hide").forEach(function (element) { element.hidden = true; });
  // A form is sent once, however often its button is pressed.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });
});
