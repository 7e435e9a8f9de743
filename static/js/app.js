// Shared behaviour: the phone menu, confirmation before destructive actions, job progress bars.
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // <form data-confirm="确定要……吗？"> asks before submitting; submit buttons disable to stop double submission.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  // <div data-job-status-url="..."> polls a job and fills .progress > span, [data-job-stage] and [data-job-percent].
  document.querySelectorAll("[data-job-status-url]").forEach(function (box) {
    var url = box.getAttribute("data-job-status-url");
    var bar = box.querySelector(".progress > span");
    var stage = box.querySelector("[data-job-stage]");
    var percent = box.querySelector("[data-job-percent]");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar) { bar.style.width = job.percent + "%"; }
          if (percent) { percent.textContent = job.percent + "%"; }
          if (stage) { stage.textContent = job.status_label + (job.stage ? " · " + job.stage : ""); }
          if (job.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  });
})();
