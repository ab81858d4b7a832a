/**
 * Helpers shared by the benchmarks: scratch databases on a real PostgreSQL server, a seeded PRNG,
 * timing statistics and Markdown tables. Nothing here is used by the application.
 */
import { Client } from 'pg';
import { FLOAT_HNSW_INDEX } from '../migrations/1795600000000-InitialSchema';
import { BINARY_QUANTIZED_INDEX } from '../migrations/1796800000000-BinaryQuantizedIndex';
import { vectorLiteral } from '../src/ai/embedding-provider';
import { mulberry32 } from '../src/ai/mulberry32';

/** The app's vector index (migration BinaryQuantizedIndex): benches that bulk-load drop it first and build it after. */
export const HNSW_DDL = BINARY_QUANTIZED_INDEX;
/** The float HNSW index it replaced (migration InitialSchema), for baselines from before BinaryQuantizedIndex. */
export const FLOAT_HNSW_DDL = FLOAT_HNSW_INDEX;

export const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Refuses anything but a loopback server: the benchmarks create and drop databases. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`benchmarks only talk to 127.0.0.1; refusing ${host}`);
  }
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates `la_bench_<pid>[_suffix]` on the server of `baseUrl` and returns its URL; drop() removes it
 * (terminating leftover connections). Dropped on SIGINT/SIGTERM too.
 */
export async function createScratchDatabase(baseUrl: string, suffix = ''): Promise<ScratchDatabase> {
  assertLoopback(baseUrl);
  const name = `la_bench_${process.pid}${suffix ? `_${suffix}` : ''}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const c = new Client({ connectionString: baseUrl });
    await c.connect();
    try {
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await c.end();
    }
  };
  const onSignal = () => {
    drop().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { name, url: withDatabase(baseUrl, name), drop };
}

/** mulberry32 (src/ai/mulberry32.ts): small, fast, seeded; good enough for synthetic data. */
export const rng = mulberry32;

/** Standard normal samples (Box-Muller) from a uniform source. */
export function gaussian(u: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let x = 0;
    while (x === 0) x = u();
    const r = Math.sqrt(-2 * Math.log(x));
    const th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

export function normalize(v: Float64Array | Float32Array | number[]): void {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
}

export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  max: number;
}

export function latencyStats(ms: number[]): LatencyStats {
  const s = [...ms].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
    max: s[s.length - 1],
  };
}

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A Markdown table (also readable on a terminal). */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** Replaces (or appends) the `## <title>` section of a Markdown file, leaving other sections alone. */
export function replaceSection(markdown: string, title: string, body: string): string {
  const heading = `## ${title}`;
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  const section = `${heading}\n\n${body.trim()}\n`;
  if (start < 0) return `${markdown.trimEnd()}${markdown.trim() ? '\n\n' : ''}${section}`;
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, start), ...section.split('\n'), ...lines.slice(end)].join('\n').replace(/\n{3,}/g, '\n\n');
}

/**
 * Writes generated text into the `## <title>` section of a Markdown file between
 * `<!-- generated:<key> -->` and `<!-- /generated:<key> -->`, so hand-written notes in the same section
 * and other sections (other benchmarks write here too) stay as they are. Creates what is missing.
 */
export function replaceGenerated(markdown: string, title: string, key: string, body: string): string {
  const open = `<!-- generated:${key} -->`;
  const close = `<!-- /generated:${key} -->`;
  const block = `${open}\n${body.trim()}\n${close}`;
  const i = markdown.indexOf(open);
  const j = markdown.indexOf(close);
  if (i >= 0 && j > i) return markdown.slice(0, i) + block + markdown.slice(j + close.length);
  const heading = `## ${title}`;
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) return `${markdown.trimEnd()}${markdown.trim() ? '\n\n' : ''}${heading}\n\n${block}\n`;
  // An existing section without markers (an older run): its body is replaced.
  let end = lines.findIndex((l, n) => n > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, start + 1), '', block, '', ...lines.slice(end)].join('\n').replace(/\n{3,}/g, '\n\n');
}

export function arg(name: string, fallback: string): string {
  const pre = `--${name}=`;
  const hit = process.argv.find((a) => a.startsWith(pre));
  return hit ? hit.slice(pre.length) : fallback;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * The exact nearest rows by cosine distance (a sequential scan: no index is used), most similar first:
 * the ground truth for recall, independent of how match_documents reaches its rows.
 */
export async function exactNearest(
  m: { query: (sql: string, params?: unknown[]) => Promise<Array<{ id: string; similarity: number | string }>> },
  vector: number[],
  k: number,
  types: string[] | null,
): Promise<Array<{ id: string; similarity: number }>> {
  const rows = await m.query(
    `SELECT id, 1 - (embedding <=> $1::vector) AS similarity FROM learning_content
      WHERE embedding IS NOT NULL AND ($3::text[] IS NULL OR content_type = ANY($3))
      ORDER BY embedding <=> $1::vector LIMIT $2`,
    [vectorLiteral(vector), k, types],
  );
  return rows.map((r) => ({ id: r.id, similarity: Number(r.similarity) }));
}
