/**
 * Matching what people type against names: "python fundamentals" → "Python Fundamentals",
 * "pyhton" → suggestions. Pure functions, shared by the progress, quiz and report services.
 */

/** Lower-case, accents removed, punctuation as spaces, single spaces. */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export const tokens = (s: string): string[] => normalizeName(s).split(' ').filter(Boolean);

function trigrams(s: string): Set<string> {
  const t = ` ${normalizeName(s)} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

/** Dice coefficient of character trigrams, 0..1: tolerant of typos and word order. */
export function nameSimilarity(a: string, b: string): number {
  const x = trigrams(a);
  const y = trigrams(b);
  if (!x.size || !y.size) return 0;
  let common = 0;
  for (const g of x) if (y.has(g)) common++;
  return (2 * common) / (x.size + y.size);
}

export type MatchTier = 'exact' | 'prefix' | 'contains' | 'words';

/**
 * The candidates matching `query`, from the strictest tier that has any: exact (case-insensitive),
 * prefix, substring, then "every word of the query starts a word of the name" (any order).
 */
export function matchByName<T>(query: string, items: readonly T[], nameOf: (item: T) => string): { tier: MatchTier | null; matches: T[] } {
  const q = normalizeName(query);
  if (!q) return { tier: null, matches: [] };
  const named = items.map((item) => ({ item, name: normalizeName(nameOf(item)) }));
  const tiers: Array<[MatchTier, (name: string) => boolean]> = [
    ['exact', (n) => n === q],
    ['prefix', (n) => n.startsWith(q)],
    ['contains', (n) => q.length >= 3 && n.includes(q)],
    [
      'words',
      (n) => {
        const words = n.split(' ');
        return q.split(' ').every((w) => words.some((nw) => nw.startsWith(w)));
      },
    ],
  ];
  for (const [tier, test] of tiers) {
    const matches = named.filter((x) => test(x.name)).map((x) => x.item);
    if (matches.length) return { tier, matches };
  }
  return { tier: null, matches: [] };
}

/** The `limit` names most similar to `query` (at least `min` similar), best first. */
export function closestByName<T>(query: string, items: readonly T[], nameOf: (item: T) => string, limit = 3, min = 0.2): T[] {
  return items
    .map((item) => ({ item, score: nameSimilarity(query, nameOf(item)) }))
    .filter((x) => x.score >= min)
    .sort((a, b) => b.score - a.score || nameOf(a.item).localeCompare(nameOf(b.item)))
    .slice(0, limit)
    .map((x) => x.item);
}

/** “A”, “B” or “C” */
export function quotedList(names: string[], conjunction = 'or'): string {
  const q = names.map((n) => `“${n}”`);
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} ${conjunction} ${q[q.length - 1]}`;
}
