// The console's only script (served at /console/assets/console.js): draws every chart a page declares, from the JSON
// the page embeds, with Chart.js (served from node_modules at /console/assets/chart.umd.js). Plain ES2020, no build.
export const CONSOLE_SCRIPT = `'use strict';
(function () {
  var palette = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777'];
  document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute('data-chart'));
    if (!source) throw new Error('no chart data for ' + canvas.id);
    var spec = JSON.parse(source.textContent);
    var datasets = spec.datasets.map(function (d, i) {
      return Object.assign({ backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length] }, d);
    });
    var chart = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: false,
        indexAxis: spec.horizontal ? 'y' : 'x',
        plugins: { legend: { display: datasets.length > 1 }, title: { display: !!spec.title, text: spec.title } },
        scales: spec.scales || {},
      },
    });
    canvas.setAttribute('data-drawn', String(chart.data.datasets.length));
  });
})();
`;
