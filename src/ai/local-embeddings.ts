/**
 * A deterministic, offline embedder behind LangChain's `Embeddings` interface.
 *
 * Output: 1536-dimensional, L2-normalised vectors (the width of OpenAI's text-embedding-3-small, so
 * the same pgvector column fits either embedder). No network, no native code.
 *
 * Text is NFKC-normalised, lower-cased and split into tokens of letters, combining marks and digits
 * of any script (each emoji is a token too). Layout of the 1536 dimensions:
 *   [0, 1436)    signed feature hashing (FNV-1a 32-bit + murmur3 finaliser; bucket from 31 bits, sign
 *                from the top bit) of three feature families, each weighted log(1 + tf) and
 *                L2-normalised on its own, then added with weights words 1, bigrams 0.5, chars 1:
 *                  - words: English stop words dropped, light suffix stripping (s/es/ies, ing, ed,
 *                    final e), times an IDF-like weight log(1 + rank / 200) from the word's GloVe
 *                    frequency rank (words not in the table count as rare)
 *                  - bigrams of consecutive such words
 *                  - character 3..5-grams of every token with boundary markers ("<word>", as in
 *                    fastText), counted with the token's IDF-like weight (so stop words nearly vanish)
 *   [1436, 1536) the SIF-weighted (a / (a + p(w)), a = 1e-3, p(w) from Zipf's law and the rank)
 *                average of the GloVe 100-d vectors of the non-stop-word tokens (data/glove-100d.bin,
 *                packed by scripts/pack-glove.ts), with the table's common direction projected out.
 * Each block is unit length and scaled so that cosine(a, b) = 0.5·cos_hash + 0.5·cos_glove (just
 * cos_hash for a text without any GloVe word); the result is unit length.
 *
 * If the GloVe table is missing or unreadable, the embedder falls back to the hash features only
 * (the last 100 dimensions stay 0), reports it once via `onWarning`, and `embedderId` says
 * LOCAL_HASH_EMBEDDER_ID: such vectors are NOT comparable with LOCAL_EMBEDDER_ID vectors.
 *
 * Text with no tokens at all (empty, whitespace, punctuation) embeds to a fixed unit vector
 * (a single ±1 at a reserved hashed position), never to a zero vector: pgvector's cosine distance
 * of a zero vector is NaN.
 *
 * The vector returned is that layout turned by a fixed rotation (src/ai/orthogonal-rotation.ts; `features`
 * returns it unrotated). Cosines are unchanged; the rotation makes each coordinate's sign a random-hyperplane
 * hash, which the binary-quantized vector index needs. v1 vectors were the unrotated layout: rotating them
 * gives v2 (migrations/1796800000000-BinaryQuantizedIndex.ts does that instead of re-embedding).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { rotate } from './orthogonal-rotation';

/** Stored beside every vector made with the GloVe table. Bump the suffix when the algorithm changes. */
export const LOCAL_EMBEDDER_ID = 'local:hash-glove-v2';
/** Stored beside vectors made without the GloVe table (hash features only). */
export const LOCAL_HASH_EMBEDDER_ID = 'local:hash-v2';
export const LOCAL_EMBEDDING_DIMENSIONS = 1536;

const GLOVE_DIMS = 100;
const HASH_DIMS = LOCAL_EMBEDDING_DIMENSIONS - GLOVE_DIMS; // 1436

export interface LocalEmbeddingsOptions extends Partial<EmbeddingsParams> {
  /** Path of the packed GloVe table; default: `data/glove-100d.bin` under the project root. */
  tablePath?: string;
  /** `false` skips the GloVe table entirely (hash features only). Default `true`. */
  useGlove?: boolean;
  /** Called at most once per instance, e.g. when the table cannot be loaded. */
  onWarning?: (message: string) => void;
}

/**
 * The algorithm's parameters, chosen on two 30-pair tuning sets separate from the test file's sets.
 * Changing any of them changes the vectors: bump LOCAL_EMBEDDER_ID's version.
 */
const P = Object.freeze({
  /** Block weights inside the hashed part; each family is L2-normalised first. */
  wWord: 1,
  wBigram: 0.5,
  wChar: 1,
  charMin: 3,
  charMax: 5,
  /** IDF-like weight from frequency rank r: log(1 + r / idfRank0); applied to words and to char n-grams (per token). */
  idfRank0: 200,
  /** λ: share of the cosine given to the GloVe block; the hashed block gets 1 - λ. */
  gloveShare: 0.5,
  /** SIF weight a / (a + p(w)) of a GloVe word vector, p(w) from Zipf's law and the word's rank. */
  sifA: 1e-3,
});

// ---------------------------------------------------------------------------------------------
// Tokenisation

// Letters (with their combining marks, needed by e.g. Devanagari) and digits of any script; each
// emoji is a token of its own.
const TOKEN_RE = /[\p{L}\p{M}\p{N}]+|\p{Extended_Pictographic}/gu;
const WHOLE_TOKEN_RE = /^(?:[\p{L}\p{M}\p{N}]+|\p{Extended_Pictographic})$/u;

/** Lower-cased, NFKC-normalised tokens of `text`, in order (stop words included). */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN_RE) ?? [];
}

/** True when `word` is exactly one token as produced by `tokenize` (used by scripts/pack-glove.ts). */
export function isWholeToken(word: string): boolean {
  return WHOLE_TOKEN_RE.test(word) && word.normalize('NFKC').toLowerCase() === word;
}

const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves s t d ll m re ve don doesn didn isn aren wasn weren won can cannot ' +
    'also may might must shall let lets get got'
  ).split(' '),
);

const ASCII_WORD = /^[a-z]+$/;
const VOWEL = /[aeiouy]/;

/** Light English suffix stripping: plural s/es/ies, -ing, -ed, final e, doubled final consonant. */
export function stem(w: string): string {
  if (w.length <= 3 || !ASCII_WORD.test(w)) return w;
  let s = w;
  // Plural / third person.
  if (s.endsWith('ies') && s.length > 4) s = `${s.slice(0, -3)}y`;
  else if (/(?:ss|x|z|ch|sh)es$/.test(s)) s = s.slice(0, -2);
  else if (s.endsWith('s') && !/(?:ss|us|is)$/.test(s)) s = s.slice(0, -1);
  // Past tense / gerund.
  let verbal = false;
  if (s.endsWith('ied') && s.length > 4) s = `${s.slice(0, -3)}y`;
  else if (s.endsWith('ing') && s.length > 5 && VOWEL.test(s.slice(0, -3))) {
    s = s.slice(0, -3);
    verbal = true;
  } else if (s.endsWith('ed') && s.length > 4 && VOWEL.test(s.slice(0, -2))) {
    s = s.slice(0, -2);
    verbal = true;
  }
  if (verbal && s.length > 3 && /([b-df-hj-km-np-tv-z])\1$/.test(s) && !/(?:ll|ss|zz)$/.test(s)) s = s.slice(0, -1);
  if (s.length > 3 && s.endsWith('e') && !s.endsWith('ee')) s = s.slice(0, -1);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Hashing

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// Per-family seeds, XOR-ed into the FNV offset basis so equal strings of different families differ.
const SEED_WORD = 0x00000000;
const SEED_BIGRAM = 0x5bd1e995;
const SEED_CHAR = 0x27d4eb2f;
const SEED_EMPTY = 0x165667b1;

function fnv1a(s: string, seed: number, h = (FNV_OFFSET ^ seed) >>> 0): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** murmur3 fmix32: spreads FNV's weak low bits before taking bucket and sign. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addCount(m: Map<number, number>, key: number, by = 1): void {
  m.set(key, (m.get(key) ?? 0) + by);
}

/** Adds a family's features into `out` as log(1+tf)·weight, L2-normalised over the family, times `scale`. */
function scatter(out: Float64Array, counts: Map<number, number>, idf: Map<number, number> | null, scale: number): boolean {
  if (counts.size === 0 || scale === 0) return false;
  let norm = 0;
  const vals: number[] = [];
  for (const [key, tf] of counts) {
    const v = Math.log1p(tf) * (idf?.get(key) ?? 1);
    vals.push(v);
    norm += v * v;
  }
  if (norm === 0) return false;
  const k = scale / Math.sqrt(norm);
  let i = 0;
  for (const key of counts.keys()) {
    const h = fmix32(key);
    const bucket = (h & 0x7fffffff) % HASH_DIMS;
    out[bucket] += (h & 0x80000000 ? -1 : 1) * vals[i++] * k;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// GloVe table

export interface GloveTable {
  readonly count: number;
  readonly dims: number;
  /** word -> row index (row index + 1 is the frequency rank) */
  readonly index: ReadonlyMap<string, number>;
  readonly scales: Float32Array;
  readonly vectors: Int8Array;
  readonly common: Float32Array;
}

const MAGIC = 'GLOVEQ8\0';

/** Reads a table written by scripts/pack-glove.ts (format documented there). Throws if invalid. */
export function readGloveTable(file: string): GloveTable {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  if (buf.length < 24 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error(`${file}: not a packed GloVe table`);
  const version = buf.readUInt32LE(8);
  if (version !== 1) throw new Error(`${file}: unsupported table version ${version}`);
  const count = buf.readUInt32LE(12);
  const dims = buf.readUInt32LE(16);
  if (dims !== GLOVE_DIMS) throw new Error(`${file}: expected ${GLOVE_DIMS} dimensions, found ${dims}`);
  let off = 24;
  const floats = (n: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = buf.readFloatLE(off + 4 * i);
    off += 4 * n;
    return a;
  };
  const common = floats(dims);
  const scales = floats(count);
  const vectors = new Int8Array(count * dims);
  vectors.set(new Int8Array(buf.buffer, buf.byteOffset + off, count * dims));
  off += count * dims;
  const len = buf.readUInt32LE(off);
  off += 4;
  if (off + len !== buf.length) throw new Error(`${file}: truncated or corrupt table`);
  const words = buf.toString('utf8', off, off + len).split('\n');
  if (words.length !== count) throw new Error(`${file}: word list has ${words.length} entries, expected ${count}`);
  const index = new Map<string, number>();
  words.forEach((w, i) => {
    if (!index.has(w)) index.set(w, i);
  });
  return { count, dims, index, scales, vectors, common };
}

const tableCache = new Map<string, GloveTable>();

/** Walks up from this file to the first directory holding package.json; returns `<root>/data/glove-100d.bin`. */
export function defaultTablePath(start = __dirname): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'data', 'glove-100d.bin');
    if (fs.existsSync(candidate)) return candidate;
    if (fs.existsSync(path.join(dir, 'package.json'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(start, '../../data/glove-100d.bin');
    dir = up;
  }
}

// ---------------------------------------------------------------------------------------------
// The embedder

export class LocalEmbeddings extends Embeddings {
  readonly dimensions = LOCAL_EMBEDDING_DIMENSIONS;
  private readonly tablePath: string;
  private readonly useGlove: boolean;
  private readonly onWarning?: (message: string) => void;
  private table: GloveTable | null | undefined; // undefined: not tried yet; null: unavailable
  private warned = false;

  constructor(options: LocalEmbeddingsOptions = {}) {
    const { tablePath, useGlove, onWarning, ...params } = options;
    super(params);
    this.tablePath = path.resolve(tablePath ?? defaultTablePath());
    this.useGlove = useGlove ?? true;
    this.onWarning = onWarning;
  }

  /** LOCAL_EMBEDDER_ID, or LOCAL_HASH_EMBEDDER_ID when the GloVe table is off or unavailable. */
  get embedderId(): string {
    return this.getTable() ? LOCAL_EMBEDDER_ID : LOCAL_HASH_EMBEDDER_ID;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embedSync(t));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embedSync(text);
  }

  /** Synchronous core of embedQuery/embedDocuments: the features below, rotated (see the header). */
  embedSync(text: string): number[] {
    return rotate(this.features(text));
  }

  /** The unrotated vector, in the layout the header describes. */
  features(text: string): number[] {
    const table = this.getTable();
    const tokens = tokenize(typeof text === 'string' ? text : String(text ?? ''));
    const hashed = new Float64Array(HASH_DIMS);

    // Word and bigram features.
    const words = new Map<number, number>();
    const wordIdf = table ? new Map<number, number>() : null;
    const bigrams = new Map<number, number>();
    let prevTerm: string | null = null;
    const content: string[] = [];
    for (const tok of tokens) {
      if (STOP_WORDS.has(tok)) continue;
      content.push(tok);
      const term = stem(tok);
      const h = fnv1a(term, SEED_WORD);
      addCount(words, h);
      if (wordIdf && !wordIdf.has(h)) wordIdf.set(h, this.rankWeight(table!, tok, term));
      if (prevTerm !== null) addCount(bigrams, fnv1a(term, SEED_BIGRAM, fnv1a(`${prevTerm} `, SEED_BIGRAM)));
      prevTerm = term;
    }

    // Character n-grams with boundary markers, computed without building substrings.
    const chars = new Map<number, number>();
    for (const tok of tokens) {
      const weight = table ? this.rankWeight(table, tok, tok) : 1;
      const s = `<${tok}>`;
      for (let i = 0; i + P.charMin <= s.length; i++) {
        let h = (FNV_OFFSET ^ SEED_CHAR) >>> 0;
        for (let j = i; j < s.length && j - i < P.charMax; j++) {
          h = Math.imul(h ^ s.charCodeAt(j), FNV_PRIME) >>> 0;
          if (j - i + 1 >= P.charMin) addCount(chars, (h ^ (j - i)) >>> 0, weight);
        }
      }
    }

    let any = scatter(hashed, words, wordIdf, P.wWord);
    any = scatter(hashed, bigrams, null, P.wBigram) || any;
    any = scatter(hashed, chars, null, P.wChar) || any;

    const out = new Array<number>(LOCAL_EMBEDDING_DIMENSIONS).fill(0);
    let hn = 0;
    for (let i = 0; i < HASH_DIMS; i++) hn += hashed[i] * hashed[i];
    const glove = table ? this.gloveVector(table, content) : null;

    if (!any || hn === 0) {
      if (!glove) {
        // No features at all: a fixed unit vector (never a zero vector, see the header).
        const h = fmix32(fnv1a('\u0000empty', SEED_EMPTY));
        out[(h & 0x7fffffff) % HASH_DIMS] = h & 0x80000000 ? -1 : 1;
        return out;
      }
      for (let d = 0; d < GLOVE_DIMS; d++) out[HASH_DIMS + d] = glove[d];
      return out;
    }

    const hs = (glove ? Math.sqrt(1 - P.gloveShare) : 1) / Math.sqrt(hn);
    for (let i = 0; i < HASH_DIMS; i++) out[i] = hashed[i] * hs;
    if (glove) {
      const gs = Math.sqrt(P.gloveShare);
      for (let d = 0; d < GLOVE_DIMS; d++) out[HASH_DIMS + d] = glove[d] * gs;
    }
    // Both blocks are unit length before scaling, so the sum of squares is 1 up to rounding.
    let n = 0;
    for (let i = 0; i < out.length; i++) n += out[i] * out[i];
    n = Math.sqrt(n);
    for (let i = 0; i < out.length; i++) out[i] /= n;
    return out;
  }

  /** IDF-like weight of a word feature from its GloVe frequency rank; out-of-vocabulary words count as rare. */
  private rankWeight(table: GloveTable, tok: string, term: string): number {
    const row = table.index.get(tok) ?? table.index.get(term);
    const rank = row === undefined ? table.count * 2 : row + 1;
    return Math.log(1 + rank / P.idfRank0);
  }

  /** Unit-length weighted average of the tokens' GloVe vectors, or null if none is in the table. */
  private gloveVector(table: GloveTable, tokens: string[]): Float64Array | null {
    const D = table.dims;
    const acc = new Float64Array(D);
    let hits = 0;
    for (const tok of tokens) {
      const row = table.index.get(tok);
      if (row === undefined) continue;
      // Zipf: p(rank r) ~ 1 / (r · H), H ~ ln(400k) + 0.577 ~ 13.5 for the GloVe vocabulary.
      const p = 1 / ((row + 1) * 13.5);
      const k = (P.sifA / (P.sifA + p)) * table.scales[row];
      const base = row * D;
      for (let d = 0; d < D; d++) acc[d] += table.vectors[base + d] * k;
      hits++;
    }
    if (hits === 0) return null;
    // Common component removal: the direction shared by all words carries no meaning.
    let dot = 0;
    for (let d = 0; d < D; d++) dot += acc[d] * table.common[d];
    for (let d = 0; d < D; d++) acc[d] -= dot * table.common[d];
    let n = 0;
    for (let d = 0; d < D; d++) n += acc[d] * acc[d];
    if (n === 0) return null;
    n = Math.sqrt(n);
    for (let d = 0; d < D; d++) acc[d] /= n;
    return acc;
  }

  private getTable(): GloveTable | null {
    if (this.table === undefined) this.table = this.loadTable();
    return this.table;
  }

  private loadTable(): GloveTable | null {
    if (!this.useGlove) return null;
    const cached = tableCache.get(this.tablePath);
    if (cached) return cached;
    try {
      const table = readGloveTable(this.tablePath);
      tableCache.set(this.tablePath, table);
      return table;
    } catch (err) {
      this.warn(
        `LocalEmbeddings: GloVe table unavailable (${(err as Error).message}); using hash features only ` +
          `(embedder id ${LOCAL_HASH_EMBEDDER_ID}). Run scripts/pack-glove.ts to create ${this.tablePath}.`,
      );
      return null;
    }
  }

  private warn(message: string): void {
    if (this.warned) return;
    this.warned = true;
    this.onWarning?.(message);
  }
}
