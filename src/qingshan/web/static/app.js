/* qingshan workspace: draws every ECharts chart whose option the server rendered as JSON.
 * <div class="chart" data-option="ID"></div> + <script type="application/json" id="ID">{…}</script>
 * The option is plain data built server-side (pages/charts.py); no inline script is needed, and
 * charts inside fragments swapped in by htmx are drawn by the same hook. An option with a
 * `geo.map` waits for that map: Datong's boundaries, fetched once from our own
 * /static/geo/datong-140200.json (same origin; see qingshan/web/geo.py) and registered. */
(function () {
  "use strict";
  var charts = [];
  var MAPS = { datong: "/static/geo/datong-140200.json" };
  var loading = {};
  function map(name) {
    if (!loading[name]) {
      loading[name] = fetch(MAPS[name], { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("map " + r.status); return r.json(); })
        .then(function (json) { echarts.registerMap(name, json); });
    }
    return loading[name];
  }
  function init(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    el.dataset.drawn = "1";
    charts.push(chart);
  }
  function draw(root) {
    var nodes = (root || document).querySelectorAll("[data-option]");
    nodes.forEach(function (el) {
      if (el.dataset.drawn === "1" || el.dataset.drawn === "wait" || typeof echarts === "undefined") return;
      var src = document.getElementById(el.dataset.option);
      if (!src) return;
      var option;
      try { option = JSON.parse(src.textContent); } catch (e) { el.textContent = "图表数据无法解析"; return; }
      var name = option.geo && option.geo.map;
      if (name && MAPS[name]) {
        el.dataset.drawn = "wait";
        map(name).then(function () { init(el, option); },
                       function () { el.dataset.drawn = ""; el.textContent = "地图边界数据加载失败"; });
      } else {
        init(el, option);
      }
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  if (typeof htmx !== "undefined") {
    htmx.onLoad(function (elt) { draw(elt); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  }
})();
