// The progress report as a picture: a PNG bar chart drawn server-side (chart.js on @napi-rs/canvas, no
// browser). Pure: the same report gives the same picture; the channels decide where it goes.
import * as path from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import { Chart, type ChartConfiguration, type ChartItem, type Plugin, registerables } from 'chart.js';
import type { ProgressReport } from '../core/learning/report-service';

export const CHART_WIDTH = 900;
export const CHART_MAX_BARS = 50;
const BAR_HEIGHT = 22;
const CHART_CHROME = 110;
const FONT = 'Liberation Sans, DejaVu Sans, Helvetica, Arial, sans-serif';

let registered = false;

/**
 * Slim container images (node:20-bookworm-slim) have no system fonts, and a canvas without fonts
 * draws bars but no text. pdfjs-dist (installed with pdf-parse) ships Liberation Sans (SIL OFL):
 * registered once, it makes the labels render the same on every machine.
 */
function registerFonts(): void {
  try {
    const dir = path.join(path.dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts');
    GlobalFonts.registerFromPath(path.join(dir, 'LiberationSans-Regular.ttf'), 'Liberation Sans');
    GlobalFonts.registerFromPath(path.join(dir, 'LiberationSans-Bold.ttf'), 'Liberation Sans');
  } catch {
    // Fall back to whatever the system has.
  }
}
const whiteBackground: Plugin<'bar'> = {
  id: 'la-white-background',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Each bar's value at its end: inside in white when there is room, else just after it. */
const valueLabels: Plugin<'bar'> = {
  id: 'la-value-labels',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    const data = chart.data.datasets[0].data as number[];
    ctx.save();
    ctx.font = `11px ${FONT}`;
    ctx.textBaseline = 'middle';
    meta.data.forEach((bar, i) => {
      const { x, y, base } = bar.getProps(['x', 'y', 'base'], true) as { x: number; y: number; base: number };
      const label = `${data[i]}%`;
      const inside = x - base > 44;
      ctx.fillStyle = inside ? '#ffffff' : '#333333';
      ctx.textAlign = inside ? 'right' : 'left';
      ctx.fillText(label, inside ? x - 6 : x + 4, y);
    });
    ctx.restore();
  },
};

/** Pixel size of the PNG renderProgressChart makes for this report. */
export function chartSize(report: ProgressReport): { width: number; height: number; bars: number } {
  const bars = Math.min(report.rows.length, CHART_MAX_BARS);
  return { width: CHART_WIDTH, height: CHART_CHROME + BAR_HEIGHT * Math.max(bars, 3), bars };
}

/**
 * A PNG: one horizontal bar per person (report order, i.e. highest progress first), 0-100% axis, the
 * department (or person) and date in the title. At most 50 bars; the title says "+N more" beyond that
 * (the CSV always has everyone). Server-side: chart.js on @napi-rs/canvas, no browser.
 */
export function renderProgressChart(report: ProgressReport): Buffer {
  if (!registered) {
    Chart.register(...registerables);
    registerFonts();
    registered = true;
  }
  const { width, height, bars } = chartSize(report);
  const shown = report.rows.slice(0, bars);
  const more = report.rows.length - shown.length;
  const date = report.generatedAt.toISOString().slice(0, 10);
  const title = `${report.title}: learning progress, ${date}${more > 0 ? ` (top ${shown.length} of ${report.rows.length}, +${more} more)` : ''}`;
  const subtitle =
    report.scope === 'department'
      ? `${report.totals.people} ${report.totals.people === 1 ? 'person' : 'people'}, average ${report.totals.averageProgress}%, ${report.totals.activeLast7Days} active in the last 7 days`
      : `${report.rows[0]?.coursesCompleted ?? 0} course(s) and ${report.rows[0]?.skillsCompleted ?? 0} skill(s) completed`;

  const canvas = createCanvas(width, height);
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: shown.map((r) => truncate(r.name, 28)),
      datasets: [
        {
          label: 'Overall progress (%)',
          data: shown.map((r) => r.overallProgress),
          backgroundColor: shown.map((r) => (r.overallProgress >= 100 ? '#2e7d32' : '#2b579a')),
          borderWidth: 0,
          barPercentage: 0.85,
          categoryPercentage: 0.9,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      events: [],
      layout: { padding: { left: 8, right: 24, top: 4, bottom: 4 } },
      scales: {
        x: {
          min: 0,
          max: 100,
          ticks: { stepSize: 10, callback: (v) => `${v}%`, font: { family: FONT, size: 11 } },
          grid: { color: '#e0e0e0' },
        },
        y: { ticks: { autoSkip: false, font: { family: FONT, size: 12 } }, grid: { display: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { enabled: false },
        title: {
          display: true,
          text: title,
          font: { family: FONT, size: 16, weight: 'bold' },
          color: '#222222',
          padding: { top: 8, bottom: 4 },
        },
        subtitle: { display: true, text: subtitle, font: { family: FONT, size: 12 }, color: '#555555', padding: { bottom: 10 } },
      },
    },
    plugins: [whiteBackground, valueLabels],
  };
  // chart.js accepts any 2D context; @napi-rs/canvas' is API-compatible but typed separately.
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, config);
  try {
    chart.draw();
    return canvas.toBuffer('image/png');
  } finally {
    chart.destroy();
  }
}

const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
