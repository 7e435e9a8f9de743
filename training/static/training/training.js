// 业务培训 / 行风建设 pages: the staff picker (filter, tick the shown names, count) and year pickers that submit on change.
(function () {
  "use strict";
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var filter = picker.querySelector("[data-picker-filter]");
    var count = picker.querySelector("[data-picker-count]");
    var items = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-item]"));
    var groups = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-group]"));
    function boxes(visibleOnly) {
      return items.filter(function (item) { return !visibleOnly || !item.hidden; })
        .map(function (item) { return item.querySelector("input[type=checkbox]"); });
    }
    function update() {
      if (count) { count.textContent = boxes(false).filter(function (b) { return b.checked; }).length; }
    }
    if (filter) {
      filter.addEventListener("input", function () {
        var text = filter.value.trim();
        items.forEach(function (item) { item.hidden = text !== "" && item.textContent.indexOf(text) === -1; });
        groups.forEach(function (group) {
          group.hidden = !group.querySelector("[data-picker-item]:not([hidden])");
        });
      });
      // Enter in the filter box must not submit the sign-in form.
      filter.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
    }
    var all = picker.querySelector("[data-picker-all]");
    var none = picker.querySelector("[data-picker-none]");
    if (all) { all.addEventListener("click", function () { boxes(true).forEach(function (b) { b.checked = true; }); update(); }); }
    if (none) { none.addEventListener("click", function () { boxes(false).forEach(function (b) { b.checked = false; }); update(); }); }
    picker.addEventListener("change", update);
    update();
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
