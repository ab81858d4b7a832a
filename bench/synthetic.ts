/**
 * Synthetic learning-content chunks for the 100k retrieval benchmark: 1536-dim unit vectors in a
 * two-level cluster structure (topics > cluster centres > chunks) and short texts from a small
 * vocabulary whose words follow the clusters, so that vector and BM25 search agree roughly, as on
 * real content. Everything is a pure function of the seed and the row number, so parallel writers
 * and later runs produce identical data.
 */
import { CONTENT_TYPES } from '../src/db/entities/learning-content.entity';
import { gaussian, normalize, rng } from './lib';

export const DIMS = 1536;

export interface SyntheticOptions {
  seed: number;
  topics: number;
  clusters: number;
  /** noise radius range of a chunk around its centre (norm of the noise vector; centre has norm 1) */
  noiseMin: number;
  noiseMax: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = { seed: 20251125, topics: 50, clusters: 1000, noiseMin: 0.6, noiseMax: 1.0 };

export interface Chunk {
  title: string;
  content: string;
  contentType: string;
  cluster: number;
  vector: Float32Array;
}

export interface Query {
  cluster: number;
  text: string;
  vector: Float32Array;
}

/** CV-syllable pseudo-words; filtered later against PostgreSQL's English configuration. */
export function candidateWords(n: number, seed: number): string[] {
  const u = rng(seed);
  const C = 'bcdfghklmnprstvz';
  const V = 'aeiou';
  const out = new Set<string>();
  while (out.size < n) {
    const syl = 2 + Math.floor(u() * 2);
    let w = '';
    for (let s = 0; s < syl; s++) w += C[Math.floor(u() * C.length)] + V[Math.floor(u() * V.length)];
    if (u() < 0.3) w += C[Math.floor(u() * C.length)];
    out.add(w);
  }
  return [...out];
}

export class SyntheticCorpus {
  readonly centres: Float32Array[] = [];
  readonly clusterTopic: number[] = [];
  readonly clusterWords: string[][] = [];
  readonly topicWords: string[][] = [];
  private readonly zipfCdf: Float64Array;

  constructor(
    readonly vocab: string[],
    readonly opt: SyntheticOptions = DEFAULT_SYNTHETIC,
  ) {
    const u = rng(opt.seed);
    const g = gaussian(u);
    const unit = () => {
      const v = new Float32Array(DIMS);
      for (let i = 0; i < DIMS; i++) v[i] = g();
      normalize(v);
      return v;
    };
    // A shared direction (real embedding spaces are anisotropic: unrelated texts still have cos ~0.1-0.2).
    const common = unit();
    const topics = Array.from({ length: opt.topics }, unit);
    for (let c = 0; c < opt.clusters; c++) {
      const t = Math.floor(u() * opt.topics);
      const r = unit();
      const v = new Float32Array(DIMS);
      for (let i = 0; i < DIMS; i++) v[i] = 0.45 * common[i] + 0.7 * topics[t][i] + 1.0 * r[i];
      normalize(v);
      this.centres.push(v);
      this.clusterTopic.push(t);
    }
    // Background words follow Zipf over the whole vocabulary; topic and cluster words come from the rarer part.
    this.zipfCdf = new Float64Array(vocab.length);
    let acc = 0;
    for (let i = 0; i < vocab.length; i++) this.zipfCdf[i] = acc += 1 / (i + 1);
    for (let i = 0; i < vocab.length; i++) this.zipfCdf[i] /= acc;
    const rare = (k: number) => Array.from({ length: k }, () => vocab[50 + Math.floor(u() * (vocab.length - 50))]);
    for (let t = 0; t < opt.topics; t++) this.topicWords.push(rare(30));
    for (let c = 0; c < opt.clusters; c++) this.clusterWords.push(rare(12));
  }

  private zipfWord(u: () => number): string {
    const x = u();
    let lo = 0;
    let hi = this.zipfCdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.zipfCdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return this.vocab[lo];
  }

  private near(centre: Float32Array, radius: number, g: () => number): Float32Array {
    const n = new Float32Array(DIMS);
    for (let i = 0; i < DIMS; i++) n[i] = g();
    normalize(n);
    const v = new Float32Array(DIMS);
    for (let i = 0; i < DIMS; i++) v[i] = centre[i] + radius * n[i];
    normalize(v);
    return v;
  }

  private words(u: () => number, cluster: number, n: number, pCluster: number, pTopic: number): string[] {
    const cw = this.clusterWords[cluster];
    const tw = this.topicWords[this.clusterTopic[cluster]];
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const x = u();
      out.push(x < pCluster ? cw[Math.floor(u() * cw.length)] : x < pCluster + pTopic ? tw[Math.floor(u() * tw.length)] : this.zipfWord(u));
    }
    return out;
  }

  chunk(row: number): Chunk {
    const u = rng((this.opt.seed ^ Math.imul(row + 1, 0x9e3779b1)) >>> 0);
    const g = gaussian(u);
    const cluster = Math.floor(u() * this.opt.clusters);
    const radius = this.opt.noiseMin + u() * (this.opt.noiseMax - this.opt.noiseMin);
    const contentType = CONTENT_TYPES[Math.floor(u() * CONTENT_TYPES.length)];
    const title = cap(this.words(u, cluster, 3 + Math.floor(u() * 4), 0.6, 0.3).join(' '));
    const content = sentences(this.words(u, cluster, 40 + Math.floor(u() * 80), 0.25, 0.2), u);
    return { title, content, contentType, cluster, vector: this.near(this.centres[cluster], radius, g) };
  }

  query(i: number, seed = 7): Query {
    const u = rng((seed * 1000003 + Math.imul(i + 1, 0x85ebca6b)) >>> 0);
    const g = gaussian(u);
    const cluster = Math.floor(u() * this.opt.clusters);
    const radius = this.opt.noiseMin + u() * (this.opt.noiseMax - this.opt.noiseMin);
    const text = this.words(u, cluster, 3 + Math.floor(u() * 4), 0.55, 0.25).join(' ');
    return { cluster, text, vector: this.near(this.centres[cluster], radius, g) };
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function sentences(words: string[], u: () => number): string {
  const out: string[] = [];
  let i = 0;
  while (i < words.length) {
    const len = 6 + Math.floor(u() * 10);
    out.push(`${cap(words.slice(i, i + len).join(' '))}.`);
    i += len;
  }
  return out.join(' ');
}

/**
 * pgvector text literal with 6 decimals (components of a unit 1536-vector are ~0.025, so ~4 significant
 * digits; cosine changes by < 1e-5). Formats integers, which is several times faster than float-to-string.
 */
export function vectorText(v: Float32Array | number[]): string {
  const parts = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const n = Math.round(v[i] * 1e6);
    const a = n < 0 ? -n : n;
    parts[i] =
      (n < 0 ? '-' : '') +
      (a >= 1e6 ? `${String(Math.floor(a / 1e6))}.${String(a % 1e6).padStart(6, '0')}` : `0.${String(a).padStart(6, '0')}`);
  }
  return `[${parts.join(',')}]`;
}

export function toArray(v: Float32Array): number[] {
  return Array.from(v, (x) => Math.round(x * 1e6) / 1e6);
}
