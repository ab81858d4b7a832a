import { CONFIDENCE_BUCKETS, LOW_CONFIDENCE } from '../../../db/repositories/insights-repository';
import type { DateRange } from './date-range';
import type { Insights } from './load-insights';

/** Channel order and names on the page (unknown channels follow, by name). */
const CHANNEL_NAMES: Record<string, string> = {
  slack: 'Slack',
  teams: 'Teams',
  web: 'Web console',
  console: 'Terminal',
  unknown: 'Unknown',
};

/** What admin.eta shows: the numbers as tables, and `chartJson` for public/admin.js to draw. */
export interface InsightsView {
  perDay: { channels: string[]; rows: Array<{ day: string; counts: number[]; total: number }>; total: number };
  confidence: { rows: Array<{ label: string; questions: number }>; unknown: number; lowConfidence: number };
  feedback: { questions: number; withFeedback: number; up: number; down: number; ratePercent: string; upShare: string };
  gaps: Insights['gaps'];
  mostCited: Insights['content']['cited'];
  neverCited: { rows: Insights['content']['neverCited']; total: number };
  adoption: Array<{ department: string; users: number; activeUsers: number; percent: string; questions: number }>;
  lowConfidenceThreshold: number;
  /** JSON for <script type="application/json">, safe inside HTML */
  chartJson: string;
}

export function insightsView(data: Insights, range: DateRange): InsightsView {
  const channels = [...new Set(data.perDay.map((r) => r.channel))].sort(channelOrder);
  const byKey = new Map(data.perDay.map((r) => [`${r.day}|${r.channel}`, r.questions]));
  const perDayRows = range.days.map((day) => {
    const counts = channels.map((c) => byKey.get(`${day}|${c}`) ?? 0);
    return { day, counts, total: counts.reduce((a, b) => a + b, 0) };
  });
  const confidenceRows = data.confidence.buckets.map((b) => ({ label: bucketLabel(b.bucket), questions: b.questions }));
  const f = data.feedback;
  const adoption = data.adoption.map((a) => ({
    department: a.department ?? 'No department',
    users: a.users,
    activeUsers: a.activeUsers,
    percent: percent(a.activeUsers, a.users),
    questions: a.questions,
  }));
  const chart = {
    perDay: {
      labels: range.days,
      datasets: channels.map((c, i) => ({ label: channelName(c), data: perDayRows.map((r) => r.counts[i]) })),
    },
    confidence: { labels: confidenceRows.map((r) => r.label), data: confidenceRows.map((r) => r.questions) },
    feedback: { labels: ['Helpful (👍)', 'Not helpful (👎)', 'No feedback'], data: [f.up, f.down, f.questions - f.withFeedback] },
    adoption: {
      labels: adoption.map((a) => a.department),
      active: adoption.map((a) => a.activeUsers),
      inactive: adoption.map((a) => a.users - a.activeUsers),
    },
  };
  return {
    perDay: { channels: channels.map(channelName), rows: perDayRows, total: perDayRows.reduce((a, r) => a + r.total, 0) },
    confidence: {
      rows: confidenceRows,
      unknown: data.confidence.unknown,
      lowConfidence: data.confidence.buckets
        .filter((b) => (b.bucket + 1) / CONFIDENCE_BUCKETS <= LOW_CONFIDENCE)
        .reduce((a, b) => a + b.questions, 0),
    },
    feedback: { ...f, ratePercent: percent(f.withFeedback, f.questions), upShare: percent(f.up, f.up + f.down) },
    gaps: data.gaps,
    mostCited: data.content.cited,
    neverCited: { rows: data.content.neverCited, total: data.content.neverCitedTotal },
    adoption,
    lowConfidenceThreshold: LOW_CONFIDENCE,
    chartJson: jsonForScript(chart),
  };
}

function channelName(c: string): string {
  return CHANNEL_NAMES[c] ?? c;
}

function channelOrder(a: string, b: string): number {
  const order = Object.keys(CHANNEL_NAMES);
  const ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
  const ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
  return ia - ib || a.localeCompare(b);
}

function bucketLabel(bucket: number): string {
  const lo = bucket / CONFIDENCE_BUCKETS;
  const hi = (bucket + 1) / CONFIDENCE_BUCKETS;
  return bucket === CONFIDENCE_BUCKETS - 1 ? `${lo.toFixed(1)}–${hi.toFixed(1)}` : `${lo.toFixed(1)}–<${hi.toFixed(1)}`;
}

/** "n %" with one decimal; "–" when there is nothing to divide by. */
function percent(part: number, whole: number): string {
  return whole ? `${(Math.round((1000 * part) / whole) / 10).toFixed(1)} %` : '–';
}

/** JSON that cannot end the <script> element it sits in, nor open a comment or CDATA. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
