import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AppDataSource } from '../../../src/db/data-source';
import { findUserIdByIdentity, linkIdentity, updateUserProfile, upsertUserByEmail } from '../../../src/db/repositories/user-repository';
import { inServiceScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';

forEachBackend('user repository', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });
  const user = (id: string) => ds.query(`SELECT name, email, department FROM users WHERE id = $1`, [id]).then((r) => r[0]);

  it('links an identity to a user once; the first link wins', async () => {
    const key = { platform: 'teams', tenantId: `t-${randomUUID()}`, platformUserId: '29:abc' };
    assert.equal(await inServiceScope(ds, (m) => findUserIdByIdentity(m, key)), undefined);
    const [a, b] = [await makeUser(ds), await makeUser(ds)];
    await inServiceScope(ds, async (m) => {
      await linkIdentity(m, a, key);
      await linkIdentity(m, b, key);
    });
    assert.equal(await inServiceScope(ds, (m) => findUserIdByIdentity(m, key)), a);
  });

  it('finds a user by email or creates one; an existing user only gains a missing department', async () => {
    const email = `${randomUUID()}@example.test`;
    const id = await inServiceScope(ds, (m) => upsertUserByEmail(m, { email, name: 'Grace', department: null }));
    assert.equal(await inServiceScope(ds, (m) => upsertUserByEmail(m, { email, name: 'Someone else', department: 'Research' })), id);
    assert.deepEqual(await user(id), { name: 'Grace', email, department: 'Research' });
  });

  it("fills in a changed profile, never taking another user's email", async () => {
    const id = await makeUser(ds, { name: 'Old' });
    const taken = `${randomUUID()}@example.test`;
    await inServiceScope(ds, (m) => upsertUserByEmail(m, { email: taken, name: 'Taken', department: null }));
    await inServiceScope(ds, (m) => updateUserProfile(m, id, { name: 'New', email: taken, department: 'Ops' }));
    assert.deepEqual(await user(id), { name: 'New', email: `${id}@example.test`, department: 'Ops' });
    const free = `${randomUUID()}@example.test`;
    await inServiceScope(ds, (m) => updateUserProfile(m, id, { name: '', email: free, department: 'Sales' }));
    assert.deepEqual(await user(id), { name: 'New', email: free, department: 'Ops' }, 'an empty name and a known department stay');
  });
});
