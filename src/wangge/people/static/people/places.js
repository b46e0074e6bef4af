// Organisations, hazard points and facilities as coloured dots (no tiles needed).
(function () {
  "use strict";
  const el = document.getElementById("places-map");
  if (!el) return;
  const map = L.map(el, { zoomSnap: 0.25 }).setView([30.27, 120.16], 12);
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
  const colours = { organization: "#175cd3", hazard: "#b42318", facility: "#067647" };
  fetch(el.dataset.featuresUrl, { credentials: "same-origin" })
    .then((resp) => resp.json())
    .then((collection) => {
      const layer = L.geoJSON(collection, {
        pointToLayer: (f, latlng) => L.circleMarker(latlng, {
          radius: 5, color: colours[f.properties.layer] || "#333", fillOpacity: 0.8,
          className: "place-" + f.properties.layer,
        }),
        onEachFeature: (f, l) => l.bindTooltip(f.properties.name + " · " + f.properties.detail),
      }).addTo(map);
      const bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], maxZoom: 17 });
      el.dataset.loaded = String(collection.features.length);
    });
})();
