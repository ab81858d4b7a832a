import { type BotReply, sourceUrl } from '../../core/messages';

/** Renders a reply for a terminal. Pure, so it is tested without a terminal. */
export function renderText(reply: BotReply, opts: { color?: boolean } = {}): string {
  const c = opts.color ? COLORS : PLAIN;
  const lines: string[] = [reply.text.trim()];
  for (const note of reply.notes) lines.push(c.dim(`(${note})`));
  if (reply.sources.length) {
    lines.push('', c.bold('Sources'));
    for (const s of reply.sources) {
      lines.push(
        `  [${s.n}] ${s.title} ${c.dim(`(${s.contentType}${s.similarity === null ? '' : `, similarity ${s.similarity.toFixed(2)}`})`)}`,
      );
      // on a line of its own, so terminals that detect links can open it; http(s) only, never a script
      const url = sourceUrl(s.url);
      if (url) lines.push(`      ${url}`);
    }
  }
  if (reply.kind === 'answer') lines.push('', `${c.bold('Confidence')} ${Math.round(reply.confidence * 100)}% ${bar(reply.confidence)}`);
  if (reply.recommendations.length) {
    lines.push('', c.bold('Recommended next'));
    for (const r of reply.recommendations) lines.push(`  • ${r.title} ${c.dim(`[${r.type}]`)} — ${r.reason}`);
  }
  return lines.join('\n');
}

function bar(x: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, x)) * 10);
  return '█'.repeat(filled) + '░'.repeat(10 - filled);
}

const PLAIN = { bold: (s: string) => s, dim: (s: string) => s };
const COLORS = { bold: (s: string) => `\x1b[1m${s}\x1b[22m`, dim: (s: string) => `\x1b[2m${s}\x1b[22m` };
