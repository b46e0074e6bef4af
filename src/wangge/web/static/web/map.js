// The area map: draws the children of the current area, drills down on click.
(function () {
  "use strict";
  const el = document.getElementById("map");
  const map = L.map(el, { zoomSnap: 0.25, maxZoom: 19 });  // the cluster layer needs a maxZoom
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  const roots = (el.dataset.roots || "").split(",").filter(Boolean);
  const colours = ["#0f3d6e", "#1b7f5a", "#b26b00", "#8e2c8e", "#b42318"];
  let layer = null;
  const state = { chain: [], code: null };
  window.wanggeMap = { map: map, state: state, drill: drill };
  const overlays = { events: null, heat: null };
  const eventsBox = document.getElementById("layer-events");
  const heatBox = document.getElementById("layer-heat");
  const choroBox = document.getElementById("layer-choropleth");
  const choroSelect = document.getElementById("choropleth-figure");
  // The choropleth of the current area's children (the dashboard's, stats/layers.js).
  const choropleth = window.wanggeLayers ? wanggeLayers.choropleth(map, choroSelect) : null;

  // Layers over the current area: its open events (clustered, coloured by stage and alert),
  // a heat map of this month's events and the children coloured by this month's figure —
  // all read from the figures' facts and rollups.
  async function showOverlays() {
    for (const k of Object.keys(overlays)) {
      if (overlays[k]) { overlays[k].remove(); overlays[k] = null; }
    }
    if (choropleth) choropleth.remove();
    capped("events-capped", false);
    capped("heat-capped", false);
    const code = state.code;
    if (!code) return;
    const area = encodeURIComponent(code);
    if (choroBox && choroBox.checked && choropleth) {
      const data = await getJSON("/api/stats/children?period=month&area=" + area);
      if (state.code !== code || !choroBox.checked) return;
      await choropleth.show(code, wanggeLayers.figuresOf(data.items), drill);
    }
    if (eventsBox && eventsBox.checked && L.markerClusterGroup && window.wanggeLayers) {
      const group = await wanggeLayers.openEvents(map, code, el.dataset.eventUrl);
      if (state.code !== code || !eventsBox.checked) return;
      overlays.events = group.addTo(map);
      capped("events-capped", el.dataset.eventsCapped === "1");
    }
    if (heatBox && heatBox.checked && L.heatLayer) {
      const data = await getJSON("/api/stats/heat?period=month&area=" + area);
      if (state.code !== code || !heatBox.checked) return;
      overlays.heat = L.heatLayer(data.points, { radius: 18, blur: 14, max: 1 }).addTo(map);
      el.dataset.heatPoints = String(data.points.length);
      capped("heat-capped", data.capped);
    }
  }
  // The note beside the layers when one holds only part of its points (the API's cap:
  // the newest open events, the densest heat cells), as on the dashboard and big screen.
  function capped(id, on) {
    const note = document.getElementById(id);
    if (note) note.hidden = !on;
  }
  for (const box of [eventsBox, heatBox, choroBox]) {
    if (box) box.addEventListener("change", () => showOverlays().catch((err) => console.error(err)));
  }

  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin" });
    if (!resp.ok) throw new Error(url + " → " + resp.status);
    return resp.json();
  }

  const LABELLED_AT_MOST = 80; // beyond this many areas the names are shown on hover only

  function render(collection, current) {
    if (layer) layer.remove();
    const labelled = collection.features.length <= LABELLED_AT_MOST;
    layer = L.geoJSON(collection, {
      style: (f) => f.properties.code === current
        ? { color: "#333", weight: 2, dashArray: "6 4", fill: false, interactive: false }
        : { color: colours[(f.properties.level - 1) % colours.length], weight: 1.5, fillOpacity: 0.15, className: "area-feature" },
      onEachFeature: (f, l) => {
        if (f.properties.code === current) return;
        // The areas' names on the map itself (no base map needed), or on hover when many.
        l.bindTooltip(f.properties.name, labelled
          ? { permanent: true, direction: "center", className: "area-label" }
          : { sticky: true });
        l.on("click", () => drill(f.properties.code));
      },
    }).addTo(map);
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  }

  function renderSide(detail) {
    const crumb = document.getElementById("breadcrumb");
    crumb.replaceChildren();
    const top = document.createElement("a");
    top.textContent = el.dataset.labelUp;
    top.addEventListener("click", showRoots);
    crumb.append(top);
    // The chain runs from the tree's top; start it at the user's own root, since the
    // ancestors above it are out of the user's scope (the API answers 404 for them).
    const chain = detail ? detail.chain : [];
    const start = Math.max(0, chain.findIndex((a) => roots.includes(a.code)));
    for (const a of chain.slice(start)) {
      crumb.append(" › ");
      const link = document.createElement("a");
      link.textContent = a.name;
      link.dataset.code = a.code;
      link.addEventListener("click", () => drill(a.code));
      crumb.append(link);
    }
    const current = document.getElementById("current");
    current.replaceChildren();
    if (detail) {
      const open = document.createElement("a");
      open.href = el.dataset.areaUrl.replace("CODE", encodeURIComponent(detail.code));
      open.textContent = el.dataset.labelOpen;
      current.append(detail.level_name + " · " + detail.code + " · ", open);
    }
    const list = document.getElementById("children");
    list.replaceChildren();
    for (const c of detail ? detail.children : []) {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = "#";
      link.textContent = c.name;
      link.dataset.drill = c.code;
      li.append(link, " ", Object.assign(document.createElement("small"), { textContent: c.code }));
      list.append(li);
    }
  }

  async function drill(code) {
    const [detail, collection] = await Promise.all([
      getJSON("/api/areas/" + encodeURIComponent(code)),
      getJSON("/api/areas/" + encodeURIComponent(code) + "/geojson?depth=1&include_self=true"),
    ]);
    state.code = code;
    state.chain = detail.chain.map((a) => a.code);
    renderSide(detail);
    render(collection, code);
    el.dataset.current = code;
    showOverlays().catch((err) => console.error(err));
  }

  async function showRoots() {
    if (roots.length === 1) return drill(roots[0]);
    const parts = await Promise.all(
      roots.map((c) => getJSON("/api/areas/" + encodeURIComponent(c) + "/geojson?depth=0&include_self=true")));
    state.code = null;
    renderSide(null);
    render({ type: "FeatureCollection", features: parts.flatMap((p) => p.features) }, null);
    el.dataset.current = "";
  }

  document.addEventListener("click", (e) => {
    const target = e.target.closest("[data-drill]");
    if (!target) return;
    e.preventDefault();
    drill(target.dataset.drill);
  });

  map.setView([30.28, 120.17], 12);
  if (roots.length) showRoots();
})();
