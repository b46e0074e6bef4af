/* Charts of the dashboard and the big screen, from the #dashboard-data JSON. Re-drawn after
   an htmx swap of the dashboard. A click on a point, bar or slice opens the event list of
   exactly the cases it counts (d.urls, built by the server). */
(function () {
  function draw() {
    var node = document.getElementById("dashboard-data");
    if (!node || !window.echarts) return;
    var d = JSON.parse(node.textContent);
    var dark = document.body.querySelector("#screen") ? "dark" : null;
    var urls = d.urls || {};
    function chart(id, option, links) {
      var el = document.getElementById(id);
      if (!el) return;
      var old = echarts.getInstanceByDom(el);
      if (old) old.dispose();
      var c = echarts.init(el, dark);
      option.animation = false;  // drawn at once: a figure is there to be read (and clicked)
      c.setOption(option);
      c.on("click", function (p) {
        var list = links && links[p.seriesIndex];
        var url = list && list[p.dataIndex];
        if (url) window.location.href = url;
      });
    }
    chart("chart-trend", {
      tooltip: { trigger: "axis" }, legend: {},
      xAxis: { type: "category", data: d.days }, yAxis: { type: "value" },
      series: [
        { name: d.labels.reported, type: "line", data: d.reported },
        { name: d.labels.closed, type: "line", data: d.closed },
      ],
    }, [urls.reported, urls.closed]);
    chart("chart-channels", { tooltip: {}, series: [{ type: "pie", radius: "60%", data: d.channels }] }, [urls.channels]);
    chart("chart-categories", {
      tooltip: {}, grid: { left: 120 },
      xAxis: { type: "value" }, yAxis: { type: "category", data: d.categories.map(function (r) { return r[0]; }) },
      series: [{ type: "bar", data: d.categories.map(function (r) { return r[1]; }) }],
    }, [urls.categories]);
    chart("chart-children", {
      tooltip: {}, xAxis: { type: "category", data: d.children.map(function (r) { return r[0]; }) },
      yAxis: { type: "value" },
      series: [{ name: d.labels.reported, type: "bar", data: d.children.map(function (r) { return r[1]; }) }],
    }, [urls.children]);
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSwap", draw);
})();
