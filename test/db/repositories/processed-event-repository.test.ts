import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AppDataSource } from '../../../src/db/data-source';
import { claimEvent, pruneEvents } from '../../../src/db/repositories/processed-event-repository';
import { inServiceScope } from '../../../src/db/user-scope';
import { forEachBackend } from '../../helpers/databases';

forEachBackend('processed-event repository', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  it('claims a delivery once per platform', async () => {
    const id = `Ev${randomUUID()}`;
    assert.equal(await inServiceScope(ds, (m) => claimEvent(m, 'slack', id)), true);
    assert.equal(await inServiceScope(ds, (m) => claimEvent(m, 'slack', id)), false);
    assert.equal(await inServiceScope(ds, (m) => claimEvent(m, 'teams', id)), true);
  });

  it('prunes only deliveries older than the given hours, and counts them', async () => {
    const old = `Ev${randomUUID()}`;
    const recent = `Ev${randomUUID()}`;
    await inServiceScope(ds, async (m) => {
      await claimEvent(m, 'slack', old);
      await claimEvent(m, 'slack', recent);
    });
    await ds.query(`UPDATE processed_events SET received_at = now() - interval '1000 hours' WHERE event_id = $1`, [old]);
    assert.ok((await inServiceScope(ds, (m) => pruneEvents(m, 999))) >= 1);
    const left = await ds.query(`SELECT event_id FROM processed_events WHERE event_id = ANY($1)`, [[old, recent]]);
    assert.deepEqual(left, [{ event_id: recent }]);
  });
});
