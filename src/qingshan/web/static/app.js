/* qingshan workspace: draws every ECharts chart whose option the server rendered as JSON.
 * <div class="chart" data-option="ID"></div> + <script type="application/json" id="ID">{…}</script>
 * The option is plain data built server-side (pages/charts.py); no inline script is needed, and
 * charts inside fragments swapped in by htmx are drawn by the same hook. */
(function () {
  "use strict";
  var charts = [];
  function draw(root) {
    var nodes = (root || document).querySelectorAll("[data-option]");
    nodes.forEach(function (el) {
      if (el.dataset.drawn === "1" || typeof echarts === "undefined") return;
      var src = document.getElementById(el.dataset.option);
      if (!src) return;
      var option;
      try { option = JSON.parse(src.textContent); } catch (e) { el.textContent = "图表数据无法解析"; return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      charts.push(chart);
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  if (typeof htmx !== "undefined") {
    htmx.onLoad(function (elt) { draw(elt); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  }
})();
