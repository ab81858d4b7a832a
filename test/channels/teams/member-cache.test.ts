import assert from 'node:assert/strict';
import { MemberProfileCache } from '../../../src/channels/teams/member-cache';

describe('MemberProfileCache', () => {
  it('keeps a profile (or its absence) for the ttl, a shorter one when asked', () => {
    let now = 0;
    const cache = new MemberProfileCache({ ttlMs: 1000, now: () => now });
    assert.equal(cache.get('t:u1'), undefined);
    cache.set('t:u1', { name: 'Ada' });
    cache.set('t:u2', undefined, 100);
    assert.deepEqual(cache.get('t:u1'), { profile: { name: 'Ada' } });
    assert.deepEqual(cache.get('t:u2'), { profile: undefined }, 'a failed lookup is remembered too');
    now = 101;
    assert.equal(cache.get('t:u2'), undefined);
    now = 999;
    assert.deepEqual(cache.get('t:u1'), { profile: { name: 'Ada' } });
    now = 1001;
    assert.equal(cache.get('t:u1'), undefined);
  });

  it('a ttl of 0 keeps nothing', () => {
    const cache = new MemberProfileCache({ ttlMs: 0 });
    cache.set('t:u1', { name: 'Ada' });
    assert.equal(cache.get('t:u1'), undefined);
    assert.equal(cache.size, 0);
  });

  it('keeps at most maxEntries people, dropping the least recently used', () => {
    const cache = new MemberProfileCache({ maxEntries: 2 });
    cache.set('a', { name: 'A' });
    cache.set('b', { name: 'B' });
    cache.get('a');
    cache.set('c', { name: 'C' });
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.deepEqual([cache.get('a')?.profile?.name, cache.get('c')?.profile?.name], ['A', 'C']);
  });
});
