// The finance dashboard's charts, drawn with ECharts from the JSON data block the page carries.
// Every chart repeats a table printed beside it, so nothing is lost without this file.
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || !window.echarts) { return; }
  var data;
  try { data = JSON.parse(block.textContent); } catch (e) { return; }
  var L = data.labels || {};
  var GREEN = "#1b7f3b", GREY = "#8a9099", AMBER = "#8a5a00";

  function num(v) {
    if (v === null || v === undefined || v === "") { return "-"; }
    var n = parseFloat(v);
    return isFinite(n) ? n : "-";
  }
  function nums(list) { return (list || []).map(num); }

  function base(extra) {
    var option = {
      animation: false,
      // Canvas tooltips: no HTML with inline styles, so a strict style-src policy holds.
      tooltip: { trigger: "axis", renderMode: "richText", confine: true },
      aria: { enabled: true, decal: { show: true } },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      textStyle: { fontFamily: "system-ui, 'PingFang SC', 'Microsoft YaHei', sans-serif" }
    };
    Object.keys(extra).forEach(function (k) { option[k] = extra[k]; });
    return option;
  }

  function periodAgainstBaseline(unit, d, max) {
    // Two bars: the period and its baseline, one measure.
    return base({
      legend: { show: false },
      tooltip: { trigger: "item", renderMode: "richText", confine: true },
      xAxis: { type: "category", data: [L.period, L.baseline] },
      yAxis: { type: "value", name: unit, max: max, nameTextStyle: { align: "left" } },
      series: [{ type: "bar", barMaxWidth: 56, label: { show: true, position: "top" },
                 data: [{ value: num(d.period), itemStyle: { color: GREEN } },
                        { value: num(d.baseline), itemStyle: { color: GREY } }] }]
    });
  }

  var builders = {
    monthly: function (d) {
      return base({
        xAxis: { type: "category", data: d.keys, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", name: L.cny, nameTextStyle: { align: "left" } },
        series: [
          { name: L.period, type: "bar", data: nums(d.period), itemStyle: { color: GREEN } },
          { name: L.baseline, type: "line", data: nums(d.baseline), itemStyle: { color: GREY },
            lineStyle: { type: "dashed" }, symbol: "circle" }
        ]
      });
    },
    departments: function (d) {
      return base({
        xAxis: { type: "category", data: d.keys, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", name: L.cny, nameTextStyle: { align: "left" } },
        series: [
          { name: L.period, type: "bar", data: nums(d.period), itemStyle: { color: GREEN } },
          { name: L.baseline, type: "bar", data: nums(d.baseline), itemStyle: { color: GREY } }
        ]
      });
    },
    green: function (d) { return periodAgainstBaseline(L.green, d, 100); },
    paper: function (d) { return periodAgainstBaseline(L.reams, d); },
    fuel: function (d) { return periodAgainstBaseline(L.litres, d); },
    targets: function (d) {
      return base({
        grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
        yAxis: { type: "category", data: d.keys, inverse: true,
                 axisLabel: { width: 140, overflow: "break" } },
        xAxis: { type: "value", name: "%" },
        series: [
          { name: L.target, type: "bar", data: nums(d.target), itemStyle: { color: AMBER } },
          { name: L.actual, type: "bar", data: nums(d.actual), itemStyle: { color: GREEN } }
        ]
      });
    }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var name = el.getAttribute("data-chart");
    if (!builders[name] || !data[name]) { return; }
    el.classList.add("drawn");  // shown first: ECharts measures the box it draws into
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(builders[name](data[name]));
    charts.push(chart);
  });

  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 120);
  });
})();
