import type { CatalogItem, PercentInput, ProgressItem } from '../../../core/learning';
import { progressSetData } from './actions';
import {
  type AdaptiveCard,
  CARD_BYTE_BUDGET,
  type CardElement,
  type Container,
  card,
  cardBytes,
  type SubmitAction,
  text,
  truncate,
} from './adaptive';
import { itemLabel, pct, progressBar } from './format';

const MAX_TITLE = 120;
/** the half-way button is offered below this */
const HALF = 50;

export const PROGRESS_HINT =
  'To record progress, type e.g. “progress Python Fundamentals 50%”, “progress Machine Learning done” or “progress Leadership start”.';

export interface ProgressCardOptions {
  maxBytes?: number;
}

/**
 * The asker's skills and courses, each with a text progress bar and buttons ("50 %" while below half,
 * "Completed" until completed) that post `progress_set`. As many items as fit the byte budget (the list
 * comes in progress order: in progress first), then "…and N more". Pure.
 */
export function buildProgressCard(items: ProgressItem[], opts: ProgressCardOptions = {}): AdaptiveCard {
  const budget = opts.maxBytes ?? CARD_BYTE_BUDGET;
  const counts = { in_progress: 0, not_started: 0, completed: 0 };
  for (const i of items) counts[i.status]++;
  const head: CardElement[] = [
    text('Your learning progress', { size: 'large', weight: 'bolder' }),
    text(
      items.length
        ? `${counts.in_progress} in progress · ${counts.completed} completed · ${counts.not_started} not started`
        : 'Nothing yet: start a course or skill from **recommend**, or record one you are already doing.',
      { isSubtle: true, spacing: 'none' },
    ),
  ];
  const tail = [text(PROGRESS_HINT, { isSubtle: true, size: 'small', spacing: 'medium' })];

  const body = [...head];
  let shown = 0;
  for (const item of items) {
    const next = card([...body, itemContainer(item), more(items.length - shown - 1), ...tail]);
    if (cardBytes(next) > budget) break;
    body.push(itemContainer(item));
    shown++;
  }
  if (shown < items.length) body.push(more(items.length - shown));
  return card([...body, ...tail]);
}

function more(n: number): CardElement {
  return text(n > 0 ? `…and ${n} more.` : '', { isSubtle: true, size: 'small' });
}

export function itemContainer(item: ProgressItem): Container {
  const status = item.completed ? '✅ Completed' : item.status === 'not_started' ? 'Not started' : 'In progress';
  const actions: SubmitAction[] = [];
  if (!item.completed && item.percent < HALF)
    actions.push({ type: 'Action.Submit', title: '50 %', data: progressSetData(item.itemType, item.itemId, HALF) });
  if (!item.completed)
    actions.push({
      type: 'Action.Submit',
      title: 'Completed',
      data: progressSetData(item.itemType, item.itemId, 'complete'),
      style: 'positive',
    });
  const items: CardElement[] = [
    text(`**${truncate(item.title, MAX_TITLE)}** · ${itemLabel(item.itemType)}`),
    text(`${progressBar(item.percent)} ${pct(item.percent)} · ${status}`, {
      fontType: 'monospace',
      spacing: 'none',
      color: item.completed ? 'good' : 'default',
    }),
  ];
  if (actions.length) items.push({ type: 'ActionSet', spacing: 'small', actions });
  return { type: 'Container', separator: true, spacing: 'medium', items };
}

/**
 * "Which one do you mean?" (ambiguous) or "Did you mean…?" (not found, with suggestions): the core's
 * sentence and one button per option, each recording the percentage that was asked for. Pure.
 */
export function buildProgressChoicesCard(message: string, options: CatalogItem[], percent: PercentInput): AdaptiveCard {
  // one button per row: titles are long, and Teams folds a wide row of buttons into "…"
  return card([
    text(message),
    ...options.map(
      (o, i): CardElement => ({
        type: 'ActionSet',
        spacing: i === 0 ? 'medium' : 'small',
        actions: [{ type: 'Action.Submit', title: `${truncate(o.title, 60)} (${o.type})`, data: progressSetData(o.type, o.id, percent) }],
      }),
    ),
  ]);
}
