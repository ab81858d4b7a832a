// Text clean-up shared by the document loaders. Pure.

/** UTF-8 decode without a byte-order mark. */
export function decodeText(data: Buffer): string {
  return data.toString('utf8').replace(/^\uFEFF/, '');
}

/** Line endings to \n, no NULs, no trailing spaces, at most one blank line in a row, trimmed. */
export function tidyText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is removed on purpose (PostgreSQL text cannot hold it)
      .replace(/\u0000/g, '')
      .replace(/[ \t]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

export function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function scalarToString(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return collapse(String(value)) || undefined;
  }
  return undefined;
}

/** Makes YAML values safe to store as JSONB: dates become ISO strings (date only at UTC midnight). */
export function toJsonSafe(value: unknown): unknown {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonSafe(v);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** An error's message, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
