// Small pure formatting helpers shared by the learning cards.

/** "██████░░░░": a text progress bar (renders in every Teams client, no images). */
export function progressBar(percent: number, width = 10): string {
  const p = clampPercent(percent);
  const filled = Math.round((p / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export const clampPercent = (n: number): number => Math.min(100, Math.max(0, Number.isFinite(n) ? n : 0));

/** 62.5 → "62.5%", 50 → "50%" */
export const pct = (n: number): string => `${Math.round(n * 10) / 10}%`;

/** "today", "yesterday", "5 days ago", or the date (UTC) beyond a month; "never" for null. */
export function ago(date: Date | null, now: Date): string {
  if (!date) return 'never';
  const days = Math.floor((now.getTime() - date.getTime()) / 86_400_000);
  if (days < 1) return 'today';
  if (days < 2) return 'yesterday';
  if (days < 31) return `${days} days ago`;
  return date.toISOString().slice(0, 10);
}

/**
 * An Adaptive Card date/time function: Teams shows it in the reader's own time zone and language
 * ({{DATE(...)}} / {{TIME(...)}} take RFC 3339 without fractional seconds).
 */
export function cardTime(date: Date, fn: 'DATE' | 'TIME' = 'TIME'): string {
  return `{{${fn}(${date.toISOString().replace(/\.\d{3}Z$/, 'Z')}${fn === 'DATE' ? ', SHORT' : ''})}}`;
}

/** "1 person", "3 people" */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export const itemLabel = (type: string): string =>
  (({ skill: 'Skill', course: 'Course', content: 'Reading' }) as Record<string, string>)[type] ?? type;

/**
 * A Markdown link Teams renders in TextBlocks and FactSet values. The URL is SourceRef.url (validated and
 * serialized by core's sourceUrl, so no spaces or angle brackets); its parentheses are percent-encoded so they
 * cannot end the link early, and square brackets in the text become parentheses so they cannot end the text.
 */
export function markdownLink(text: string, url: string): string {
  const label = text.replace(/\[/g, '(').replace(/\]/g, ')');
  return `[${label}](${url.replace(/\(/g, '%28').replace(/\)/g, '%29')})`;
}

const LIST_ITEM = /^(\s*)(?:[-*+•◦▪‣]|(\d{1,3})[.)])\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;

/**
 * Answer text as Teams renders Markdown (message text and TextBlocks alike): a single newline is no
 * line break there, so "• a\n• b" ran together as one paragraph. Bullets (•, -, *, +) become "- "
 * list items and "1)" becomes "1.", one per line; a list is set off from the text around it by a
 * blank line; other lines become paragraphs; fenced code is kept verbatim. Pure and idempotent.
 */
export function answerMarkdown(text: string): string {
  const out: string[] = [];
  let prev: 'item' | 'text' | 'code' | null = null;
  let inFence = false;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (inFence) {
      out.push(`\n${raw}`);
      if (FENCE.test(line)) inFence = false;
      continue;
    }
    if (FENCE.test(line)) {
      if (prev) out.push('\n\n');
      out.push(line);
      inFence = true;
      prev = 'code';
      continue;
    }
    if (!line.trim()) {
      if (prev === 'item') prev = 'text'; // a blank line ends the list: the next item starts a paragraph break
      continue;
    }
    const item = LIST_ITEM.exec(line);
    const kind = item ? 'item' : 'text';
    if (prev) out.push(prev === 'item' && kind === 'item' ? '\n' : '\n\n');
    out.push(item ? `${item[1]}${item[2] ? `${item[2]}.` : '-'} ${item[3]}` : line.trim());
    prev = kind;
  }
  return out.join('');
}
