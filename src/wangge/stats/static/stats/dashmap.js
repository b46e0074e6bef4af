/* The dashboard's map: the child areas coloured by a chosen figure (click one to drill down)
   and a heat map of the events reported in the period. Re-drawn after an htmx swap. */
(function () {
  "use strict";
  var palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  var current = null;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + " → " + r.status);
      return r.json();
    });
  }

  function draw() {
    var el = document.getElementById("dash-map");
    var node = document.getElementById("dashboard-data");
    if (!el || !node || !window.L) return;
    if (current) { current.remove(); current = null; }
    var data = JSON.parse(node.textContent);
    // No animations: a swap may take the map away mid-zoom (Leaflet then reads a removed
    // layer's position), and a figure map gains nothing from them.
    var map = L.map(el, { zoomSnap: 0.25, zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false });
    current = map;
    window.wanggeDashMap = map;
    map.setView([30.28, 120.17], 11);
    var select = document.getElementById("choropleth-figure");
    var heatBox = document.getElementById("heat-toggle");
    var areas = null;
    var heat = null;

    function colour(value, low, high) {
      if (value === null || value === undefined) return "#ddd";
      if (high <= low) return palette[2];
      var i = Math.min(palette.length - 1, Math.floor(((value - low) / (high - low)) * palette.length));
      return palette[i];
    }

    function paint() {
      if (!areas) return;
      var key = select.value;
      var values = Object.keys(data.areas).map(function (c) { return data.areas[c][key][0]; })
        .filter(function (v) { return v !== null; });
      var low = Math.min.apply(null, values.length ? values : [0]);
      var high = Math.max.apply(null, values.length ? values : [0]);
      areas.eachLayer(function (l) {
        var figs = data.areas[l.feature.properties.code];
        var v = figs ? figs[key][0] : null;
        l.setStyle({ fillColor: colour(v, low, high), fillOpacity: 0.6, color: "#446", weight: 1 });
        l.setTooltipContent((figs ? figs.name : l.feature.properties.name) + ": " + (figs ? figs[key][1] : "—"));
      });
    }

    getJSON("/api/areas/" + encodeURIComponent(el.dataset.area) + "/geojson?depth=1").then(function (fc) {
      if (current !== map) return;
      areas = L.geoJSON(fc, {
        className: "choropleth-area",
        onEachFeature: function (f, l) {
          l.bindTooltip(f.properties.name, { sticky: true });
          l.on("click", function () {
            window.location.search = "?area=" + encodeURIComponent(f.properties.code) + (el.dataset.kept ? "&" + el.dataset.kept : "");
          });
        },
      }).addTo(map);
      paint();
      var bounds = areas.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], animate: false });
    }).catch(function () {});

    function showHeat() {
      if (heat) { heat.remove(); heat = null; }
      if (!heatBox.checked || !L.heatLayer) return;
      getJSON(el.dataset.heatUrl).then(function (d) {
        if (current !== map || !heatBox.checked) return;
        heat = L.heatLayer(d.points, { radius: 18, blur: 14, max: 1 }).addTo(map);
        el.dataset.heatPoints = String(d.points.length);
      }).catch(function () {});
    }
    select.addEventListener("change", paint);
    heatBox.addEventListener("change", showHeat);
    showHeat();
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSwap", function () {
    // Only a swap that brought a new map container redraws; the others leave the map be.
    var el = document.getElementById("dash-map");
    if (el && (!current || current.getContainer() !== el)) draw();
  });
})();
