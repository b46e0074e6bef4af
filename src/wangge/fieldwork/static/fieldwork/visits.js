// Visits and must-attend pages: the check-in position from the phone, and the coverage map.
(function () {
  "use strict";

  // Forms marked data-locate get lon/lat from the browser (WGS-84, as the Geolocation API gives).
  for (const form of document.querySelectorAll("form[data-locate]")) {
    const lon = form.querySelector("input[name=lon]");
    const lat = form.querySelector("input[name=lat]");
    const status = form.querySelector("[data-locate-status]");
    if (!lon || !lat || lon.value || !navigator.geolocation) continue;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        lon.value = pos.coords.longitude.toFixed(6);
        lat.value = pos.coords.latitude.toFixed(6);
        if (status) status.dataset.located = "1";
      },
      () => { if (status) status.dataset.located = "0"; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  // The coverage map: child areas coloured by done / due, click to drill down.
  const el = document.getElementById("visit-map");
  if (!el || typeof L === "undefined") return;
  const map = L.map(el, { zoomSnap: 0.25 }).setView([30.27, 120.16], 12);
  function colour(p) {
    if (!p.due) return "#98a2b3";
    const share = p.done / p.due; // red → amber → green
    const hue = Math.round(120 * Math.max(0, Math.min(1, share)));
    return "hsl(" + hue + ", 70%, 42%)";
  }
  fetch(el.dataset.featuresUrl, { credentials: "same-origin" })
    .then((resp) => resp.json())
    .then((collection) => {
      const layer = L.geoJSON(collection, {
        style: (f) => ({ color: "#333", weight: 1, fillColor: colour(f.properties), fillOpacity: 0.55, className: "coverage-area" }),
        onEachFeature: (f, l) => {
          const p = f.properties;
          const pct = p.due ? Math.round((100 * p.done) / p.due) + "%" : "—";
          l.bindTooltip(p.name + " · " + p.done + "/" + p.due + " · " + pct, { sticky: true });
          l.on("click", () => { window.location.search = el.dataset.drillUrl.replace("CODE", encodeURIComponent(p.code)).slice(1); });
        },
      }).addTo(map);
      const bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
      el.dataset.loaded = String(collection.features.length);
    });
})();
