import 'reflect-metadata';
import { type Config, loadConfig } from '../config';
import { AppDataSource } from '../db/data-source';
import { isAppError } from '../errors';
import { createLogger, type Logger } from '../observability/logger';
import { redactSecrets } from '../observability/redact';

/**
 * Shared frame for command-line tools: loads config, opens the database, runs the command, closes
 * everything, and turns known failures into one sentence on stderr (no stack trace) with exit code 1.
 */
export async function runCli(
  name: string,
  command: (ctx: { config: Config; ds: AppDataSource; logger: Logger }) => Promise<void>,
): Promise<void> {
  let ds: AppDataSource | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger(config.LOG_LEVEL).child({ cli: name });
    ds = new AppDataSource({
      databaseUrl: config.DATABASE_URL,
      pgliteDataDir: config.PGLITE_DATA_DIR,
      poolSize: config.DB_POOL_SIZE,
      logger,
    });
    await ds.initialize();
    await command({ config, ds, logger });
    await ds.destroy();
  } catch (err) {
    await ds?.destroy().catch(() => {});
    process.stderr.write(`${name}: ${redactSecrets(describeError(err))}\n`);
    if (process.env.DEBUG) console.error(err);
    process.exitCode = 1;
  }
}

export function describeError(err: unknown): string {
  if (isAppError(err)) return err.message;
  const pg = err as { code?: string; detail?: string; message?: string };
  if (pg.code && /^[0-9A-Z]{5}$/.test(pg.code))
    return `the database refused the operation: ${pg.message}${pg.detail ? ` (${pg.detail})` : ''}`;
  return `${(err as Error)?.message ?? String(err)} (set DEBUG=1 for the stack trace)`;
}
