/**
 * Ingestion at 100k chunks with every index live, side by side (issue 11): committed rounds of --round
 * fresh rows per arm, the arms interleaved over --rounds rounds in the same database, so the table
 * grows alike for all and the machine's load hits all alike. Rates are rows per second of wall time.
 *
 *   npx ts-node --transpile-only bench/ingest-steady.ts --url=postgres://postgres@127.0.0.1:5432/la_bench_<pid>_phases [--round=400] [--rounds=4]
 *
 * The database: one kept by `bench/ingest-phases.ts --rows=100000 --keep` (synthetic chunks, HNSW
 * m=16, ef_construction=64, BM25 statement triggers). Arms:
 *   SQL: the bench's multi-row INSERT with precomputed vectors (bench/ingest-phases.ts), N writers on
 *        their own connections, B rows per statement, one statement per transaction;
 *   IngestService: Markdown files of 20 synthetic sections each (~20 chunks a file), the real
 *        ingestion (load, chunk, embed, store), with concurrency 1 (the code before: one file at a
 *        time) and 2 (this tree's default). Its embedder runs the offline embedder (for its cost) and
 *        returns the synthetic vector of a hash of the text, so the HNSW index sees the same
 *        distribution as the 100k rows already in it. Its id is 'bench', like the loaded rows.
 * --label: what --url holds (default "this tree"). --also=label@url,label@url: the same arms against
 * other databases holding the same data, interleaved with the others, e.g. a copy with the index of
 * the code before (CREATE DATABASE … TEMPLATE, then swap the index), or the same data on a second
 * server with the memory and WAL settings of bench/tuned-server.sh: what each is worth, in one run.
 * Per arm it also reports the WAL written per row (pg_current_wal_lsn), and for the SQL arms the
 * full-page images per row (pg_stat_wal) and the HNSW index blocks read from outside shared_buffers.
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { LocalEmbeddings } from '../src/ai/local-embeddings';
import { AppDataSource } from '../src/db/data-source';
import { assertEmbedderMatches } from '../src/db/embedder-guard';
import { IngestService } from '../src/ingest/ingest-service';
import { benchCorpus, insertStatement } from './ingest-phases';
import { arg, f, now, replaceGenerated, table } from './lib';
import { type SyntheticCorpus, toArray } from './synthetic';

const ROUND = Number(arg('round', '400'));
const ROUNDS = Number(arg('rounds', '4'));
const URL = arg('url', '');
const LABEL = arg('label', 'this tree');
const ALSO = arg('also', '')
  .split(',')
  .filter(Boolean)
  .map((x) => ({ label: x.slice(0, x.indexOf('@')), url: x.slice(x.indexOf('@') + 1) }));
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

type Arm = { name: string; server: Server; run: (first: number) => Promise<number> };

/** One server's connections: three writers (the first also reads the statistics) and the app's data source. */
interface Server {
  label: string;
  clients: Client[];
  ds: AppDataSource;
}

/** Cumulative counters of one server, read before and after an arm's round. */
interface Counters {
  /** the WAL position in bytes (pg_current_wal_lsn as a number): differences are WAL written */
  wal: number;
  fpi: number;
  hnswRead: number;
  hnswHit: number;
}

async function openServer(label: string, url: string): Promise<Server> {
  const clients = await Promise.all(
    [0, 1, 2].map(async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const ds = new AppDataSource({ databaseUrl: url, pgliteDataDir: '', poolSize: 4 });
  await ds.initialize();
  return { label, clients, ds };
}

async function counters(s: Server): Promise<Counters> {
  // Statistics reach shared memory when a backend's transaction ends (at most once a second): the
  // writers force theirs out before the round's end is read (see the SQL arm).
  const { rows } = await s.clients[0].query(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal, (SELECT wal_fpi FROM pg_stat_wal)::float8 AS fpi,
            idx_blks_read::float8 AS hnsw_read, idx_blks_hit::float8 AS hnsw_hit
       FROM pg_statio_user_indexes WHERE indexrelname = 'idx_learning_content_embedding'`,
  );
  return { wal: rows[0].wal, fpi: rows[0].fpi, hnswRead: rows[0].hnsw_read, hnswHit: rows[0].hnsw_hit };
}

async function main(): Promise<void> {
  if (!URL) throw new Error('--url=postgres://…/la_bench_<pid>_phases (a database kept by bench/ingest-phases.ts --keep)');
  const servers = [await openServer(LABEL, URL)];
  for (const a of ALSO) servers.push(await openServer(a.label, a.url));
  const [{ clients, ds }] = servers;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-steady-'));
  try {
    const corpus = await benchCorpus(async (s, p) => (await clients[0].query(s, p)).rows);
    const [{ n: startRows }] = (await clients[0].query(`SELECT count(*)::int AS n FROM learning_content`)).rows;
    const sql =
      (server: Server, writers: number, perStatement: number): Arm['run'] =>
      async (first) => {
        const { clients } = server;
        let next = 0;
        const t = now();
        await Promise.all(
          clients.slice(0, writers).map(async (c) => {
            for (let b = next++; b * perStatement < ROUND; b = next++) {
              const { sql, params } = insertStatement(corpus, first + b * perStatement, first + Math.min(ROUND, (b + 1) * perStatement));
              await c.query(sql, params);
            }
            await c.query('SELECT pg_stat_force_next_flush()');
          }),
        );
        return ROUND / ((now() - t) / 1000);
      };
    const local = new LocalEmbeddings();
    const provider = { id: 'bench', embeddings: new BenchEmbeddings(local, corpus) } as never;
    const service =
      ({ ds }: Server, concurrency: number): Arm['run'] =>
      async (first) => {
        const dir = path.join(tmp, `r${first}`);
        fs.mkdirSync(dir);
        for (let file = 0; file * 20 < ROUND; file++) {
          const sections = Array.from({ length: Math.min(20, ROUND - file * 20) }, (_, i) => {
            const c = corpus.chunk(first + file * 20 + i);
            return `## ${c.title}\n\n${c.content}\n`;
          });
          fs.writeFileSync(path.join(dir, `doc-${file}.md`), `# Document ${first + file * 20}\n\n${sections.join('\n')}`);
        }
        const ingest = new IngestService({ ds, provider, concurrency, baseDir: tmp });
        // From the first file's start to the last file's end: the steady rate, without the run's fixed
        // start (the embedder guard's scan of the table, timed on its own below).
        let started = 0;
        let ended = 0;
        const summary = await ingest.ingestPaths([dir], {
          onFileStart: () => {
            started ||= now();
          },
          onFileDone: () => {
            ended = now();
          },
        });
        const seconds = (ended - started) / 1000;
        if (summary.failed.length) throw new Error(`ingest failed: ${JSON.stringify(summary.failed.slice(0, 2))}`);
        return summary.chunksAdded / seconds;
      };
    const arms: Arm[] = servers.flatMap((server) => {
      const on = `, ${server.label}`;
      return [
        { name: `SQL, 1 writer, 200 rows/statement${on}`, server, run: sql(server, 1, 200) },
        { name: `SQL, 2 writers, 200 rows/statement${on}`, server, run: sql(server, 2, 200) },
        { name: `IngestService, concurrency 2${on}`, server, run: service(server, 2) },
      ];
    });
    const tg = now();
    await assertEmbedderMatches(ds, 'bench');
    const guardSeconds = (now() - tg) / 1000;
    log(`embedder guard at ${startRows} rows: ${f(guardSeconds * 1000, 1)} ms`);
    const rates = new Map<string, number[]>(arms.map((a) => [a.name, []]));
    const cost = new Map<string, { rows: number; wal: number; fpi: number; read: number; hit: number }>(
      arms.map((a) => [a.name, { rows: 0, wal: 0, fpi: 0, read: 0, hit: 0 }]),
    );
    let row = 20_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
    const t0 = now();
    for (let r = 0; r < ROUNDS; r++)
      for (const arm of r % 2 ? [...arms].reverse() : arms) {
        const before = await counters(arm.server);
        const rate = await arm.run(row);
        const after = await counters(arm.server);
        row += ROUND;
        rates.get(arm.name)!.push(rate);
        const c = cost.get(arm.name)!;
        c.rows += ROUND;
        c.wal += after.wal - before.wal;
        c.fpi += after.fpi - before.fpi;
        c.read += after.hnswRead - before.hnswRead;
        c.hit += after.hnswHit - before.hnswHit;
        log(`round ${r + 1} ${arm.name}: ${f(rate, 0)} rows/s (load ${os.loadavg()[0].toFixed(1)})`);
      }
    const [{ n: endRows }] = (await clients[0].query(`SELECT count(*)::int AS n FROM learning_content`)).rows;
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
    };
    const base = med(rates.get(arms[0].name)!);
    const settings = async (server: Server) =>
      (
        await server.clients[0].query(
          `SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) AS s FROM pg_settings
            WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression')`,
        )
      ).rows[0].s as string;
    const hnsw = async (server: Server) =>
      (
        await server.clients[0].query(
          `SELECT substring(pg_get_indexdef(oid) from 'USING hnsw (.*)$') || ', ' || pg_relation_size(oid) / 1048576 || ' MB' AS d
             FROM pg_class WHERE relname = 'idx_learning_content_embedding'`,
        )
      ).rows[0].d as string;
    const described = await Promise.all(
      servers.map(async (server) => `${server.label}: ${await settings(server)}; HNSW ${await hnsw(server)}`),
    );
    const body = [
      `Machine: 2 cores, 24 GB; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' / ')} at the end. PostgreSQL 15, pgvector 0.8.0. Server settings and vector index: ${described.join('; ')}.`,
      '',
      '```sh',
      'npx ts-node --transpile-only bench/ingest-phases.ts --rows=100000 --rounds=1 --keep   # the 100k database',
      `npx ts-node --transpile-only bench/ingest-steady.ts --url=postgres://…/la_bench_<pid>_phases --label='${LABEL}'${ALSO.length ? ` --also='${ALSO.map((a) => `${a.label}@postgres://…`).join(',')}'` : ''} --round=${ROUND} --rounds=${ROUNDS}`,
      '```',
      '',
      `${ROUNDS} rounds of ${ROUND} committed rows per arm, arms interleaved (every other round in reverse order), each server's table from ~${startRows.toLocaleString('en')} to ${endRows.toLocaleString('en')} rows with every index live; ${f((now() - t0) / 60000, 1)} min.`,
      '',
      table(
        ['arm', 'rows/s per round', 'median rows/s', 'vs SQL 1 writer', 'WAL kB/row', 'full-page images/row', 'HNSW blocks read/row (hit)'],
        arms.map((a) => {
          const xs = rates.get(a.name)!;
          const c = cost.get(a.name)!;
          const sqlArm = a.name.startsWith('SQL');
          return [
            a.name,
            xs.map((x) => f(x, 0)).join(', '),
            f(med(xs), 0),
            `${f(med(xs) / base, 2)}×`,
            f(c.wal / c.rows / 1024, 1),
            sqlArm ? f(c.fpi / c.rows, 1) : '-',
            sqlArm ? `${f(c.read / c.rows, 0)} (${f(c.hit / c.rows, 0)})` : '-',
          ];
        }),
      ),
      '',
      `IngestService rates run from the first file's start to the last file's end (20-chunk Markdown files: load, chunk, embed offline, store). The embedder guard that starts every ingest took ${f(guardSeconds * 1000, 1)} ms at ${startRows.toLocaleString('en')} rows.`,
    ].join('\n');
    console.log(body);
    const readme = path.join(__dirname, 'README.md');
    fs.writeFileSync(
      readme,
      replaceGenerated(fs.readFileSync(readme, 'utf8'), 'Ingestion at 100k chunks, side by side (issue 11)', 'ingest-steady', body),
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const server of servers) {
      await server.ds.destroy();
      for (const c of server.clients) await c.end();
    }
  }
}

/** The offline embedder's work (its cost), answered with a synthetic vector chosen by a hash of the text. */
class BenchEmbeddings {
  constructor(
    private readonly local: LocalEmbeddings,
    private readonly corpus: SyntheticCorpus,
  ) {}
  async embedDocuments(texts: string[]): Promise<number[][]> {
    await this.local.embedDocuments(texts);
    return texts.map((t) => toArray(this.corpus.chunk(createHash('sha1').update(t).digest().readUInt32BE(0) % 50_000_000).vector));
  }
  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0];
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
