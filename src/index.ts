import 'reflect-metadata';
import 'dotenv/config';
import type { Express } from 'express';
import { buildApp } from './app';
import { createSlackChannel } from './channels/slack';
import { createTeamsChannel } from './channels/teams';
import { describeError } from './cli/run-cli';
import { loadConfig } from './config';
import { redact } from './db/data-source';
import { createLogger } from './observability/logger';
import { createServer } from './server';

const PRUNE_EVENTS_EVERY_MS = 60 * 60 * 1000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const app = await buildApp(config, logger);
  const deps = { config, conversation: app.conversation, interactions: app.interactions, identities: app.identities, learning: app.learning, logger };

  let teams: ReturnType<typeof createTeamsChannel> | undefined;
  let slack: ReturnType<typeof createSlackChannel> = null;
  try {
    slack = createSlackChannel(deps);
    await slack?.start();
    if (config.TEAMS_ENABLED) teams = createTeamsChannel(deps);
    else logger.info({}, 'Teams is off (TEAMS_ENABLED=false)');
  } catch (err) {
    await app.close();
    throw err;
  }
  const mounts: Array<(a: Express) => void> = [];
  if (slack) mounts.push((a) => slack.mount(a));
  if (teams) mounts.push((a) => teams.mount(a));

  const server = createServer({ ds: app.ds, logger, mount: mounts }).listen(config.PORT, () => {
    const db = config.DATABASE_URL ? `PostgreSQL at ${redact(config.DATABASE_URL)}` : `embedded PostgreSQL in ${config.PGLITE_DATA_DIR}`;
    logger.info({ port: config.PORT }, `learning assistant listening on http://localhost:${config.PORT} (${db})`);
  });

  // Delivery ids only matter while the platforms may retry (minutes); keep a day, drop the rest.
  const prune = setInterval(() => {
    app.interactions.pruneEvents().catch((err) => logger.warn({ err }, 'pruning processed events failed'));
  }, PRUNE_EVENTS_EVERY_MS);
  prune.unref();

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    clearInterval(prune);
    server.close();
    await Promise.all([teams?.drain(), slack?.stop()]);
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
