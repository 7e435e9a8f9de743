// 双随机 pages: confirmation on individual buttons, select-all boxes, and the follow-up form's conditional fields.
(function () {
  "use strict";
  // <button data-confirm-click="……？"> asks before that button submits its form.
  document.querySelectorAll("[data-confirm-click]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm-click"))) { event.preventDefault(); }
    });
  });
  // <input type=checkbox data-select-all="name"> ticks every checkbox of that name in the same form.
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      var form = box.form || document;
      form.querySelectorAll("input[type=checkbox][name='" + box.getAttribute("data-select-all") + "']")
        .forEach(function (b) { b.checked = box.checked; });
    });
  });
  // The follow-up form shows only the fields its measure needs.
  document.querySelectorAll("form[data-follow-up]").forEach(function (form) {
    var measure = form.querySelector("[name=measure]");
    function sync() {
      form.querySelectorAll("[data-for-measure]").forEach(function (field) {
        field.hidden = field.getAttribute("data-for-measure") !== measure.value;
      });
    }
    if (measure) { measure.addEventListener("change", sync); sync(); }
  });
})();
