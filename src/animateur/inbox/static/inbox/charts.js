// Charts of the inbox pages, drawn with Chart.js (static/vendor, from npm) from the data block the page
// carries: <canvas data-chart="ID"> reads <script type="application/json" id="ID">, written by
// animateur/inbox/charts.py. No inline script: a Content-Security-Policy may forbid them.
(function () {
  "use strict";

  function cssColour(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw(canvas) {
    const block = document.getElementById(canvas.dataset.chart);
    if (!block || typeof window.Chart === "undefined") return;
    const data = JSON.parse(block.textContent);
    const accent = cssColour("--accent", "#1f4e8c");
    const muted = cssColour("--muted", "#6b7280");
    const colours = [accent, muted];
    const unit = data.unit;
    const chart = new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, backgroundColor: colours[i % colours.length], borderRadius: 3 };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        locale: document.documentElement.lang || undefined,
        animation: false,
        scales: {
          x: { title: { display: true, text: data.xTitle }, grid: { display: false } },
          y: {
            beginAtZero: true,
            title: { display: true, text: data.yTitle },
            ticks: { callback: function (value) { return value + " " + unit; } },
          },
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? data.titles[items[0].dataIndex] : ""; },
              label: function (item) { return data.series[item.datasetIndex].texts[item.dataIndex]; },
              footer: function (items) { return items.length ? data.counts[items[0].dataIndex] : ""; },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "1";
    return chart;
  }

  function drawAll() { document.querySelectorAll("canvas[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
