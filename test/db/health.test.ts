import assert from 'node:assert/strict';
import type { AppDataSource } from '../../src/db/data-source';
import { hasSearchableContent, pingDatabase } from '../../src/db/health';
import { forEachBackend } from '../helpers/databases';
import { axisVector, makeContent } from '../helpers/fixtures';

forEachBackend('database health', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  it('pings the database', async () => {
    await pingDatabase(ds);
  });

  it('content is searchable once a row has an embedding', async () => {
    await makeContent(ds, { embedding: axisVector(3) });
    assert.equal(await hasSearchableContent(ds), true);
    // Without embeddings (rolled back, so suites sharing the database keep their content):
    const rollback = new Error('rollback');
    await assert.rejects(
      ds.transaction(async (m) => {
        await m.query(`UPDATE learning_content SET embedding = NULL WHERE embedding IS NOT NULL`);
        assert.equal(await hasSearchableContent(m), false);
        throw rollback;
      }),
      (e) => e === rollback,
    );
    assert.equal(await hasSearchableContent(ds), true);
  });
});
