// follows a background job's progress (no inline script: the pages' CSP allows scripts from /static only)
(function poll() {
  const bar0 = document.getElementById("bar");
  fetch("/admin/jobs/" + encodeURIComponent(bar0.dataset.job) + "/state", {credentials: "same-origin"}).then(r => r.json()).then(s => {
    const bar = document.getElementById("bar");
    if (s.total) { bar.max = s.total; bar.value = s.done; } else { bar.removeAttribute("value"); }
    document.getElementById("job-status").textContent = s.status + (s.stage ? " · " + s.stage : "") +
      (s.total ? " · " + s.done + "/" + s.total : "") + (s.message ? " · " + s.message : "");
    if (s.status === "done" || s.status === "failed") {
      document.getElementById("job-result").textContent = JSON.stringify(s.result, null, 2);
      if (s.status === "done") { bar.max = 1; bar.value = 1; }
    } else { setTimeout(poll, 700); }
  }).catch(() => setTimeout(poll, 1500));
})();
