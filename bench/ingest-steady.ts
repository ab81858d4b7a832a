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
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

type Arm = { name: string; run: (first: number) => Promise<number> };

async function main(): Promise<void> {
  if (!URL) throw new Error('--url=postgres://…/la_bench_<pid>_phases (a database kept by bench/ingest-phases.ts --keep)');
  const clients = await Promise.all(
    [0, 1, 2].map(async () => {
      const c = new Client({ connectionString: URL });
      await c.connect();
      return c;
    }),
  );
  const ds = new AppDataSource({ databaseUrl: URL, pgliteDataDir: '', poolSize: 4 });
  await ds.initialize();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-steady-'));
  try {
    const corpus = await benchCorpus(async (s, p) => (await clients[0].query(s, p)).rows);
    const [{ n: startRows }] = (await clients[0].query(`SELECT count(*)::int AS n FROM learning_content`)).rows;
    const sql =
      (writers: number, perStatement: number, setup: string[] = [], teardown: string[] = []): Arm['run'] =>
      async (first) => {
        for (const s of setup) await clients[0].query(s);
        let next = 0;
        const t = now();
        await Promise.all(
          clients.slice(0, writers).map(async (c) => {
            for (let b = next++; b * perStatement < ROUND; b = next++) {
              const { sql, params } = insertStatement(corpus, first + b * perStatement, first + Math.min(ROUND, (b + 1) * perStatement));
              await c.query(sql, params);
            }
          }),
        );
        const seconds = (now() - t) / 1000;
        for (const s of teardown) await clients[0].query(s);
        return ROUND / seconds;
      };
    const local = new LocalEmbeddings();
    const provider = { id: 'bench', embeddings: new BenchEmbeddings(local, corpus) } as never;
    const service =
      (concurrency: number): Arm['run'] =>
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
    const arms: Arm[] = [
      { name: 'SQL, 1 writer, 200 rows/statement', run: sql(1, 200) },
      { name: 'SQL, 2 writers, 200 rows/statement', run: sql(2, 200) },
      { name: 'SQL, 2 writers, 400 rows/statement', run: sql(2, 400) },
      {
        name: 'SQL, 2 writers, 200 rows/statement, ef_construction 32 for new rows',
        run: sql(
          2,
          200,
          ['ALTER INDEX idx_learning_content_embedding SET (ef_construction = 32)'],
          ['ALTER INDEX idx_learning_content_embedding RESET (ef_construction)'],
        ),
      },
      { name: 'IngestService, concurrency 1 (before)', run: service(1) },
      { name: 'IngestService, concurrency 2 (this tree)', run: service(2) },
    ];
    const tg = now();
    await assertEmbedderMatches(ds, 'bench');
    const guardSeconds = (now() - tg) / 1000;
    log(`embedder guard at ${startRows} rows: ${f(guardSeconds, 1)} s`);
    const rates = new Map<string, number[]>(arms.map((a) => [a.name, []]));
    let row = 20_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
    const t0 = now();
    for (let r = 0; r < ROUNDS; r++)
      for (const arm of r % 2 ? [...arms].reverse() : arms) {
        const rate = await arm.run(row);
        row += ROUND;
        rates.get(arm.name)!.push(rate);
        log(`round ${r + 1} ${arm.name}: ${f(rate, 0)} rows/s (load ${os.loadavg()[0].toFixed(1)})`);
      }
    const [{ n: endRows }] = (await clients[0].query(`SELECT count(*)::int AS n FROM learning_content`)).rows;
    const med = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
    };
    const base = med(rates.get(arms[0].name)!);
    const body = [
      `Machine: 2 cores, shared with six other helpers' builds, tests and benchmarks (load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(
          ' / ',
        )} at the end): absolute rates are far below an idle machine's; compare within the table. PostgreSQL 15.20, pgvector 0.8.0, server settings untouched (shared_buffers 128 MB).`,
      '',
      '```sh',
      'npx ts-node --transpile-only bench/ingest-phases.ts --rows=100000 --rounds=1 --keep   # the 100k database',
      `npx ts-node --transpile-only bench/ingest-steady.ts --url=postgres://…/la_bench_<pid>_phases --round=${ROUND} --rounds=${ROUNDS}`,
      '```',
      '',
      `${ROUNDS} rounds of ${ROUND} committed rows per arm, arms interleaved (every other round in reverse order), table from ${startRows.toLocaleString('en')} to ${endRows.toLocaleString('en')} rows with every index live; ${f((now() - t0) / 60000, 1)} min.`,
      '',
      table(
        ['arm', 'rows/s per round', 'median rows/s', 'vs SQL 1 writer'],
        arms.map((a) => {
          const xs = rates.get(a.name)!;
          return [a.name, xs.map((x) => f(x, 0)).join(', '), f(med(xs), 0), `${f(med(xs) / base, 2)}×`];
        }),
      ),
      '',
      `IngestService concurrency 2 / concurrency 1: ${f(med(rates.get(arms[5].name)!) / med(rates.get(arms[4].name)!), 2)}× (medians). IngestService rates run from the first file's start to the last file's end; each run also starts with the embedder guard (assertEmbedderMatches: one scan of learning_content), ${f(guardSeconds, 1)} s at ${startRows.toLocaleString('en')} rows in this run.`,
    ].join('\n');
    console.log(body);
    const readme = path.join(__dirname, 'README.md');
    fs.writeFileSync(
      readme,
      replaceGenerated(fs.readFileSync(readme, 'utf8'), 'Ingestion at 100k chunks, side by side (issue 11)', 'ingest-steady', body),
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await ds.destroy();
    for (const c of clients) await c.end();
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
