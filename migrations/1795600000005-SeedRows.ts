import type { MigrationInterface, QueryRunner } from 'typeorm';
import { deleteSeedRows, insertSeedRows } from '../src/db/seed-rows';

/** The document's seed rows (skills, courses, learning content). `npm run db:seed` re-applies them idempotently. */
export class SeedRows1795600000005 implements MigrationInterface {
  name = 'SeedRows1795600000005';

  async up(q: QueryRunner): Promise<void> {
    await insertSeedRows((sql, params) => q.query(sql, params));
  }

  async down(q: QueryRunner): Promise<void> {
    await deleteSeedRows((sql, params) => q.query(sql, params));
  }
}
