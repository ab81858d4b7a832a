import http, { type Server } from 'node:http';
import express, { type Express } from 'express';
import type { DataSource } from 'typeorm';
import { pingDatabase } from './db/health';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';

export interface ServerDeps {
  ds: DataSource;
  logger: Logger;
  metrics?: Metrics;
  /** database and queue reachable and not shutting down (GET /readyz); without it, readiness is the database alone */
  ready?: () => Promise<boolean>;
  /** refreshes gauges read from the database (queue depth) before /metrics answers */
  beforeMetrics?: () => Promise<void>;
  /** Adapters mount their routes here (each parses its own body: Bolt must read the raw body itself). */
  mount?: Array<(app: Express) => void>;
}

/** The HTTP surface. No global body parser on purpose: see PITFALLS.md (Slack signature checks need the raw body). */
export function createServer(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const { metrics } = deps;
  if (metrics) {
    app.use((req, res, next) => {
      const end = metrics.httpDuration.startTimer({ method: req.method });
      res.once('finish', () => end({ route: routeLabel(req.path), status: String(res.statusCode) }));
      next();
    });
  }
  // Liveness: the process answers and reaches its database.
  app.get('/healthz', async (_req, res) => {
    try {
      await pingDatabase(deps.ds);
      res.json({ status: 'ok' });
    } catch (err) {
      deps.logger.error({ err }, 'health check failed');
      res.status(503).json({ status: 'unavailable', reason: 'database' });
    }
  });
  // Readiness: send traffic here (database and queue reachable, not shutting down).
  app.get('/readyz', async (_req, res) => {
    try {
      let ok = true;
      if (deps.ready) ok = await deps.ready();
      else await pingDatabase(deps.ds);
      if (ok) res.json({ status: 'ready' });
      else res.status(503).json({ status: 'not ready', reason: 'shutting down' });
    } catch (err) {
      deps.logger.warn({ err }, 'readiness check failed');
      res.status(503).json({ status: 'not ready', reason: 'database or queue unreachable' });
    }
  });
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      try {
        await deps.beforeMetrics?.();
      } catch (err) {
        deps.logger.warn({ err }, 'could not read the queue depth for /metrics');
      }
      res.set('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  for (const mount of deps.mount ?? []) mount(app);
  return app;
}

/**
 * Listens with timeouts, so slow or stalled clients cannot keep connections (and memory) for long: the
 * request head within 10 s, the whole request within 15 s (Slack and Teams send small bodies at once),
 * idle keep-alive connections closed after 5 s; checked every second (Node's default is every 30 s).
 */
export function listen(app: Express, port: number, host: string | undefined, onListening: () => void): Server {
  const server = http.createServer(
    { headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000 },
    app,
  );
  return host ? server.listen(port, host, onListening) : server.listen(port, onListening);
}

/** A bounded label: the known routes, everything else as "other" (never raw paths: unbounded cardinality). */
function routeLabel(path: string): string {
  return ['/slack/events', '/api/messages', '/healthz', '/readyz', '/metrics'].includes(path) ? path : 'other';
}
