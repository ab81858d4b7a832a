import 'reflect-metadata';
import 'dotenv/config';
import type { Express } from 'express';
import { buildApp } from './app';
import { createSlackChannel } from './channels/slack';
import { createTeamsChannel } from './channels/teams';
import { createWebConsole, type WebConsole } from './channels/web';
import { describeError } from './cli/run-cli';
import { loadConfig } from './config';
import { redact } from './db/data-source';
import { routeConsoleToLogger } from './observability/console';
import { createLogger } from './observability/logger';
import { createServer, listen } from './server';

const PRUNE_EVENTS_EVERY_MS = 60 * 60 * 1000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  // botbuilder and others print with console.*: their lines become ours (JSON, redacted).
  routeConsoleToLogger(logger);
  const app = await buildApp(config, logger);
  const deps = {
    config,
    conversation: app.conversation,
    interactions: app.interactions,
    identities: app.identities,
    learning: app.learning,
    queue: app.queue,
    metrics: app.metrics,
    logger,
  };

  let teams: ReturnType<typeof createTeamsChannel> | undefined;
  let slack: ReturnType<typeof createSlackChannel> = null;
  let web: WebConsole | null = null;
  try {
    slack = createSlackChannel(deps);
    await slack?.start();
    if (config.TEAMS_ENABLED) {
      teams = createTeamsChannel(deps) ?? undefined;
      await teams?.start();
    } else logger.info({}, 'Teams is off (TEAMS_ENABLED=false)');
    web = createWebConsole({
      ...deps,
      ds: app.ds,
      embedderId: app.provider.id,
      platforms: { slack: Boolean(slack), teams: Boolean(teams) },
    });
    await web?.start();
  } catch (err) {
    await app.close();
    throw err;
  }
  // Each running answer holds at most one connection of the app's pool; the acks need some too.
  const workers = config.WORKER_CONCURRENCY * [slack, teams, web].filter(Boolean).length;
  if (workers > config.DB_POOL_SIZE - 2) {
    logger.warn(
      { workers, poolSize: config.DB_POOL_SIZE },
      `${workers} workers could take every database connection the HTTP side needs to acknowledge messages: raise DB_POOL_SIZE to at least ${workers + 2} or lower WORKER_CONCURRENCY`,
    );
  }
  const mounts: Array<(a: Express) => void> = [];
  if (slack) mounts.push((a) => slack.mount(a));
  if (teams) mounts.push((a) => teams.mount(a));
  // Mounted last: the platform routes keep their own body parsing and are never behind the console's access rules.
  if (web) mounts.push((a) => web.mount(a));

  let shuttingDown = false;
  const server = listen(
    createServer({
      ds: app.ds,
      logger,
      metrics: app.metrics,
      mount: mounts,
      ready: async () => !shuttingDown && (await app.queue.ready()),
      beforeMetrics: () => app.queue.collectDepth(),
    }),
    config.PORT,
    undefined,
    () => {
      const db = config.DATABASE_URL ? `PostgreSQL at ${redact(config.DATABASE_URL)}` : `embedded PostgreSQL in ${config.PGLITE_DATA_DIR}`;
      logger.info(
        { port: config.PORT, workers: config.WORKER_CONCURRENCY },
        `learning assistant listening on http://localhost:${config.PORT} (${db})`,
      );
    },
  );

  // Delivery ids only matter while the platforms may retry (minutes); keep a day, drop the rest.
  const prune = setInterval(() => {
    app.interactions.pruneEvents().catch((err) => logger.warn({ err }, 'pruning processed events failed'));
  }, PRUNE_EVENTS_EVERY_MS);
  prune.unref();

  // SIGTERM: not ready at once (load balancers stop sending), no new connections, running answers get
  // SHUTDOWN_TIMEOUT_MS to finish, the rest goes back to the queue for the next start or another instance.
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info(
      { signal, timeoutMs: config.SHUTDOWN_TIMEOUT_MS },
      'shutting down: finishing running answers, handing the rest back to the queue',
    );
    clearInterval(prune);
    server.close();
    server.closeIdleConnections?.();
    await slack?.stop().catch((err) => logger.warn({ err }, 'stopping Slack failed'));
    await app.close();
    logger.info({}, 'stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  // One JSON line like every other (stack and causes in err), the reason first in msg.
  createLogger('error').error({ err }, `Cannot start: ${describeError(err).replace(/ \(set DEBUG=1 for the stack trace\)$/, '')}`);
  process.exit(1);
});
