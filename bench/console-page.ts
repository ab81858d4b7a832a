/**
 * The web console's front page (GET /, issue 14: "loads in < 300 ms locally"): how long the server takes
 * to answer it, and how long Chromium takes to load it, on the embedded database and on PostgreSQL.
 *
 *   [NODE_ENV=production] npx ts-node --transpile-only bench/console-page.ts [--runs=100] [--browser-runs=30]
 *       [--database=embedded,postgres] [--extra-chunks=0] [--write]
 *
 * The app is built as `npm start` builds it (buildApp: migrations, the sample corpus, the offline embedder
 * and answerer; embedded PGlite in memory, or a scratch PostgreSQL database la_bench_<pid> on
 * BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), with the web console mounted
 * on the project's express server. The viewer is fixed (the tests' stub access: what sign-in decides is
 * not measured here, only the page).
 *
 *   server   request reaching express → response finished (our code: status queries, template)
 *   client   fetch sent → whole body received (HTTP on loopback, keep-alive)
 *   DOMContentLoaded / load   Chromium's navigation timing, a new browser context per run (cold cache:
 *            the page, Pico, console.css and the scripts are all fetched)
 *   NODE_ENV=production  the templates are compiled once and cached (src/channels/web/render.ts), as deployed
 *   --extra-chunks=N  adds N learning_content rows (no vectors) first: the content count scans the table
 *   --write  puts the results in bench/README.md under "## Console page" (between generated markers)
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import 'reflect-metadata';
import { buildApp } from '../src/app';
import { createWebConsole } from '../src/channels/web';
import { loadConfig } from '../src/config';
import { IN_MEMORY } from '../src/db/embedded-postgres';
import { createLogger } from '../src/observability/logger';
import { createServer, listen } from '../src/server';
import { stubAccess } from '../test/channels/web/stub-access';
import { launchBrowser } from '../test/helpers/browser';
import { arg, createScratchDatabase, DEFAULT_BENCH_URL, f, flag, latencyStats, now, replaceGenerated, table } from './lib';

interface Result {
  database: string;
  chunks: number;
  server: number[];
  client: number[];
  html: number[];
  dcl: number[];
  load: number[];
  warmDcl: number[];
  warmLoad: number[];
}

async function measure(database: 'embedded' | 'postgres', runs: number, browserRuns: number, extraChunks: number): Promise<Result> {
  const scratch =
    database === 'postgres' ? await createScratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL, 'console') : null;
  const config = loadConfig({
    NODE_ENV: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    LOG_LEVEL: 'silent',
    ...(scratch ? { DATABASE_URL: scratch.url } : { PGLITE_DATA_DIR: IN_MEMORY }),
  });
  const logger = createLogger('silent');
  const app = await buildApp(config, logger);
  try {
    if (extraChunks > 0) {
      await app.ds.query(
        `INSERT INTO learning_content (title, content, content_type, source_path, content_hash)
         SELECT 'Bench chunk ' || i, 'Synthetic text for the console bench, chunk ' || i || '.', 'reference',
                'bench/doc-' || (i / 10) || '.md', md5(i::text)
           FROM generate_series(1, ${Number(extraChunks)}) AS i`,
      );
    }
    const [{ n: chunks }] = await app.ds.query(`SELECT count(*)::int AS n FROM learning_content`);
    const userId = await app.identities.resolve({
      channel: 'web',
      tenantId: 'local',
      platformUserId: 'local-developer',
      profile: { name: 'Local developer' },
    });
    const deps = { ...app, embedderId: app.provider.id, platforms: { slack: false, teams: false } };
    const web = createWebConsole(deps, stubAccess({ userId, name: 'Local developer', email: null, role: 'admin', via: 'loopback' })(deps));
    if (!web) throw new Error('the console did not mount');
    const server: number[] = [];
    const http = createServer({
      ds: app.ds,
      logger,
      mount: [
        (a) =>
          a.use((req, res, next) => {
            const t0 = now();
            if (req.path === '/') res.once('finish', () => server.push(now() - t0));
            next();
          }),
        (a) => web.mount(a),
      ],
    });
    const listening = await new Promise<ReturnType<typeof listen>>((resolve) => {
      const s = listen(http, 0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/`;
    try {
      const client: number[] = [];
      for (let i = 0; i < runs + 5; i++) {
        const t0 = now();
        const res = await fetch(url);
        const body = await res.text();
        if (res.status !== 200 || !body.includes('Setup checklist')) throw new Error(`GET / answered ${res.status}`);
        if (i >= 5) client.push(now() - t0); // the first few warm up the template cache and the pool
      }
      server.splice(0, 5);

      const html: number[] = [];
      const dcl: number[] = [];
      const load: number[] = [];
      const warmDcl: number[] = [];
      const warmLoad: number[] = [];
      const timing = `(() => { const n = performance.getEntriesByType('navigation')[0]; return { html: n.responseEnd - n.startTime, dcl: n.domContentLoadedEventEnd - n.startTime, load: n.loadEventEnd - n.startTime }; })()`;
      const browser = await launchBrowser();
      try {
        for (let i = 0; i < browserRuns + 2; i++) {
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.goto(url, { waitUntil: 'load' });
          const t = await page.evaluate<{ html: number; dcl: number; load: number }>(timing);
          // A second visit in the same context: the stylesheets and scripts come from the browser's cache (max-age 1 h).
          await page.goto(url, { waitUntil: 'load' });
          const warm = await page.evaluate<{ html: number; dcl: number; load: number }>(timing);
          await context.close();
          if (i >= 2) {
            html.push(t.html);
            dcl.push(t.dcl);
            load.push(t.load);
            warmDcl.push(warm.dcl);
            warmLoad.push(warm.load);
          }
        }
      } finally {
        await browser.close();
      }
      server.splice(runs); // the browser's own GETs of / are not part of the server series
      return { database, chunks, server: server.slice(0, runs), client, html, dcl, load, warmDcl, warmLoad };
    } finally {
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    }
  } finally {
    await app.close();
    await scratch?.drop();
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, shared with other engineers' jobs (latencies are noisy); Node ${process.version}; Debian's Chromium, headless`;
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '100'));
  const browserRuns = Number(arg('browser-runs', '30'));
  const extraChunks = Number(arg('extra-chunks', '0'));
  const databases = arg('database', 'embedded,postgres').split(',') as Array<'embedded' | 'postgres'>;
  const results: Result[] = [];
  const loadBefore = os.loadavg()[0];
  for (const db of databases) {
    console.error(`measuring ${db}...`);
    results.push(await measure(db, runs, browserRuns, extraChunks));
  }
  const rows = results.flatMap((r) =>
    (
      [
        ['GET / server (express → finish)', r.server],
        ['GET / client (fetch → body)', r.client],
        ['Chromium page received (responseEnd)', r.html],
        ['Chromium DOMContentLoaded (cold cache)', r.dcl],
        ['Chromium load (cold cache)', r.load],
        ['Chromium DOMContentLoaded (second visit, assets cached)', r.warmDcl],
        ['Chromium load (second visit, assets cached)', r.warmLoad],
      ] as const
    ).map(([what, ms]) => {
      const s = latencyStats([...ms]);
      return [r.database, r.chunks, what, s.n, f(s.p50, 1), f(s.p95, 1), f(s.max, 1), s.p95 < 300 ? 'yes' : 'no'];
    }),
  );
  const out = [
    `Machine: ${machine()}; 1-minute load average ${f(loadBefore, 1)} at the start, ${f(os.loadavg()[0], 1)} at the end. ${new Date().toISOString().slice(0, 16)} UTC. NODE_ENV=${process.env.NODE_ENV ?? '(unset)'} (production caches the compiled templates).`,
    '',
    '```sh',
    `${process.env.NODE_ENV ? `NODE_ENV=${process.env.NODE_ENV} ` : ''}npx ts-node --transpile-only bench/console-page.ts --runs=${runs} --browser-runs=${browserRuns} --database=${databases.join(',')}${extraChunks ? ` --extra-chunks=${extraChunks}` : ''}`,
    '```',
    '',
    table(['database', 'chunks', 'measure', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'p95 < 300 ms'], rows),
  ].join('\n');
  console.log(out);
  if (flag('write')) {
    const file = path.join(__dirname, 'README.md');
    const key = extraChunks ? `console-page-${extraChunks}` : 'console-page';
    fs.writeFileSync(file, replaceGenerated(fs.readFileSync(file, 'utf8'), 'Console page (issue 14)', key, out));
    console.error(`wrote ${file}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
