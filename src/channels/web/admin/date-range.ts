/**
 * The insights' date range from the query string: `from` and `to` are calendar days (YYYY-MM-DD, UTC),
 * both included. Default: the last 30 days up to today. At most MAX_RANGE_DAYS days, so one request
 * cannot make the database aggregate years of turns.
 */
export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

export interface DateRange {
  /** YYYY-MM-DD, included */
  from: string;
  /** YYYY-MM-DD, included */
  to: string;
  /** midnight UTC starting `from` */
  start: Date;
  /** midnight UTC after `to` (exclusive bound) */
  endExclusive: Date;
  /** every day of the range, YYYY-MM-DD */
  days: string[];
}

export type DateRangeResult = { ok: true; range: DateRange } | { ok: false; message: string; from: string; to: string };

export function parseDateRange(query: { from?: unknown; to?: unknown }, today: Date = new Date()): DateRangeResult {
  const todayDay = isoDay(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())));
  // Express gives an array for ?from=a&from=b: refused rather than guessed.
  if (!optionalString(query.from) || !optionalString(query.to)) {
    return { ok: false, message: 'Give "from" and "to" once each, as YYYY-MM-DD.', from: '', to: '' };
  }
  const rawFrom = query.from || undefined;
  const rawTo = query.to || undefined;
  const echo = (message: string) => ({ ok: false as const, message, from: rawFrom ?? '', to: rawTo ?? '' });
  const to = rawTo === undefined ? parseDay(todayDay) : parseDay(rawTo);
  if (!to) return echo(`"to" must be a date written YYYY-MM-DD, e.g. ${todayDay}.`);
  const from = rawFrom === undefined ? new Date(to.getTime() - (DEFAULT_RANGE_DAYS - 1) * DAY_MS) : parseDay(rawFrom);
  if (!from) return echo(`"from" must be a date written YYYY-MM-DD, e.g. ${todayDay}.`);
  if (from.getTime() > to.getTime()) return echo(`"from" (${isoDay(from)}) is after "to" (${isoDay(to)}).`);
  const count = Math.round((to.getTime() - from.getTime()) / DAY_MS) + 1;
  if (count > MAX_RANGE_DAYS) return echo(`The range covers ${count} days; choose at most ${MAX_RANGE_DAYS}.`);
  const days = Array.from({ length: count }, (_, i) => isoDay(new Date(from.getTime() + i * DAY_MS)));
  return {
    ok: true,
    range: { from: isoDay(from), to: isoDay(to), start: from, endExclusive: new Date(to.getTime() + DAY_MS), days },
  };
}

function optionalString(v: unknown): v is string | undefined {
  return v === undefined || typeof v === 'string';
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is refused, not rolled over), as midnight UTC. */
function parseDay(text: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return isoDay(d) === text ? d : null;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
