// Leaflet in the platform's language: the zoom buttons' titles from the page, and no
// attribution prefix (no "Leaflet" link, no flag). Loaded right after leaflet.js.
(function () {
  "use strict";
  const me = document.currentScript;
  if (!window.L || !me) return;
  L.Control.Zoom.mergeOptions({
    zoomInTitle: me.dataset.zoomIn || "+",
    zoomOutTitle: me.dataset.zoomOut || "-",
  });
  L.Control.Attribution.mergeOptions({ prefix: false });
})();
