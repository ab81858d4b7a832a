import { performance } from 'node:perf_hooks';
import { createEmbeddingProvider } from '../ai/embedding-provider';
import { embedderCounts } from '../db/embedder-guard';
import { IngestService } from '../ingest/ingest-service';
import { assertMigrated, createProgress } from './ingest';
import { runCli } from './run-cli';

// npm run reembed: re-embeds every learning_content row with the embedder configured now (after a
// change of OPENAI_* settings), so stored vectors and question vectors come from the same model.

function main(argv: string[]): void {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(
      'Usage: npm run reembed\n\nRe-embeds every learning_content row (title + content) with the embedder configured now\n' +
        '(OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_EMBEDDING_MODEL, or the local embedder without a key) and records its id.\n',
    );
    return;
  }
  void runCli('reembed', async ({ ds, config, logger }) => {
    await assertMigrated(ds);
    const provider = createEmbeddingProvider(config, (msg) => logger.warn({}, msg));
    const before = await embedderCounts(ds);
    const service = new IngestService({ ds, provider, logger: config.LOG_LEVEL === 'debug' ? logger : undefined });
    const progress = createProgress('rows');
    const started = performance.now();
    let startedBar = false;
    let lastLine = 0;
    let count: number;
    try {
      count = await service.reembedAll((done, total) => {
        if (!startedBar) {
          progress.start(total, provider.id);
          startedBar = true;
        }
        // Plain-line mode: one line per ~10% (and the last one), not per batch.
        const step = Math.max(1, Math.ceil(total / 10));
        const line = done === total || done - lastLine >= step ? `re-embedded ${done}/${total} rows` : undefined;
        if (line) lastLine = done;
        progress.update(done, provider.id, done > 0 ? line : undefined);
      });
    } finally {
      progress.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const was = before.length ? before.map((c) => `${c.chunks} × ${c.embedder}`).join(', ') : 'no vectors';
    console.log(
      `Re-embedded ${count} row(s) with ${provider.id} in ${seconds.toFixed(1)}s` +
        (count > 0 && seconds > 0 ? ` (${(count / seconds).toFixed(1)} rows/s)` : '') +
        `; before: ${was}.`,
    );
  });
}

if (require.main === module) main(process.argv.slice(2));
