/* Map layers of the figures, written once for the dashboard, the big screen and the main
   map: the choropleth of an area's children (coloured by a chosen figure, with its legend,
   a click drills down) and the clustered open events (red: overdue, yellow: due soon).

   wanggeLayers.choropleth(map, select) → { show(code, figures, onDrill), paint(), remove() }
     figures: { childCode: { name, figureKey: [value, text], … } } (the dashboard's JSON
     shape; wanggeLayers.figuresOf(items) makes it from /api/stats/children).
   wanggeLayers.openEvents(map, code, eventUrl) → a promise of the cluster layer added. */
(function () {
  "use strict";
  var palette = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + " → " + r.status);
      return r.json();
    });
  }

  function figuresOf(items) {
    var out = {};
    items.forEach(function (c) {
      var row = { name: c.name };
      Object.keys(c.figures).forEach(function (k) { row[k] = [c.figures[k].value, c.figures[k].text]; });
      out[c.code] = row;
    });
    return out;
  }

  function bins(values) {
    var low = Math.min.apply(null, values.length ? values : [0]);
    var high = Math.max.apply(null, values.length ? values : [0]);
    return { low: low, high: high };
  }

  function colour(value, b) {
    if (value === null || value === undefined) return "#ddd";
    if (b.high <= b.low) return palette[2];
    var i = Math.min(palette.length - 1, Math.floor(((value - b.low) / (b.high - b.low)) * palette.length));
    return palette[i];
  }

  function label(value, rate) {
    if (rate) return (value * 100).toFixed(1) + "%";
    return String(Math.round(value));
  }

  function choropleth(map, select) {
    var layer = null, legend = null, figures = {}, code = null;

    function key() { return select ? select.value : "reported"; }
    function isRate() {
      var opt = select && select.options[select.selectedIndex];
      return !!(opt && opt.dataset.rate);
    }

    function drawLegend(b) {
      if (legend) legend.remove();
      legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "choropleth-legend");
        var title = select ? select.options[select.selectedIndex].text : "";
        var rate = isRate(), step = (b.high - b.low) / palette.length;
        var rows = ["<strong>" + title + "</strong>"];
        if (b.high <= b.low) {
          rows.push('<span><i style="background:' + palette[2] + '"></i>' + label(b.low, rate) + "</span>");
        } else {
          palette.forEach(function (c, i) {
            var from = b.low + step * i, to = i === palette.length - 1 ? b.high : b.low + step * (i + 1);
            rows.push('<span><i style="background:' + c + '"></i>' + label(from, rate) + " – " + label(to, rate) + "</span>");
          });
        }
        rows.push('<span><i style="background:#ddd"></i>—</span>');
        div.innerHTML = rows.join("");
        return div;
      };
      legend.addTo(map);
    }

    function paint() {
      if (!layer) return;
      var k = key();
      var values = Object.keys(figures).map(function (c) { return figures[c][k] ? figures[c][k][0] : null; })
        .filter(function (v) { return v !== null && v !== undefined; });
      var b = bins(values);
      layer.eachLayer(function (l) {
        var figs = figures[l.feature.properties.code];
        var v = figs && figs[k] ? figs[k][0] : null;
        l.setStyle({ fillColor: colour(v, b), fillOpacity: 0.6, color: "#446", weight: 1 });
        l.setTooltipContent((figs ? figs.name : l.feature.properties.name) + ": " + (figs && figs[k] ? figs[k][1] : "—"));
      });
      drawLegend(b);
      map.getContainer().dataset.choropleth = k;
    }

    function remove() {
      if (layer) { layer.remove(); layer = null; }
      if (legend) { legend.remove(); legend = null; }
      code = null;
    }

    function show(areaCode, figs, onDrill) {
      remove();
      code = areaCode;
      figures = figs || {};
      return getJSON("/api/areas/" + encodeURIComponent(areaCode) + "/geojson?depth=1").then(function (fc) {
        if (code !== areaCode) return null;
        layer = L.geoJSON(fc, {
          className: "choropleth-area",
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.name, { sticky: true });
            l.on("click", function () { if (onDrill) onDrill(f.properties.code); });
          },
        }).addTo(map);
        paint();
        return layer;
      });
    }

    if (select) select.addEventListener("change", paint);
    return { show: show, paint: paint, remove: remove };
  }

  function openEvents(map, code, eventUrl) {
    return getJSON("/api/stats/open-events?area=" + encodeURIComponent(code)).then(function (data) {
      var group = L.markerClusterGroup({ showCoverageOnHover: false });
      data.items.forEach(function (e) {
        var icon = L.divIcon({ className: "event-pin stage-" + e.status + (e.alert ? " alert-" + e.alert : ""), iconSize: [14, 14] });
        var marker = L.marker([e.lat, e.lon], { icon: icon, title: e.code });
        var link = document.createElement("a");
        link.href = eventUrl.replace("CODE", encodeURIComponent(e.code));
        link.textContent = e.code;
        marker.bindPopup(link);
        group.addLayer(marker);
      });
      map.getContainer().dataset.eventPoints = String(data.items.length);
      map.getContainer().dataset.eventsCapped = data.capped ? "1" : "";
      return group;
    });
  }

  window.wanggeLayers = { choropleth: choropleth, openEvents: openEvents, figuresOf: figuresOf, getJSON: getJSON };
})();
