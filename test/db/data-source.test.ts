import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sinon from 'sinon';
import { AppDataSource } from '../../src/db/data-source';
import { IN_MEMORY } from '../../src/db/embedded-postgres';
import { insertSeedRows } from '../../src/db/seed-rows';
import { isAppError } from '../../src/errors';
import { forEachBackend } from '../helpers/databases';

describe('AppDataSource', () => {
  it('persists the embedded database on disk and reopens it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-pglite-'));
    const dataDir = path.join(dir, 'pglite');
    const first = new AppDataSource({ pgliteDataDir: dataDir, poolSize: 2 });
    await first.initialize();
    assert.equal(first.backend, 'embedded');
    await first.runMigrations({ transaction: 'each' });
    await first.query(`INSERT INTO skills (name) VALUES ('Persisted skill')`);
    assert.ok(fs.existsSync(`${dataDir}.server.json`), 'the owner advertises its port for other processes');
    await first.destroy();
    assert.ok(!fs.existsSync(`${dataDir}.server.json`), 'and withdraws it on close');

    const second = new AppDataSource({ pgliteDataDir: dataDir, poolSize: 2 });
    await second.initialize();
    assert.equal(await second.isMigrated(), true);
    assert.equal((await second.query(`SELECT 1 FROM skills WHERE name = 'Persisted skill'`)).length, 1);
    await second.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the embedded database off the main thread: a long query leaves the event loop free', async function () {
    this.timeout(60_000);
    const ds = new AppDataSource({ pgliteDataDir: IN_MEMORY, poolSize: 2 });
    await ds.initialize();
    try {
      const delay = monitorEventLoopDelay({ resolution: 10 });
      const ticks: number[] = [];
      const timer = setInterval(() => ticks.push(performance.now()), 20);
      delay.enable();
      const started = performance.now();
      await ds.query(`SELECT count(*) FROM generate_series(1, 4000000) g WHERE g % 7 = 0`);
      const took = performance.now() - started;
      delay.disable();
      clearInterval(timer);
      const worst = delay.max / 1e6;
      assert.ok(took > 300, `the query took ${took.toFixed(0)} ms: too short to tell`);
      // On the main thread the loop would stall for the whole query; a worker leaves it ticking.
      assert.ok(worst < took / 3, `the event loop stalled ${worst.toFixed(0)} ms during a ${took.toFixed(0)} ms query`);
      assert.ok(ticks.length >= took / 20 / 3, `${ticks.length} timer ticks during ${took.toFixed(0)} ms`);
    } finally {
      await ds.destroy();
    }
  });

  it('says in one sentence what to do when PostgreSQL is unreachable', async () => {
    const ds = new AppDataSource({ databaseUrl: 'postgres://app:secret@127.0.0.1:1/none', pgliteDataDir: '', poolSize: 1 });
    await assert.rejects(ds.initialize(), (e: unknown) => {
      assert.ok(isAppError(e, 'DB_UNREACHABLE'));
      assert.match(e.message, /nothing is listening there\. Start PostgreSQL or fix DATABASE_URL/);
      assert.doesNotMatch(e.message, /secret/, 'the password is never printed');
      return true;
    });
  });
});

forEachBackend('AppDataSource checks', (backend) => {
  it('refuses a server without the vector extension, saying how to install it', async () => {
    const ds = await backend.freshDataSource();
    // Simulate a server whose catalogue has no pgvector: the check runs on the next initialize().
    await ds.destroy();
    const stub = sinon.stub(AppDataSource.prototype, 'query').callsFake(async function (this: AppDataSource, sql: string) {
      if (sql.includes('pg_available_extensions')) return [];
      throw new Error(`unexpected query ${sql}`);
    });
    try {
      await assert.rejects(ds.initialize(), (e: unknown) => isAppError(e, 'DB_NO_VECTOR_EXTENSION') && /install it/.test(e.message));
    } finally {
      stub.restore();
      await ds.destroy();
    }
  });

  it('seeds idempotently: a second run adds nothing', async () => {
    const ds = await backend.dataSource();
    const count = async () =>
      Number(
        (
          await ds.query(
            `SELECT (SELECT count(*) FROM skills) + (SELECT count(*) FROM courses) + (SELECT count(*) FROM learning_content) AS n`,
          )
        )[0].n,
      );
    const before = await count();
    assert.equal(await insertSeedRows((sql, p) => ds.query(sql, p)), 0, 'the seed migration already added them');
    assert.equal(await count(), before);
    const names = (await ds.query(`SELECT name FROM skills ORDER BY name`)).map((r: { name: string }) => r.name);
    for (const n of ['Communication', 'Data Analysis', 'Leadership', 'Machine Learning', 'Project Management', 'Python Programming'])
      assert.ok(names.includes(n));
  });
});
