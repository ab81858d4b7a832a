// Draws the insights charts from the numbers the page embeds (#insights-data). A file of its own because
// the Content-Security-Policy allows scripts only from this origin (no inline scripts). Every chart's
// numbers are also in a table on the page, so nothing depends on this script running.
(() => {
  const source = document.getElementById('insights-data');
  if (!source || typeof Chart === 'undefined') return;
  const data = JSON.parse(source.textContent);
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  Chart.defaults.animation = reduceMotion ? false : Chart.defaults.animation;
  Chart.defaults.maintainAspectRatio = false;
  // Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
  const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }

  draw('chart-per-day', {
    type: 'bar',
    data: {
      labels: data.perDay.labels,
      datasets: data.perDay.datasets.map((d, i) => ({ label: d.label, data: d.data, backgroundColor: palette[i % palette.length] })),
    },
    options: {
      scales: {
        x: { stacked: true },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Questions' } },
      },
    },
  });

  draw('chart-confidence', {
    type: 'bar',
    data: {
      labels: data.confidence.labels,
      datasets: [{ label: 'Answers', data: data.confidence.data, backgroundColor: palette[0], barPercentage: 1, categoryPercentage: 1 }],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: { x: { title: { display: true, text: 'Confidence' } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });

  draw('chart-feedback', {
    type: 'bar',
    data: {
      labels: data.feedback.labels,
      datasets: [{ label: 'Answers', data: data.feedback.data, backgroundColor: [palette[2], palette[5], '#9E9E9E'] }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw('chart-adoption', {
    type: 'bar',
    data: {
      labels: data.adoption.labels,
      datasets: [
        { label: 'Active', data: data.adoption.active, backgroundColor: palette[0] },
        { label: 'Not active', data: data.adoption.inactive, backgroundColor: '#BDBDBD' },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'People' } },
        y: { stacked: true },
      },
    },
  });
})();
