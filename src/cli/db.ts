import { insertSeedRows } from '../db/seed-rows';
import { runCli } from './run-cli';

// npm run db:migrate | db:revert | db:seed
const action = process.argv[2];

void runCli(`db:${action ?? '?'}`, async ({ ds }) => {
  switch (action) {
    case 'migrate': {
      const applied = await ds.runMigrations({ transaction: 'each' });
      console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}` : 'Database is up to date.');
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
      break;
    }
    default:
      throw new Error('usage: db.ts migrate|revert|seed');
  }
});
