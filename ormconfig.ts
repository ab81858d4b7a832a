import 'reflect-metadata';
import { loadConfig } from './src/config';
import { AppDataSource } from './src/db/data-source';

// For the TypeORM CLI: `npx typeorm-ts-node-commonjs migration:show -d ormconfig.ts`.
// The npm scripts (db:migrate, db:revert, db:seed) use the same DataSource with friendlier errors.
const config = loadConfig();
export default new AppDataSource({
  databaseUrl: config.DATABASE_URL,
  pgliteDataDir: config.PGLITE_DATA_DIR,
  poolSize: config.DB_POOL_SIZE,
});
