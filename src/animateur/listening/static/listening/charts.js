// Charts of the listening pages, drawn with Chart.js (static/vendor, from npm) from the data block the
// page carries: <canvas data-chart="ID"> reads <script type="application/json" id="ID">, written by
// animateur/listening/charts.py. No inline script: the Content-Security-Policy forbids them.
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
    if (data.empty) {
      const note = document.createElement("p");
      note.className = "muted";
      note.textContent = data.emptyText;
      canvas.parentNode.replaceWith(note);
      return;
    }
    const accent = cssColour("--accent", "#1f4e8c");
    const unit = data.unit ? " " + data.unit : "";
    const valueAxis = {
      beginAtZero: true,
      title: { display: true, text: data.horizontal ? data.xTitle : data.yTitle },
      ticks: { callback: function (value) { return value + unit; }, precision: 0 },
    };
    const categoryAxis = { title: { display: true, text: data.horizontal ? data.yTitle : data.xTitle }, grid: { display: false } };
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) {
          return { label: s.label, data: s.values, backgroundColor: accent, borderRadius: 3 };
        }),
      },
      options: {
        indexAxis: data.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        locale: document.documentElement.lang || undefined,
        animation: false,
        scales: data.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                const s = data.series[item.datasetIndex];
                return s.label + " : " + item.formattedValue + unit + " (" + s.texts[item.dataIndex] + ")";
              },
            },
          },
        },
      },
    });
    canvas.dataset.drawn = "1";
  }

  function drawAll() { document.querySelectorAll("canvas[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
