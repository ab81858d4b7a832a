import express, { type Express } from 'express';
import type { DataSource } from 'typeorm';
import type { Logger } from './observability/logger';

export interface ServerDeps {
  ds: DataSource;
  logger: Logger;
  /** Adapters mount their routes here (each parses its own body: Bolt must read the raw body itself). */
  mount?: Array<(app: Express) => void>;
}

/** The HTTP surface. No global body parser on purpose: see PITFALLS.md (Slack signature checks need the raw body). */
export function createServer(deps: ServerDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', async (_req, res) => {
    try {
      await deps.ds.query('SELECT 1');
      res.json({ status: 'ok' });
    } catch (err) {
      deps.logger.error({ err }, 'health check failed');
      res.status(503).json({ status: 'unavailable', reason: 'database' });
    }
  });
  for (const mount of deps.mount ?? []) mount(app);
  return app;
}
