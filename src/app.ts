import type { Config } from './config';
import { AppDataSource } from './db/data-source';
import { createLogger, type Logger } from './observability/logger';

/** The composition root: the one place that builds concrete classes and wires them together. */
export interface App {
  config: Config;
  logger: Logger;
  ds: AppDataSource;
  close(): Promise<void>;
}

export async function buildApp(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<App> {
  const ds = new AppDataSource({ databaseUrl: config.DATABASE_URL, pgliteDataDir: config.PGLITE_DATA_DIR, poolSize: config.DB_POOL_SIZE, logger });
  await ds.initialize();
  const applied = await ds.runMigrations({ transaction: 'each' });
  if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrated');
  return { config, logger, ds, close: () => ds.destroy() };
}
