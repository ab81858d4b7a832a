import { createEmbeddingProvider } from '../ai/embedding-provider';
import { insertSeedRows } from '../db/seed-rows';
import { seedLearningContent } from '../ingest/seed-learning-content';
import { runCli } from './run-cli';

// npm run db:migrate | db:revert | db:seed
const action = process.argv[2];

void runCli(`db:${action ?? '?'}`, async ({ ds, config, logger }) => {
  switch (action) {
    case 'migrate': {
      const applied = await ds.runMigrations({ transaction: 'each' });
      console.log(
        applied.length ? `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}` : 'Database is up to date.',
      );
      break;
    }
    case 'revert': {
      const before = await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`).catch(() => []);
      if (!before.length) {
        console.log('Nothing to revert.');
        break;
      }
      await ds.undoLastMigration({ transaction: 'each' });
      console.log(`Reverted ${before[0].name}.`);
      break;
    }
    case 'seed': {
      await ds.runMigrations({ transaction: 'each' });
      const added = await insertSeedRows((sql, params) => ds.query(sql, params));
      console.log(added ? `Seeded ${added} row(s).` : 'Seed rows already present; nothing added.');
      const provider = createEmbeddingProvider(config, (msg) => logger.warn({}, msg));
      const r = await seedLearningContent(ds, provider, { logger });
      const ingest = r.ingest;
      console.log(
        [
          `Learning content (embedder ${provider.id}):`,
          `catalogue rows ${r.catalogAdded} added, ${r.catalogUpdated} updated, ${r.catalogRemoved} removed;`,
          `${r.embedded} row(s) without a vector embedded;`,
          ingest
            ? `sample corpus: ${ingest.files} file(s), ${ingest.chunksAdded} chunk(s) added, ${ingest.chunksUnchanged} unchanged, ${ingest.chunksDeleted} deleted` +
              (ingest.failed.length
                ? `, ${ingest.failed.length} failed (${ingest.failed.map((f) => `${f.file}: ${f.error}`).join('; ')})`
                : '') +
              (ingest.warnings.length ? `, ${ingest.warnings.length} warning(s) (${ingest.warnings.join(' ')})` : '') +
              ` in ${ingest.seconds.toFixed(1)}s.`
            : 'no sample corpus folder (content/sample) found, nothing ingested.',
        ].join(' '),
      );
      console.log(
        r.assessments.added || r.assessments.updated
          ? `Sample quizzes: ${r.assessments.added} added, ${r.assessments.updated} updated.`
          : 'Sample quizzes already present; nothing added.',
      );
      if (ingest?.failed.length) process.exitCode = 1;
      break;
    }
    default:
      throw new Error('usage: db.ts migrate|revert|seed');
  }
});
