// The event pages: the small map of an event, one submit per form (the report form: report.js).
(function () {
  "use strict";

  // A form marked data-once is sent once: later clicks do nothing while the page is leaving.
  // Disabling waits a tick so the pressed button's name and value still go with the form.
  // A form marked data-confirm asks first (escalate, merge, reject, cancel): no is no send.
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.confirm && !form.dataset.sent && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    if (!form.hasAttribute("data-once")) return;
    if (form.dataset.sent) {
      e.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    setTimeout(() => {
      for (const b of form.querySelectorAll("button")) b.disabled = true;
    }, 0);
  });
  // Coming back through the browser's history shows the page as it was left: re-arm it.
  window.addEventListener("pageshow", () => {
    for (const form of document.querySelectorAll("form[data-once]")) {
      delete form.dataset.sent;
      for (const b of form.querySelectorAll("button")) b.disabled = false;
    }
  });

  // The event's point and the outline of its area, without a base map unless one is set.
  const mapEl = document.getElementById("event-map");
  if (mapEl && window.L) {
    const map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: !!mapEl.dataset.tileUrl });
    if (mapEl.dataset.tileUrl) {
      L.tileLayer(mapEl.dataset.tileUrl, {
        attribution: mapEl.dataset.tileAttribution, maxZoom: 19,
      }).addTo(map);
    }
    const lon = parseFloat(mapEl.dataset.lon);
    const lat = parseFloat(mapEl.dataset.lat);
    const point = Number.isFinite(lon) && Number.isFinite(lat) ? [lat, lon] : null;
    const drawn = L.featureGroup().addTo(map);
    if (point) {
      L.circleMarker(point, {
        radius: 7, color: "#b42318", weight: 2, fillOpacity: 0.8, className: "event-point",
      }).addTo(drawn);
    }
    const fit = () => {
      const bounds = drawn.getBounds();
      if (!bounds.isValid()) {  // no point, and the area is out of the user's sight
        map.remove();
        mapEl.classList.add("empty");
        mapEl.textContent = mapEl.dataset.empty;
        return;
      }
      if (point && drawn.getLayers().length === 1) map.setView(point, 16, { animate: false });
      else map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17, animate: false });
    };
    map.setView(point || [30.28, 120.17], point ? 16 : 12);
    fetch(mapEl.dataset.areaUrl, { credentials: "same-origin" })
      .then((resp) => (resp.ok ? resp.json() : null))
      .then((collection) => {
        if (collection) {
          L.geoJSON(collection, {
            style: { color: "#0f3d6e", weight: 2, fillOpacity: 0.08, className: "event-area" },
          }).addTo(drawn);
        }
        fit();
        mapEl.dataset.ready = "1";
      })
      .catch(() => {
        fit();  // the area is out of the user's sight (a department handler): the point alone
        mapEl.dataset.ready = "1";
      });
  }
})();
