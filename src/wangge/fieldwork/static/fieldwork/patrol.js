// A patrol under way: the browser's fixes are kept in localStorage and sent in batches to
// the API (so a lost network loses no point); the finished round's track drawn on a map.
(function () {
  "use strict";

  const MIN_GAP_MS = 5000; // keep at most one fix every 5 s
  const SEND_MS = 20000;
  const BATCH = 500;

  const box = document.getElementById("patrol");
  if (box) {
    const key = "wangge:track:" + box.dataset.patrol;
    const statusEl = document.getElementById("track-status");
    const load = () => JSON.parse(localStorage.getItem(key) || "[]");
    const store = (list) => localStorage.setItem(key, JSON.stringify(list));
    const show = (text) => { if (statusEl) statusEl.textContent = text; };
    const waiting = () => {
      const n = load().length;
      return n ? " " + n + " " + box.dataset.msgWaiting : "";
    };
    let sending = false;
    let base = box.dataset.msgLocating || ""; // what the location is doing now

    async function send() {
      const list = load();
      if (sending || !list.length || !navigator.onLine) return;
      sending = true;
      const batch = list.slice(0, BATCH);
      try {
        const resp = await fetch(box.dataset.pointsUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
          body: JSON.stringify({ points: batch, skip_invalid: true }),
        });
        if (resp.ok) {
          const data = await resp.json();
          document.getElementById("patrol-distance").textContent = Math.round(data.distance_m);
          document.getElementById("patrol-points").textContent = data.point_count;
        }
        // Sent, or refused for good (the round ended elsewhere): these fixes are done with.
        if (resp.ok || (resp.status >= 400 && resp.status < 500 && resp.status !== 401)) {
          const sent = new Set(batch.map((p) => p.at));
          store(load().filter((p) => !sent.has(p.at)));
        }
      } catch (e) {
        /* offline: try again later */
      } finally {
        sending = false;
        show(base + waiting());
      }
    }

    // The live track: what the server has, then the fixes not sent yet, and where you are.
    const live = document.getElementById("live-track");
    const liveData = document.getElementById("live-track-data");
    let line = null, here = null, liveMap = null, centred = false;
    if (live && window.L) {
      liveMap = L.map(live, { attributionControl: false, zoomSnap: 0.25 });
      const known = liveData ? JSON.parse(liveData.textContent) : null;
      const sent = known && known.geometry ? known.geometry.coordinates.map(([x, y]) => [y, x]) : [];
      line = L.polyline(sent, { color: "#0f3d6e", weight: 4, className: "live-line" }).addTo(liveMap);
      for (const p of load()) line.addLatLng([p.lat, p.lon]);
      if (line.getLatLngs().length) {
        liveMap.fitBounds(line.getBounds(), { padding: [12, 12], maxZoom: 18, animate: false });
        centred = true;
      } else {
        liveMap.setView([30.28, 120.17], 12);
      }
      live.dataset.points = String(line.getLatLngs().length);
    }
    const drawFix = (lat, lon) => {
      if (!liveMap) return;
      line.addLatLng([lat, lon]);
      live.dataset.points = String(line.getLatLngs().length);
      if (!here) here = L.circleMarker([lat, lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#1570ef", fillOpacity: 1, className: "live-here" }).addTo(liveMap);
      else here.setLatLng([lat, lon]);
      if (!centred) { liveMap.setView([lat, lon], 17, { animate: false }); centred = true; }
      else if (!liveMap.getBounds().contains([lat, lon])) liveMap.panTo([lat, lon]);
    };

    if (navigator.geolocation) {
      show(base + waiting());
      let last = 0;
      let fixes = 0;
      navigator.geolocation.watchPosition(
        (pos) => {
          if (pos.timestamp - last < MIN_GAP_MS) return;
          last = pos.timestamp;
          fixes += 1;
          const list = load();
          list.push({
            at: new Date(pos.timestamp).toISOString(),
            lon: pos.coords.longitude,
            lat: pos.coords.latitude,
            accuracy_m: pos.coords.accuracy,
          });
          store(list);
          drawFix(pos.coords.latitude, pos.coords.longitude);
          base = box.dataset.msgTracking;
          show(base + waiting());
        },
        // Refused: nothing is recorded. A timeout or a lost signal only pauses the track.
        (err) => {
          base = err && err.code === 1 ? box.dataset.msgNogeo : fixes ? box.dataset.msgWeak : box.dataset.msgLocating;
          show(base + waiting());
        },
        { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 }
      );
    } else {
      base = box.dataset.msgNogeo;
      show(base);
    }
    setInterval(send, SEND_MS);
    window.addEventListener("online", send);
    // Send what is left before the round is ended.
    const end = document.getElementById("patrol-end-form");
    if (end) end.addEventListener("submit", () => send(), { capture: true });
    send();
  }

  // The track of a round, without a base map.
  const mapEl = document.getElementById("track-map");
  const data = document.getElementById("track-data");
  if (mapEl && data && window.L) {
    const track = JSON.parse(data.textContent);
    const coords = track.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
    const map = L.map(mapEl, { attributionControl: false });
    if (coords.length) {
      const line = L.polyline(coords, { color: "#0f3d6e", weight: 4, className: "track" }).addTo(map);
      map.fitBounds(line.getBounds(), { padding: [12, 12], maxZoom: 18, animate: false });
    } else {
      map.setView([30.28, 120.17], 12);
    }
  }
})();
