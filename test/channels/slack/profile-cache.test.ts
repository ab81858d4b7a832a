import assert from 'node:assert/strict';
import type { webApi } from '@slack/bolt';
import sinon from 'sinon';
import { SlackProfileCache } from '../../../src/channels/slack/profile-cache';
import { silentLogger } from '../../../src/observability/logger';

// The basics (ttl, shared lookups, failures, maxEntries) are in incoming.test.ts.
describe('SlackProfileCache (bounds)', () => {
  const client = (users: sinon.SinonStub) => ({ users: { info: users } }) as unknown as webApi.WebClient;

  it('evicts the least recently used person first', async () => {
    const info = sinon.stub().resolves({ ok: true, user: { name: 'x' } });
    const cache = new SlackProfileCache(silentLogger, { maxEntries: 2 });
    await cache.get(client(info), 'T', 'U1');
    await cache.get(client(info), 'T', 'U2');
    await cache.get(client(info), 'T', 'U1');
    await cache.get(client(info), 'T', 'U3');
    assert.equal(info.callCount, 3);
    await cache.get(client(info), 'T', 'U1');
    assert.equal(info.callCount, 3, 'U1 was used recently and stayed');
    await cache.get(client(info), 'T', 'U2');
    assert.equal(info.callCount, 4, 'U2 was evicted');
  });

  it('a ttl of 0 remembers nothing', async () => {
    const info = sinon.stub().resolves({ ok: true, user: { name: 'x' } });
    const cache = new SlackProfileCache(silentLogger, { ttlMs: 0 });
    await cache.get(client(info), 'T', 'U1');
    await cache.get(client(info), 'T', 'U1');
    assert.equal(info.callCount, 2);
  });
});
