// The command centre's queue: counts that refresh by themselves, a new report announced on
// screen and by a tone, and the select-all box of the bulk actions.
(function () {
  "use strict";
  const tabs = document.getElementById("queue-tabs");
  const alertBox = document.getElementById("new-report-alert");
  const POLL_MS = 20000;

  function beep() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      const ctx = new Ctx();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.15;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.4);
    } catch (e) { /* no sound allowed yet: the visible alert remains */ }
  }

  function refresh() {
    fetch(tabs.dataset.countsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((resp) => (resp.ok ? resp.json() : null))
      .then((data) => {
        if (!data) return;
        for (const [name, count] of Object.entries(data.counts)) {
          const el = tabs.querySelector('[data-tab="' + name + '"] .count');
          if (el) el.textContent = count;
        }
        const seen = parseInt(tabs.dataset.newest || "0", 10);
        if (data.newest > seen) {
          tabs.dataset.newest = data.newest;
          alertBox.hidden = false;
          if (!document.title.startsWith("● ")) document.title = "● " + document.title;
          beep();
        }
      })
      .catch(() => {});
  }

  if (tabs && alertBox) {
    window.wanggeRefreshQueue = refresh;  // for the browser tests
    setInterval(refresh, POLL_MS);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  }

  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll('input[name="codes"]')) box.checked = all.checked;
    });
  }
})();
