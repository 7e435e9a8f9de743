// 登记监管: <input type="checkbox" data-check-all> ticks every box of its form's list (the batch reminder).
(function () {
  "use strict";
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.form.querySelectorAll("input[name=cases]").forEach(function (c) { c.checked = box.checked; });
    });
  });
})();
