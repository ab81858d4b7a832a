import { Client } from 'pg';
import { AppDataSource } from '../../src/db/data-source';
import { IN_MEMORY } from '../../src/db/embedded-postgres';

/**
 * The real databases tests run on: always the embedded PGlite (in memory, one per test process), and
 * real PostgreSQL when DATABASE_URL is set. On PostgreSQL each test process works in a scratch
 * database it creates and drops, so a developer's data behind DATABASE_URL is never touched.
 */
export interface Backend {
  name: 'embedded' | 'postgres';
  /** A migrated DataSource shared by the suites of this process. */
  dataSource(): Promise<AppDataSource>;
  /** A fresh, unmigrated DataSource on the same server (for migration tests); caller destroys it. */
  freshDataSource(): Promise<AppDataSource>;
}

const shared = new Map<string, Promise<AppDataSource>>();
const cleanups: Array<() => Promise<void>> = [];

function embedded(): Backend {
  return {
    name: 'embedded',
    dataSource: () =>
      memo('embedded', async () => {
        const ds = new AppDataSource({ pgliteDataDir: IN_MEMORY, poolSize: 10 });
        await ds.initialize();
        await ds.runMigrations({ transaction: 'each' });
        cleanups.push(() => ds.destroy());
        return ds;
      }),
    freshDataSource: async () => {
      const ds = new AppDataSource({ pgliteDataDir: IN_MEMORY, poolSize: 4 });
      await ds.initialize();
      return ds;
    },
  };
}

function postgres(baseUrl: string): Backend {
  return {
    name: 'postgres',
    dataSource: () =>
      memo('postgres', async () => {
        const ds = new AppDataSource({ databaseUrl: await scratchDatabase(baseUrl), pgliteDataDir: '', poolSize: 10 });
        await ds.initialize();
        await ds.runMigrations({ transaction: 'each' });
        cleanups.push(() => ds.destroy());
        return ds;
      }),
    freshDataSource: async () => {
      const ds = new AppDataSource({ databaseUrl: await scratchDatabase(baseUrl), pgliteDataDir: '', poolSize: 4 });
      await ds.initialize();
      return ds;
    },
  };
}

/** Embedded always, PostgreSQL when DATABASE_URL is set; TEST_BACKENDS=embedded|postgres narrows it (CI runs each once). */
export function backends(): Backend[] {
  const list: Backend[] = [embedded()];
  if (process.env.DATABASE_URL) list.push(postgres(process.env.DATABASE_URL));
  const only = process.env.TEST_BACKENDS?.split(',').map((s) => s.trim());
  return only ? list.filter((b) => only.includes(b.name)) : list;
}

/** Defines `describe(title [backend])` once per available back end. */
export function forEachBackend(title: string, body: (backend: Backend) => void): void {
  for (const b of backends()) describe(`${title} [${b.name}]`, () => body(b));
}

/**
 * Defines `describe(title [backend])` on the first available back end only (embedded, or PostgreSQL under
 * TEST_BACKENDS=postgres): for suites whose subject is not the database, e.g. a browser driving the pages.
 */
export function forOneBackend(title: string, body: (backend: Backend) => void): void {
  const [b] = backends();
  if (b) describe(`${title} [${b.name}]`, () => body(b));
}

function memo(key: string, make: () => Promise<AppDataSource>): Promise<AppDataSource> {
  let p = shared.get(key);
  if (!p) {
    p = make();
    shared.set(key, p);
  }
  return p;
}

let scratchCount = 0;
async function scratchDatabase(baseUrl: string): Promise<string> {
  const name = `la_test_${process.pid}_${Date.now().toString(36)}_${scratchCount++}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const c = new Client({ connectionString: baseUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Called once after all tests (see setup.ts). */
export async function closeAllDatabases(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  shared.clear();
}
