// The job page's progress without reloading: asks status.json every second and moves the bar;
// reloads the page once the job has finished (for its times and message). Without JavaScript
// the page refreshes itself instead (a <noscript> refresh).
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || root.dataset.finished === "1" || !window.fetch) {
    return;
  }
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-progress-text");
  var state = document.getElementById("job-state");

  function show(status) {
    if (bar && status.total) {
      bar.max = status.total;
      bar.value = status.done;
    }
    text.textContent = status.text;
    state.textContent = status.state_label;
  }

  function poll() {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        if (status.finished) {
          window.location.reload();
          return;
        }
        show(status);
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
