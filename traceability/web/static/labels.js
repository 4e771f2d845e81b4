// Label job progress: asks the server every two seconds until the PDF is ready.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job || ["queued", "running"].indexOf(job.getAttribute("data-status")) < 0) { return; }
  var url = job.getAttribute("data-status-url");
  var progress = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var status = document.getElementById("job-status");
  var error = document.getElementById("job-error");
  var download = document.getElementById("job-download");
  var names = JSON.parse(job.getAttribute("data-names") || "{}");

  function update() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        progress.max = data.total || 1;
        progress.value = data.done;
        count.textContent = count.getAttribute("data-template")
          .replace("{done}", data.done).replace("{total}", data.total);
        status.textContent = names[data.status] || data.status;
        if (data.status === "done") { download.hidden = false; return; }
        if (data.status === "failed") { error.textContent = data.error; error.hidden = false; return; }
        window.setTimeout(update, 2000);
      })
      .catch(function () { window.setTimeout(update, 5000); });
  }
  window.setTimeout(update, 1000);
})();
