/* The map of the dashboard and of the big screen: the child areas coloured by a chosen figure
   (wanggeLayers.choropleth, with its legend; click one to drill down), a heat map of the
   events reported in the period and, where the page asks (data-event-url), the clustered
   open events. Re-drawn after an htmx swap. */
(function () {
  "use strict";
  var current = null;

  function draw() {
    var el = document.getElementById("dash-map");
    var node = document.getElementById("dashboard-data");
    if (!el || !node || !window.L || !window.wanggeLayers) return;
    if (current) { current.remove(); current = null; }
    var data = JSON.parse(node.textContent);
    // No animations: a swap may take the map away mid-zoom (Leaflet then reads a removed
    // layer's position), and a figure map gains nothing from them.
    var map = L.map(el, { zoomSnap: 0.25, maxZoom: 19, zoomAnimation: false, fadeAnimation: false, markerZoomAnimation: false });
    current = map;
    window.wanggeDashMap = map;
    map.setView([30.28, 120.17], 11);
    var select = document.getElementById("choropleth-figure");
    var heatBox = document.getElementById("heat-toggle");
    var heat = null;
    var areas = wanggeLayers.choropleth(map, select);
    areas.show(el.dataset.area, data.areas, function (code) {
      window.location.search = "?area=" + encodeURIComponent(code) + (el.dataset.kept ? "&" + el.dataset.kept : "");
    }).then(function (layer) {
      if (current !== map || !layer) return;
      var bounds = layer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10], animate: false });
    }).catch(function () {});

    function showHeat() {
      if (heat) { heat.remove(); heat = null; }
      if ((heatBox && !heatBox.checked) || !L.heatLayer) return;
      wanggeLayers.getJSON(el.dataset.heatUrl).then(function (d) {
        if (current !== map || (heatBox && !heatBox.checked)) return;
        heat = L.heatLayer(d.points, { radius: 18, blur: 14, max: 1 }).addTo(map);
        el.dataset.heatPoints = String(d.points.length);
        capped("heat-capped", d.capped);
      }).catch(function () {});
    }
    if (heatBox) heatBox.addEventListener("change", showHeat);
    showHeat();
    if (el.dataset.eventUrl && L.markerClusterGroup) {
      wanggeLayers.openEvents(map, el.dataset.area, el.dataset.eventUrl).then(function (group) {
        if (current === map) group.addTo(map);
        capped("events-capped", el.dataset.eventsCapped === "1");
      }).catch(function () {});
    }
  }
  // The note under the map when a layer holds only part of its points (the API's cap).
  function capped(id, on) {
    var note = document.getElementById(id);
    if (note) note.hidden = !on;
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSwap", function () {
    // Only a swap that brought a new map container redraws; the others leave the map be.
    var el = document.getElementById("dash-map");
    if (el && (!current || current.getContainer() !== el)) draw();
  });
})();
