// The report form of the phone: the place as a pin on a map (the browser's location puts it
// there first; a tap or a drag moves it), a category picker that searches, and the
// "report and settle it myself" button for categories the grid may settle.
(function () {
  "use strict";

  const report = document.getElementById("report-form");
  if (!report) return;
  const status = document.getElementById("geo-status");
  const area = document.getElementById("area");
  const lonInput = document.getElementById("lon");
  const latInput = document.getElementById("lat");
  let pinnedByHand = false;
  let pin = null;
  let map = null;

  const setPlace = (lat, lon) => {
    lonInput.value = lon.toFixed(7);
    latInput.value = lat.toFixed(7);
    area.required = false;
  };

  const mapEl = document.getElementById("report-map");
  if (mapEl && window.L) {
    map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: !!mapEl.dataset.tileUrl });
    if (mapEl.dataset.tileUrl) {
      L.tileLayer(mapEl.dataset.tileUrl, { attribution: mapEl.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    map.setView([30.28, 120.17], 12);
    const place = (latlng, byHand) => {
      if (!pin) {
        pin = L.marker(latlng, { draggable: true, keyboard: true, title: status.dataset.pinned }).addTo(map);
        pin.on("dragend", () => {
          const p = pin.getLatLng();
          pinnedByHand = true;
          setPlace(p.lat, p.lng);
          status.textContent = status.dataset.pinned;
          report.dataset.geo = "pinned";
        });
      } else {
        pin.setLatLng(latlng);
      }
      if (pin._icon) pin._icon.classList.add("report-pin");
      setPlace(latlng.lat, latlng.lng);
      if (byHand) {
        pinnedByHand = true;
        status.textContent = status.dataset.pinned;
        report.dataset.geo = "pinned";
      }
    };
    map.on("click", (e) => place(e.latlng, true));
    report.placePin = place;
    if (mapEl.dataset.areaUrl) {
      fetch(mapEl.dataset.areaUrl, { credentials: "same-origin" })
        .then((resp) => (resp.ok ? resp.json() : null))
        .then((collection) => {
          if (collection && collection.features && collection.features.length) {
            const outline = L.geoJSON(collection, {
              style: { color: "#0f3d6e", weight: 2, fillOpacity: 0.05, className: "report-area" },
              interactive: false,
            }).addTo(map);
            if (!pin) map.fitBounds(outline.getBounds(), { padding: [8, 8], animate: false });
          }
        })
        .catch(() => {})
        .finally(() => { mapEl.dataset.ready = "1"; });
    } else {
      mapEl.dataset.ready = "1";
    }
    // A value kept from a refused post puts the pin back.
    const lon0 = parseFloat(lonInput.value), lat0 = parseFloat(latInput.value);
    if (Number.isFinite(lon0) && Number.isFinite(lat0)) {
      place(L.latLng(lat0, lon0), true);
      map.setView([lat0, lon0], 17);
    }
  }

  const unavailable = () => {
    if (pinnedByHand) return;
    lonInput.value = latInput.value = "";
    status.textContent = status.dataset.unavailable;
    area.required = true;
    report.dataset.geo = "unavailable";
  };
  if (!navigator.geolocation || !window.isSecureContext) {
    unavailable();
  } else {
    status.textContent = status.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        if (pinnedByHand) return;
        const lat = pos.coords.latitude, lon = pos.coords.longitude;
        if (map) {
          report.placePin(L.latLng(lat, lon), false);
          map.setView([lat, lon], 17, { animate: false });
        } else {
          setPlace(lat, lon);
        }
        status.textContent = status.dataset.found + " (±" + Math.round(pos.coords.accuracy) + " m)";
        report.dataset.geo = "found";
      },
      unavailable,
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
    );
  }

  // The category picker: typing keeps the matching options; one match is chosen at once.
  const search = document.getElementById("category-search");
  const select = document.getElementById("category");
  const count = document.getElementById("category-count");
  const settleBox = document.getElementById("settle-box");
  const showSettle = () => {
    const opt = select.selectedOptions[0];
    settleBox.hidden = !(opt && opt.dataset.settle);
  };
  if (search && select) {
    search.addEventListener("input", () => {
      const q = search.value.trim();
      const matches = [];
      for (const opt of select.querySelectorAll("option[value]:not([value=''])")) {
        const group = opt.parentElement.tagName === "OPTGROUP" ? opt.parentElement.label : "";
        const hit = !q || opt.textContent.includes(q) || group.includes(q) || opt.value.startsWith(q);
        opt.hidden = !hit;
        if (hit) matches.push(opt);
      }
      for (const g of select.querySelectorAll("optgroup")) {
        g.hidden = !Array.from(g.children).some((o) => !o.hidden);
      }
      count.textContent = q ? (matches.length ? matches.map((o) => o.textContent).slice(0, 5).join("、") + (matches.length > 5 ? "…" : "") : count.dataset.none) : "";
      if (q && matches.length === 1) select.value = matches[0].value;
      else if (q && select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = "";
      showSettle();
    });
    select.addEventListener("change", showSettle);
    showSettle();
  }
})();
