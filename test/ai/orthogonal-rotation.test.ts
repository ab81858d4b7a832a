import assert from 'node:assert/strict';
import { ROTATED_DIMENSIONS, rotate, unrotate } from '../../src/ai/orthogonal-rotation';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const sparse = (every: number, f: (i: number) => number) =>
  Array.from({ length: ROTATED_DIMENSIONS }, (_, i) => (i % every === 0 ? f(i) : 0));

describe('orthogonal rotation', () => {
  const v = sparse(7, Math.sin);
  const w = sparse(5, Math.cos);

  it('keeps inner products and lengths, and unrotate undoes it', () => {
    const [rv, rw] = [rotate(v), rotate(w)];
    assert.ok(Math.abs(dot(rv, rw) - dot(v, w)) < 1e-12);
    assert.ok(Math.abs(dot(rv, rv) - dot(v, v)) < 1e-9);
    const maxError = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
    assert.ok(maxError(unrotate(rv), v) < 1e-12);
    assert.ok(maxError(rotate(unrotate(w)), w) < 1e-12);
  });

  it('spreads a sparse vector over every coordinate, about half of them positive', () => {
    const r = rotate(sparse(97, () => 1)); // 16 non-zero coordinates
    assert.equal(r.filter((x) => x === 0).length, 0);
    const positive = r.filter((x) => x > 0).length;
    assert.ok(positive > 600 && positive < 936, `${positive} positive coordinates`);
  });

  it('is the same rotation in every release (stored offline vectors depend on it)', () => {
    const e0 = rotate(sparse(ROTATED_DIMENSIONS, () => 1));
    assert.deepEqual(
      e0.slice(0, 4).map((x) => Math.round(x * 1e6)),
      GOLDEN,
    );
  });

  it('refuses a vector of another width', () => {
    assert.throws(() => rotate([1, 2, 3]), /expected 1536 dimensions, got 3/);
  });
});

const GOLDEN = [-8898, -15408, 50130, 6293];
