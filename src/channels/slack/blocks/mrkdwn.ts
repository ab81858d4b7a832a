/**
 * Text helpers for Slack's mrkdwn. Pure: no I/O, no Bolt.
 *
 * Slack requires `&`, `<` and `>` to be escaped in every text it formats; anything we did not write
 * ourselves (answers, titles, reasons, notes) goes through `escapeMrkdwn` before it reaches a block.
 */
import { safeCutIndex } from '../../../text';

/** the one truncate of the application, under the name the block builders import */
export { truncate } from '../../../text';

/** Slack's section text limit (and the limit of every text object we build). */
export const SECTION_TEXT_LIMIT = 3000;

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The answer text as mrkdwn: escaped, with the Markdown a model tends to write mapped onto Slack's
 * dialect (**bold** and headings → *bold*, "- item" → "• item"). Citations like [1] pass unchanged.
 */
export function markdownToMrkdwn(markdown: string): string {
  return escapeMrkdwn(markdown.replace(/\r\n?/g, '\n'))
    .replace(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm, (_m, title: string) => `*${title.replace(/\*\*/g, '')}*`)
    .replace(/\*\*(?=\S)([^*\n]+?)\*\*/g, '*$1*')
    .replace(/__(?=\S)([^_\n]+?)__/g, '*$1*')
    .replace(/^([ \t]*)[-*][ \t]+/gm, '$1• ');
}

/**
 * Splits text into chunks of at most `limit` characters, preferring paragraph breaks, then line breaks,
 * then sentence ends, then spaces; only a run with no space at all is cut hard (never inside an
 * `&amp;`-style entity or a surrogate pair). Chunks are trimmed and never empty.
 */
export function splitText(text: string, limit = SECTION_TEXT_LIMIT): string[] {
  if (limit < 16) throw new RangeError('splitText: limit too small');
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    const chunk = rest.slice(0, cut).trimEnd();
    if (chunk) chunks.push(chunk);
    rest = rest.slice(cut).trimStart();
  }
  if (rest) chunks.push(rest);
  return chunks;
}

/** Where to end the next chunk: an index in (0, limit]. */
function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1); // +1: a boundary right after the limit still allows a full chunk
  const atLeast = Math.floor(limit / 2); // do not make tiny chunks just to end on a nicer boundary
  // Each boundary is optional punctuation (kept in the chunk) followed by whitespace (dropped).
  const boundaries: RegExp[] = [/\n[ \t]*\n\s*/g, /\n\s*/g, /[.!?…][)"'”’\]]*\s+/g, /[;:,]\s+/g, /\s+/g];
  for (const re of boundaries) {
    let best = -1;
    for (const m of window.matchAll(re)) {
      const contentEnd = m.index + m[0].trimEnd().length;
      if (contentEnd <= limit && contentEnd >= atLeast) best = m.index + m[0].length;
    }
    if (best > 0) return best;
  }
  // No usable boundary: cut hard, but not inside an entity or a surrogate pair.
  return safeCutIndex(text, limit);
}
