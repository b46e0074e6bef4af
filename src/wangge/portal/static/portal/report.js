// The resident's report form: a pin on the map (a tap, or the browser's location), a check
// of the photos before they are sent, and one submit only.
(function () {
  "use strict";
  const form = document.getElementById("portal-form");
  if (!form) return;
  const lonInput = document.getElementById("lon");
  const latInput = document.getElementById("lat");
  const status = document.getElementById("geo-status");
  const mapEl = document.getElementById("pin-map");
  const locate = document.getElementById("locate");
  let marker = null;

  const map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: !!mapEl.dataset.tileUrl });
  if (mapEl.dataset.tileUrl) {
    L.tileLayer(mapEl.dataset.tileUrl, { attribution: mapEl.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
  }
  map.setView([30.28, 120.17], 12);

  function pin(lat, lon, centre) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.marker([lat, lon], { draggable: true }).addTo(map);
    marker.off("dragend").on("dragend", () => {
      const p = marker.getLatLng();
      pin(p.lat, p.lng, false);
    });
    if (centre) map.setView([lat, lon], Math.max(map.getZoom(), 16));
    form.dataset.pinned = "1";
  }

  map.on("click", (e) => pin(e.latlng.lat, e.latlng.lng, false));

  fetch(mapEl.dataset.outline)
    .then((resp) => (resp.ok ? resp.json() : null))
    .then((collection) => {
      if (collection && collection.features.length) {
        const layer = L.geoJSON(collection, {
          style: (f) => ({ color: "#0f3d6e", weight: f.properties.level === 1 ? 2.5 : 1, fillOpacity: 0.05 }),
          interactive: false,
        }).addTo(map);
        if (!marker) map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false });
      }
    })
    .catch(() => {})
    .finally(() => {
      const lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
      if (Number.isFinite(lat) && Number.isFinite(lon)) pin(lat, lon, true);  // kept after an error
      mapEl.dataset.ready = "1";
    });

  locate.addEventListener("click", () => {
    if (!navigator.geolocation) {
      status.textContent = locate.dataset.unavailable;
      return;
    }
    status.textContent = locate.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        pin(p.coords.latitude, p.coords.longitude, true);  // browsers give WGS-84
        status.textContent = locate.dataset.found;
      },
      () => { status.textContent = locate.dataset.unavailable; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  });

  const photos = document.getElementById("photos");
  const note = document.getElementById("photo-note");
  function photosOk() {
    const files = Array.from(photos.files || []);
    let message = "";
    if (files.length > parseInt(photos.dataset.max, 10)) message = photos.dataset.tooMany;
    else if (files.some((f) => f.size > parseInt(photos.dataset.maxBytes, 10))) message = photos.dataset.tooLarge;
    note.textContent = message;
    photos.setCustomValidity(message);
    return !message;
  }
  photos.addEventListener("change", photosOk);

  form.addEventListener("submit", (e) => {
    if (!photosOk() || form.dataset.sent) {
      e.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    setTimeout(() => {
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    }, 0);
  });
  window.addEventListener("pageshow", () => {
    delete form.dataset.sent;
    for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = false;
  });
})();
