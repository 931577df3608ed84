// The dashboard refreshes its numbers every half minute while the page is visible.
(function () {
  "use strict";
  const REFRESH_MS = 30000;
  const body = document.getElementById("dash-body");
  if (!body) return;

  async function refresh() {
    if (document.hidden) return;
    const days = encodeURIComponent(body.dataset.days || "14");
    try {
      const response = await fetch("/dashboard?partial=1&days=" + days,
        { credentials: "same-origin" });
      if (!response.ok) return;
      const open = Array.from(body.querySelectorAll("details")).map((d) => d.open);
      body.innerHTML = await response.text();
      body.querySelectorAll("details").forEach((d, i) => { d.open = !!open[i]; });
    } catch (error) {
      // Try again at the next tick.
    }
  }

  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", refresh);
})();
