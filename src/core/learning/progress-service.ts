import type { DataSource, EntityManager } from 'typeorm';
import {
  findCatalog,
  findProgressRow,
  findProgressRows,
  lockProgressPercent,
  markProgressStarted,
  type ProgressRow,
  setProgressPercent,
} from '../../db/repositories/progress-repository';
import { inUserScope } from '../../db/user-scope';
import { closestByName, matchByName, quotedList } from './name-match';

export type ItemType = 'skill' | 'course';

/** A skill or course of the catalogue. */
export interface CatalogItem {
  type: ItemType;
  id: string;
  title: string;
}

export type ProgressStatus = 'not_started' | 'in_progress' | 'completed';

/** One learning_progress row of the asker, named. */
export interface ProgressItem {
  /** the learning_progress row id */
  id: string;
  itemType: ItemType;
  itemId: string;
  title: string;
  /** 0..100 */
  percent: number;
  /** percent = 100 exactly when completed (a database trigger keeps the two in step) */
  completed: boolean;
  completedAt: Date | null;
  startedAt: Date;
  updatedAt: Date;
  /** 'not_started': a row at 0% (e.g. a clicked recommendation); 'in_progress': 0 < percent < 100 */
  status: ProgressStatus;
}

/**
 * How far along: a number 0..100; 'start' = max(current, 1), i.e. marks the item started without ever
 * lowering progress (a completed item stays completed); 'complete' = 100, the same as 100 everywhere
 * (completed_at is set by the database trigger, reports and dashboards count it as completed).
 */
export type PercentInput = number | 'start' | 'complete';

export interface UpdateProgressInput {
  /** the name the person typed ("python fundamentals", "Machine Learning") */
  itemQuery?: string;
  /** an exact skill or course id (e.g. from a button after an ambiguous answer); wins over itemQuery */
  itemId?: string;
  /** restrict the lookup to skills or courses */
  itemType?: ItemType;
  percent: PercentInput;
}

export type UpdateProgressResult =
  | { kind: 'updated'; item: ProgressItem; previousPercent: number | null; created: boolean; message: string }
  | { kind: 'ambiguous'; query: string; options: CatalogItem[]; message: string }
  | { kind: 'not_found'; query: string; suggestions: CatalogItem[]; message: string }
  | { kind: 'invalid_percent'; message: string };

/** What parseProgressCommand understood. `percent` is not range-checked here: updateProgress does that. */
export type ProgressCommand =
  | { action: 'list' }
  | { action: 'update'; itemQuery: string; percent: number | 'start' | 'complete' }
  | { action: 'invalid'; message: string };

export const PROGRESS_USAGE =
  'Tell me the course or skill and how far you are, for example “progress Python Fundamentals 50%”, “progress Machine Learning done” or “progress Leadership start”.';

const MAX_OPTIONS = 10;

/**
 * The asker's progress on skills and courses: list it, and update it from what they type.
 * Everything runs in the asker's user scope (row-level security: only their own rows).
 */
export class ProgressService {
  constructor(private readonly ds: DataSource) {}

  /** The asker's skills and courses: in progress first (latest activity first), then not started, then completed. */
  async listProgress(userId: string): Promise<ProgressItem[]> {
    return inUserScope(this.ds, userId, (m) => loadProgress(m, userId));
  }

  async updateProgress(userId: string, input: UpdateProgressInput): Promise<UpdateProgressResult> {
    // Validated before anything is read or written.
    const percent = validatePercent(input.percent);
    if (typeof percent === 'object') return percent;
    const query = (input.itemQuery ?? '').trim();
    if (!input.itemId && !query) return { kind: 'not_found', query: '', suggestions: [], message: PROGRESS_USAGE };

    return inUserScope(this.ds, userId, async (m) => {
      const catalog = await loadCatalog(m, input.itemType);
      const resolved = resolveItem(catalog, input);
      if (resolved.kind !== 'found') return resolved;
      const item = resolved.item;

      const previousPercent = await lockProgressPercent(m, userId, item.type, item.id);
      if (percent === 'start') await markProgressStarted(m, userId, item.type, item.id);
      else await setProgressPercent(m, userId, item.type, item.id, percent === 'complete' ? 100 : percent);
      const row = (await findProgressRow(m, userId, item.type, item.id))!;
      const updated = toItem(row);
      return {
        kind: 'updated',
        item: updated,
        previousPercent,
        created: previousPercent === null,
        message: updateMessage(updated, previousPercent, percent),
      };
    });
  }
}

/** The asker's progress rows, named, in display order (used by the dashboard inside its own scope). */
export async function loadProgress(m: EntityManager, userId: string): Promise<ProgressItem[]> {
  const rows = await findProgressRows(m, userId);
  const rank: Record<ProgressStatus, number> = { in_progress: 0, not_started: 1, completed: 2 };
  return rows
    .map(toItem)
    .sort(
      (a, b) =>
        rank[a.status] - rank[b.status] ||
        (a.status === 'completed' ? b.completedAt!.getTime() - a.completedAt!.getTime() : b.updatedAt.getTime() - a.updatedAt.getTime()) ||
        a.title.localeCompare(b.title),
    );
}

function toItem(r: ProgressRow): ProgressItem {
  const percent = Number(r.progress ?? 0);
  const completed = r.completed_at !== null;
  return {
    id: r.id,
    itemType: r.skill_id ? 'skill' : 'course',
    itemId: (r.skill_id ?? r.course_id)!,
    title: r.title,
    percent,
    completed,
    completedAt: r.completed_at,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    status: completed ? 'completed' : percent > 0 ? 'in_progress' : 'not_started',
  };
}

/** A number 0..100, 'start' or 'complete'; anything else is refused with a message a person can act on. */
export function validatePercent(value: unknown): number | 'start' | 'complete' | { kind: 'invalid_percent'; message: string } {
  if (value === 'start' || value === 'complete') return value;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100) return value;
  const shown = typeof value === 'number' || typeof value === 'string' ? `“${String(value)}”` : 'that';
  return { kind: 'invalid_percent', message: `I can't record ${shown} as progress: give a percentage from 0 to 100, “start” or “done”.` };
}

export async function loadCatalog(m: EntityManager, type?: ItemType): Promise<CatalogItem[]> {
  return findCatalog(m, type);
}

type Resolution = { kind: 'found'; item: CatalogItem } | Extract<UpdateProgressResult, { kind: 'ambiguous' | 'not_found' }>;

/** Finds the skill or course meant: by id, else by name (exact, prefix, substring, words). */
export function resolveItem(catalog: CatalogItem[], input: Pick<UpdateProgressInput, 'itemId' | 'itemQuery' | 'itemType'>): Resolution {
  const what = input.itemType ?? 'course or skill';
  if (input.itemId) {
    const item = catalog.find((c) => c.id === input.itemId && (!input.itemType || c.type === input.itemType));
    if (item) return { kind: 'found', item };
    return { kind: 'not_found', query: input.itemId, suggestions: [], message: `That ${what} no longer exists.` };
  }
  const query = (input.itemQuery ?? '').trim();
  const { matches } = matchByName(query, catalog, (c) => c.title);
  if (matches.length === 1) return { kind: 'found', item: matches[0] };
  if (matches.length > 1) {
    const options = matches.slice(0, MAX_OPTIONS);
    return {
      kind: 'ambiguous',
      query,
      options,
      message: `Which one do you mean: ${orList(options.map((o) => `“${o.title}” (${o.type})`))}?`,
    };
  }
  const suggestions = closestByName(query, catalog, (c) => c.title);
  return {
    kind: 'not_found',
    query,
    suggestions,
    message: suggestions.length
      ? `I couldn't find a ${what} called “${query}”. Did you mean ${quotedList(suggestions.map((s) => s.title))}?`
      : `I couldn't find a ${what} called “${query}”.${
          catalog.length
            ? ` Some I know: ${quotedList(
                catalog.slice(0, 5).map((c) => c.title),
                'and',
              )}.`
            : ''
        }`,
  };
}

function updateMessage(item: ProgressItem, previous: number | null, requested: number | 'start' | 'complete'): string {
  const pct = (n: number) => `${formatPercent(n)}%`;
  if (item.completed) {
    if (previous === 100) return `${item.title} was already completed.`;
    return `Marked ${item.title} (${item.itemType}) as completed. Well done!`;
  }
  if (requested === 'start' && previous !== null && previous >= 1)
    return `You've already started ${item.title}: you're at ${pct(item.percent)}.`;
  if (requested === 'start') return `Started ${item.title} (${item.itemType}). Tell me how far you get, e.g. “progress ${item.title} 50%”.`;
  const was = previous === null ? '' : previous === 100 ? ' (it is no longer marked completed)' : ` (was ${pct(previous)})`;
  return `${item.title} (${item.itemType}) is now at ${pct(item.percent)}${was}.`;
}

const orList = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`);

export const formatPercent = (n: number): string => (Math.round(n * 10) / 10).toString();

const DONE_WORDS = new Set(['done', 'complete', 'completed', 'finished', 'finish', 'passed']);
const START_WORDS = new Set(['start', 'started', 'starting', 'begin', 'began', 'begun']);

/**
 * Reads "/progress Python Fundamentals 50", "python fundamentals 50%", "Machine Learning done",
 * "progress Leadership start", "mark Python Fundamentals as done", "set Data Analysis to 75 %".
 * Just "progress" (or nothing) lists progress.
 */
export function parseProgressCommand(text: string): ProgressCommand {
  let t = (text ?? '').replace(/\s+/g, ' ').trim();
  t = t.replace(/^\/?progress\b[:\s]*/i, '').trim();
  if (!t || /^(list|show|status|mine|me)$/i.test(t)) return { action: 'list' };
  t = t
    .replace(/^(mark|set|update)\s+/i, '')
    .replace(/[.!]+$/, '')
    .trim();

  let percent: number | 'start' | 'complete' | undefined;
  let rest = t;
  const num = t.match(/^(.*?)\s*(?:\b(?:to|at|as|is)\s+|[:=]\s*)?(-?\d+(?:[.,]\d+)?)\s*(%|percent|pct)?$/i);
  const word = t.match(/^(.*?)\s+(?:(?:as|is)\s+)?(\p{L}+)$/iu);
  if (num?.[1].trim()) {
    percent = Number(num[2].replace(',', '.'));
    rest = num[1];
  } else if (word && DONE_WORDS.has(word[2].toLowerCase())) {
    percent = 'complete';
    rest = word[1];
  } else if (word && START_WORDS.has(word[2].toLowerCase())) {
    percent = 'start';
    rest = word[1];
  }
  rest = rest
    .replace(/\s+(to|at|as|is)$/i, '')
    .replace(/^["“'‘]|["”'’]$/g, '')
    .trim();
  if (percent === undefined || !rest) return { action: 'invalid', message: PROGRESS_USAGE };
  return { action: 'update', itemQuery: rest, percent };
}
