/**
 * Plain-text helpers every layer may use (ai for prompts, channels for cards and blocks). Pure, and
 * importing nothing of ours.
 */

/**
 * Shortens text to at most `limit` characters, ending with "…": on a word boundary when there is one
 * in the last 40%, otherwise cut hard at a safe point (see safeCutIndex).
 */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const room = limit - 1; // for the ellipsis
  const space = text.lastIndexOf(' ', room);
  const cut = space > room * 0.6 ? space : safeCutIndex(text, room);
  return `${text.slice(0, cut).trimEnd()}…`;
}

/**
 * `limit`, moved back so that text.slice(0, cut) ends neither inside an `&amp;`-style entity (Slack's
 * escaped text) nor between the halves of a surrogate pair (an emoji).
 */
export function safeCutIndex(text: string, limit: number): number {
  let cut = limit;
  const amp = text.lastIndexOf('&', cut - 1);
  if (amp > cut - 6) {
    const semi = text.indexOf(';', amp);
    if (semi >= cut && semi - amp <= 5) cut = amp;
  }
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return cut;
}
