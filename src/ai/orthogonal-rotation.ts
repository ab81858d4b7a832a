/**
 * A fixed orthogonal rotation of the 1536-dimensional embedding space (two rounds of a randomised Hadamard
 * transform), and its inverse.
 *
 * Why: the vector index is an HNSW graph over each vector's sign bits (pgvector's binary_quantize), whose
 * candidates are re-ranked by exact cosine (migrations/1796800000000-BinaryQuantizedIndex.ts). Sign bits
 * only keep a vector's direction when each coordinate is a projection on a "random" direction: then the
 * Hamming distance of two bit strings estimates the angle between the vectors (random-hyperplane hashing,
 * Charikar 2002). Dense neural embeddings behave like that already. The offline embedder's vectors do not:
 * most of their hashed coordinates are 0, so their bits mostly count how long a text is. Rotated, every
 * coordinate mixes all of them. A rotation changes no cosine, inner product or length, so everything else
 * (similarity scores, thresholds, exact search) means what it meant.
 *
 * Each round: a fixed permutation, fixed random signs, a normalised Walsh-Hadamard transform inside each of
 * the three 512-wide blocks, then an orthogonal 3×3 mix across the blocks. O(n log n), microseconds.
 * Changing a seed or a step changes every stored offline vector: bump the offline embedder's id.
 */

import { mulberry32 } from './mulberry32';

export const ROTATED_DIMENSIONS = 1536;
const BLOCK = 512;
const BLOCKS = ROTATED_DIMENSIONS / BLOCK;
const ROUNDS = [0x5eed0001, 0x5eed0002].map(makeRound);

/** [[1, 2, 2], [2, 1, -2], [2, -2, 1]] / 3: orthogonal and symmetric, every entry non-zero. */
const MIX = [
  [1 / 3, 2 / 3, 2 / 3],
  [2 / 3, 1 / 3, -2 / 3],
  [2 / 3, -2 / 3, 1 / 3],
];

interface Round {
  /** out[i] = in[perm[i]] */
  perm: Uint16Array;
  sign: Float64Array;
}

/** R·v for a 1536-dimensional v. */
export function rotate(v: ArrayLike<number>): number[] {
  const x = check(v);
  for (const r of ROUNDS) {
    const y = new Float64Array(ROTATED_DIMENSIONS);
    for (let i = 0; i < ROTATED_DIMENSIONS; i++) y[i] = x[r.perm[i]] * r.sign[i];
    hadamardBlocks(y);
    mixBlocks(y, x);
  }
  return Array.from(x);
}

/** Rᵀ·v: undoes rotate() (up to rounding). */
export function unrotate(v: ArrayLike<number>): number[] {
  let x = check(v);
  for (let k = ROUNDS.length - 1; k >= 0; k--) {
    const r = ROUNDS[k];
    const y = new Float64Array(ROTATED_DIMENSIONS);
    mixBlocks(x, y); // MIX is symmetric: its own transpose
    hadamardBlocks(y); // and so is the normalised Hadamard matrix
    x = new Float64Array(ROTATED_DIMENSIONS);
    for (let i = 0; i < ROTATED_DIMENSIONS; i++) x[r.perm[i]] = y[i] * r.sign[i];
  }
  return Array.from(x);
}

function check(v: ArrayLike<number>): Float64Array {
  if (v.length !== ROTATED_DIMENSIONS) throw new RangeError(`expected ${ROTATED_DIMENSIONS} dimensions, got ${v.length}`);
  return Float64Array.from(v);
}

/** In place: the normalised fast Walsh-Hadamard transform of each 512-wide block. */
function hadamardBlocks(y: Float64Array): void {
  const scale = 1 / Math.sqrt(BLOCK);
  for (let base = 0; base < ROTATED_DIMENSIONS; base += BLOCK) {
    for (let h = 1; h < BLOCK; h *= 2) {
      for (let i = base; i < base + BLOCK; i += 2 * h) {
        for (let j = i; j < i + h; j++) {
          const a = y[j];
          const b = y[j + h];
          y[j] = a + b;
          y[j + h] = a - b;
        }
      }
    }
    for (let i = base; i < base + BLOCK; i++) y[i] *= scale;
  }
}

/** out = (MIX ⊗ I₅₁₂)·y: coordinate j of each block mixed with coordinate j of the others. */
function mixBlocks(y: Float64Array, out: Float64Array): void {
  for (let j = 0; j < BLOCK; j++) {
    for (let b = 0; b < BLOCKS; b++) {
      let s = 0;
      for (let c = 0; c < BLOCKS; c++) s += MIX[b][c] * y[c * BLOCK + j];
      out[b * BLOCK + j] = s;
    }
  }
}

function makeRound(seed: number): Round {
  const next = mulberry32(seed);
  const perm = new Uint16Array(ROTATED_DIMENSIONS);
  for (let i = 0; i < ROTATED_DIMENSIONS; i++) perm[i] = i;
  for (let i = ROTATED_DIMENSIONS - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const sign = new Float64Array(ROTATED_DIMENSIONS);
  for (let i = 0; i < ROTATED_DIMENSIONS; i++) sign[i] = next() < 0.5 ? -1 : 1;
  return { perm, sign };
}
