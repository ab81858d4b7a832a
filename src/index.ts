import 'reflect-metadata';
import 'dotenv/config';
import { buildApp } from './app';
import { describeError } from './cli/run-cli';
import { loadConfig } from './config';
import { redact } from './db/data-source';
import { createLogger } from './observability/logger';
import { createServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const app = await buildApp(config, logger);
  const server = createServer({ ds: app.ds, logger }).listen(config.PORT, () => {
    const db = config.DATABASE_URL ? `PostgreSQL at ${redact(config.DATABASE_URL)}` : `embedded PostgreSQL in ${config.PGLITE_DATA_DIR}`;
    logger.info({ port: config.PORT }, `learning assistant listening on http://localhost:${config.PORT} (${db})`);
  });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Cannot start: ${describeError(err)}\n`);
  process.exit(1);
});
