// Keeps the console live: when the server says something changed (Server-Sent Events), each
// part of the page marked data-live is fetched again and swapped in. Nothing else runs here.
"use strict";
(function () {
  const parts = () => Array.from(document.querySelectorAll("[data-live]"));
  if (parts().length === 0 || !window.EventSource) return;
  let pending = false;
  async function refresh() {
    if (pending) return;
    pending = true;
    try {
      for (const el of parts()) {
        // Never swap a part under someone typing in it.
        if (el.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) continue;
        const r = await fetch(el.dataset.live, { credentials: "same-origin" });
        if (r.ok) el.innerHTML = await r.text();
      }
      document.body.dataset.refreshed = String(Date.now());
    } finally {
      pending = false;
    }
  }
  const events = new EventSource("/console/events");
  events.addEventListener("changed", refresh);
})();
