// The phone pages' use of the browser's location: today's list nearest first, and the
// hidden lon/lat fields (data-geo) of the forms.
(function () {
  "use strict";

  const round = (x) => Math.round(x * 1e7) / 1e7;

  function locate(done, fail) {
    if (!navigator.geolocation) return fail && fail();
    navigator.geolocation.getCurrentPosition(
      (pos) => done(round(pos.coords.longitude), round(pos.coords.latitude)),
      () => fail && fail(),
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  // Today's list: ask once per session, then reload it ordered by distance.
  const order = document.getElementById("today-order");
  if (order && !order.dataset.located && !sessionStorage.getItem("wangge:today-geo")) {
    sessionStorage.setItem("wangge:today-geo", "1");
    locate((lon, lat) => {
      const url = new URL(location.href);
      url.searchParams.set("lon", lon);
      url.searchParams.set("lat", lat);
      location.replace(url);
    });
  }

  function fillForms() {
    const lon = document.querySelectorAll("input[data-geo=lon]");
    if (!lon.length || Array.from(lon).every((el) => el.value)) return;
    locate((x, y) => {
      for (const el of document.querySelectorAll("input[data-geo=lon]")) if (!el.value) el.value = x;
      for (const el of document.querySelectorAll("input[data-geo=lat]")) if (!el.value) el.value = y;
    });
  }
  fillForms();
  window.addEventListener("wangge:page", fillForms);
})();
