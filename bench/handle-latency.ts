/**
 * End-to-end ConversationService.handle() latency with the offline embedder and extractive answerer,
 * plus ingestion throughput of the sample corpus. Embedded PGlite by default; `--postgres` uses a
 * scratch database on BENCH_DATABASE_URL (default 127.0.0.1).
 *
 *   npm run bench:handle                # embedded
 *   npm run bench:handle -- --postgres  # real PostgreSQL
 *   npm run bench:handle -- --postgres --chunks=50000
 *
 * --chunks=N: after the runs on the sample corpus, the table grows to N chunks (each a sample chunk
 * mixed with two sentences of other chunks, embedded with the same offline embedder, so common words
 * and nearby vectors multiply) and the sequential run is repeated: the cost of a larger corpus, in one run.
 *
 * --compare (issue 11): two services over the same database, asked alternately in every sequential
 * run: "baseline", whose recommender runs its own HNSW search (the retriever hands no vector list on,
 * which is exactly the code before the reuse), and "this tree", whose recommender reuses the
 * retriever's list. Its table goes to the section "handle() at 50,000 chunks, side by side (issue 11)".
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAnswerer } from '../src/ai/answer-chain';
import { HybridRetriever, type SearchOptions, type SearchResult } from '../src/ai/hybrid-retriever';
import { LocalEmbeddings } from '../src/ai/local-embeddings';
import { ConversationService } from '../src/core/conversation-service';
import { Recommender } from '../src/core/recommender';
import { AppDataSource } from '../src/db/data-source';
import { IN_MEMORY } from '../src/db/embedded-postgres';
import { seedLearningContent } from '../src/ingest/seed-learning-content';
import { silentLogger } from '../src/observability/logger';
import {
  arg,
  createScratchDatabase,
  DEFAULT_BENCH_URL,
  f,
  flag,
  latencyStats,
  now,
  replaceGenerated,
  replaceSection,
  rng,
  table,
} from './lib';

/** The baseline of --compare: the retriever hands no vector list on, so the recommender searches again. */
class NoReuseRetriever extends HybridRetriever {
  override async searchWithNearest(
    m: Parameters<HybridRetriever['search']>[0],
    query: string,
    opts?: SearchOptions,
  ): Promise<SearchResult> {
    return { ...(await super.searchWithNearest(m, query, opts)), nearest: null };
  }
}

const QUESTIONS = [
  'How do I handle exceptions in Python?',
  'What is the difference between a list and a tuple?',
  'How do default arguments work in Python functions?',
  'How do I set up a virtual environment?',
  'What is overfitting and how do I prevent it?',
  'When should I use precision instead of recall?',
  'How does k-means clustering work?',
  'Why scale features before training?',
  'How do I group data with pandas?',
  'How should I handle missing values?',
  'Which chart type should I use to compare categories?',
  'What goes into a project charter?',
  'How do I build a work breakdown structure?',
  'How do I keep a risk register?',
  'What is the critical path?',
  'How do I run a good stand-up?',
  'How do I give feedback with SBI?',
  'How can I listen more actively?',
  'How do I write a clear email to a busy manager?',
  'How do I present to executives?',
  'How do I delegate without micromanaging?',
  'What should I talk about in one-on-ones?',
  'What is situational leadership?',
  'How do I run a retrospective?',
];

async function main(): Promise<void> {
  const usePostgres = flag('postgres');
  const scratch = usePostgres ? await createScratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL, 'handle') : undefined;
  const ds = new AppDataSource({ databaseUrl: scratch?.url, pgliteDataDir: IN_MEMORY, poolSize: 10 });
  try {
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    const local = new LocalEmbeddings();
    const provider = { id: local.embedderId, embeddings: local };

    const t0 = now();
    const seeded = await seedLearningContent(ds, provider, {});
    const seedSeconds = (now() - t0) / 1000;
    const [{ n: chunks }] = await ds.query(`SELECT count(*) AS n FROM learning_content`);

    const service = new ConversationService({
      ds,
      retriever: new HybridRetriever(provider),
      answerer: createAnswerer({ timeoutMs: 1000 }),
      recommender: new Recommender(),
      logger: silentLogger,
    });
    const baseline = new ConversationService({
      ds,
      retriever: new NoReuseRetriever(provider),
      answerer: createAnswerer({ timeoutMs: 1000 }),
      recommender: new Recommender(),
      logger: silentLogger,
    });
    const compare = flag('compare');
    const ask = (text: string, user: string, svc = service) =>
      svc.handle({
        channel: 'console',
        tenantId: 'bench',
        platformUserId: user,
        conversationId: `c-${user}`,
        threadId: null,
        messageId: randomUUID(),
        text,
      });
    for (const q of QUESTIONS.slice(0, 5)) await ask(q, 'warmup'); // JIT, plan caches, GloVe table
    if (compare) for (const q of QUESTIONS.slice(0, 5)) await ask(q, 'warmup', baseline);
    // --compare: the same 200 questions to both services, alternating which goes first.
    const runSideBySide = async (): Promise<{ baseline: number[]; tree: number[] }> => {
      const out = { baseline: [] as number[], tree: [] as number[] };
      for (let i = 0; i < 200; i++) {
        const order = i % 2 ? (['baseline', 'tree'] as const) : (['tree', 'baseline'] as const);
        for (const arm of order) {
          const t = now();
          await ask(QUESTIONS[i % QUESTIONS.length], `${arm}-${i % 20}`, arm === 'baseline' ? baseline : service);
          out[arm].push(now() - t);
        }
      }
      return out;
    };
    if (compare) {
      const small = await runSideBySide();
      const target = Number(arg('chunks', '50000'));
      const tg = now();
      await grow(ds, local, target - Number(chunks));
      for (const t of ['learning_content', 'learning_content_terms']) await ds.query(`VACUUM ANALYZE ${t}`);
      const growSeconds = (now() - tg) / 1000;
      for (const q of QUESTIONS.slice(0, 5)) await ask(q, 'warmup');
      for (const q of QUESTIONS.slice(0, 5)) await ask(q, 'warmup', baseline);
      const big = await runSideBySide();
      const rows = (['baseline', 'tree'] as const).map((arm) => {
        const a = latencyStats(small[arm]);
        const b = latencyStats(big[arm]);
        return [
          arm === 'baseline' ? 'baseline: the recommender runs its own HNSW search' : "this tree: it reuses the retriever's vector list",
          f(a.p50, 1),
          f(a.p95, 1),
          f(b.p50, 1),
          f(b.p95, 1),
          `${f(b.p50 / a.p50, 2)}×`,
        ];
      });
      const body = [
        `Backend: ${usePostgres ? 'PostgreSQL 15 + pgvector 0.8.0 (scratch database)' : 'embedded PGlite (in memory)'}; offline embedder (${provider.id}) and extractive answerer; 2-core machine (load average at the end ${os.loadavg()[0].toFixed(1)}).`,
        `Command: \`npm run bench:handle -- ${usePostgres ? '--postgres ' : ''}--compare --chunks=${target}\``,
        '',
        `Both services share the database and are asked the same 200 questions alternately (which goes first alternates too), on the sample corpus (${chunks} chunks) and again after growing it to ${target.toLocaleString('en')} chunks (${f(growSeconds, 0)} s).`,
        '',
        table(
          ['service', `p50 ms, ${chunks} chunks`, 'p95 ms', `p50 ms, ${target.toLocaleString('en')} chunks`, 'p95 ms', 'p50 ratio'],
          rows,
        ),
        '',
        `this tree / baseline at ${target.toLocaleString('en')} chunks: p50 ${f(latencyStats(big.tree).p50 / latencyStats(big.baseline).p50, 2)}×.`,
      ].join('\n');
      console.log(body);
      const readme = path.join(__dirname, 'README.md');
      const current = fs.readFileSync(readme, 'utf8');
      fs.writeFileSync(
        readme,
        replaceGenerated(
          current,
          'handle() at 50,000 chunks, side by side (issue 11)',
          `handle-compare-${usePostgres ? 'postgres' : 'embedded'}`,
          body,
        ),
      );
      return;
    }

    const runSequential = async (): Promise<number[]> => {
      const lat: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = now();
        await ask(QUESTIONS[i % QUESTIONS.length], `user-${i % 20}`);
        lat.push(now() - t);
      }
      return lat;
    };
    const sequential = await runSequential();
    const concurrentStart = now();
    const concurrent: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; i < 20; i++) {
          const t = now();
          await ask(QUESTIONS[(w * 7 + i) % QUESTIONS.length], `conc-${w}`);
          concurrent.push(now() - t);
        }
      }),
    );
    const throughput = 200 / ((now() - concurrentStart) / 1000);

    const target = Number(arg('chunks', '0'));
    const grown: Array<[string, string]> = [];
    if (target > Number(chunks)) {
      const tg = now();
      await grow(ds, local, target - Number(chunks));
      for (const t of ['learning_content', 'learning_content_terms']) await ds.query(`VACUUM ANALYZE ${t}`);
      const growSeconds = (now() - tg) / 1000;
      for (const q of QUESTIONS.slice(0, 5)) await ask(q, 'warmup');
      const big = latencyStats(await runSequential());
      grown.push(
        [
          `grown to ${target.toLocaleString('en')} chunks`,
          `${f(growSeconds, 0)} s (${f((target - Number(chunks)) / growSeconds, 0)} chunks/s incl. embedding)`,
        ],
        [
          `handle(), sequential, 200 questions, ${target.toLocaleString('en')} chunks`,
          `p50 ${f(big.p50, 1)} ms, p95 ${f(big.p95, 1)} ms, max ${f(big.max, 1)} ms; p50 ${f(big.p50 / latencyStats(sequential).p50, 2)}× the sample corpus's`,
        ],
      );
    }
    const s = latencyStats(sequential);
    const c = latencyStats(concurrent);
    const backend = usePostgres ? 'PostgreSQL 15 + pgvector 0.8.0' : 'embedded PGlite 0.5.14 (in memory)';
    const body = [
      `Backend: ${backend}; offline embedder (${provider.id}) and extractive answerer; 2-core machine.`,
      `Command: \`npm run bench:handle${usePostgres || target ? ' --' : ''}${usePostgres ? ' --postgres' : ''}${target ? ` --chunks=${target}` : ''}\``,
      '',
      table(
        ['measure', 'value'],
        [
          [
            'seed: catalogue + sample corpus',
            `${chunks} chunks in ${f(seedSeconds, 1)} s (${f(Number(chunks) / seedSeconds, 0)} chunks/s, embedding + BM25 index + HNSW insert)`,
          ],
          ['handle(), sequential, 200 questions', `p50 ${f(s.p50, 1)} ms, p95 ${f(s.p95, 1)} ms, max ${f(s.max, 1)} ms`],
          ['handle(), 10 concurrent users × 20', `p50 ${f(c.p50, 1)} ms, p95 ${f(c.p95, 1)} ms; ${f(throughput, 1)} answers/s`],
          ...grown,
        ],
      ),
    ].join('\n');
    console.log(body);
    const readme = path.join(__dirname, 'README.md');
    const current = fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : '# Benchmarks\n';
    fs.writeFileSync(readme, replaceSection(current, `handle() end to end (${usePostgres ? 'PostgreSQL' : 'embedded'})`, body));
    void seeded;
  } finally {
    await ds.destroy();
    await scratch?.drop();
  }
}

/** Adds `count` chunks: each a sample chunk plus two sentences of other chunks, embedded offline. */
async function grow(ds: AppDataSource, local: LocalEmbeddings, count: number): Promise<void> {
  const base: Array<{ title: string; content: string; content_type: string }> = await ds.query(
    `SELECT title, content, content_type FROM learning_content ORDER BY id`,
  );
  const sentences = base.flatMap((b) => b.content.split(/(?<=[.!?])\s+/)).filter((x) => x.length > 20);
  const u = rng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(u() * xs.length)];
  for (let done = 0; done < count; ) {
    const batch = Array.from({ length: Math.min(200, count - done) }, (_, i) => {
      const b = pick(base);
      return { title: `${b.title} (${done + i})`, content: `${b.content} ${pick(sentences)} ${pick(sentences)}`, type: b.content_type };
    });
    const vectors = await local.embedDocuments(batch.map((x) => `${x.title}\n${x.content}`));
    const params: unknown[] = [];
    const values = batch.map((x, i) => {
      params.push(x.title, x.content, x.type, `[${vectors[i].join(',')}]`, local.embedderId);
      const p = params.length - 5;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::vector, $${p + 5}, 'bench')`;
    });
    await ds.query(
      `INSERT INTO learning_content (title, content, content_type, embedding, embedding_model, source_service) VALUES ${values.join(', ')}`,
      params,
    );
    done += batch.length;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
