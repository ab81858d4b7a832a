import { randomUUID } from 'node:crypto';
import net from 'node:net';
import express, { type Router } from 'express';
import { renderMessage } from '../../../src/channels/web/render';
import { viewerOf } from '../../../src/channels/web/viewer';
import type { WebAccess } from '../../../src/channels/web/web-access';
import type { AppDataSource } from '../../../src/db/data-source';
import { createLogger, type Logger } from '../../../src/observability/logger';

/** A free port on 127.0.0.1 (PUBLIC_URL and the provider's redirect URI must name it before the server starts). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Routes behind the access rules, standing in for the console's pages and APIs in these suites:
 * a page (viewer and CSRF token as JSON), an admin page, an API and a form that change something.
 */
export function probeRoutes(access: WebAccess): Router {
  const r = express.Router();
  r.get('/probe/page', access.requireViewer, (req, res) => {
    res.json({ viewer: viewerOf(res), csrf: access.csrfToken(req, res) });
  });
  r.get('/probe/admin', access.requireViewer, access.requireAdmin, (_req, res) => {
    res.type('text').send(`admin page for ${viewerOf(res).name}`);
  });
  // An HTML page in the console's layout (nav with the sign-out form), for the browser test.
  r.get('/probe/admin-page', access.requireViewer, access.requireAdmin, (req, res) => {
    const viewer = viewerOf(res);
    const page = { title: 'Admin probe', viewer, csrfToken: access.csrfToken(req, res), accessMode: access.mode };
    renderMessage(res, 200, page, 'Admin probe page', `Signed in as ${viewer.name} (${viewer.email})`);
  });
  r.get('/probe/api', access.requireViewerApi, (_req, res) => {
    res.json({ userId: viewerOf(res).userId });
  });
  r.get('/probe/admin-api', access.requireViewerApi, access.requireAdmin, (_req, res) => {
    res.json({ ok: true });
  });
  r.post('/probe/api', access.requireViewerApi, access.csrfProtection, express.json(), (req, res) => {
    res.json({ changed: true, body: req.body });
  });
  r.post('/probe/form', access.requireViewer, access.csrfProtection, express.urlencoded({ extended: false }), (req, res) => {
    res.type('text').send(`saved ${req.body.note}`);
  });
  return r;
}

/** A logger whose lines the test reads (only the web console's own lines: the queue logs too). */
export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const all: string[] = [];
  const logger = createLogger('debug', {}, (l) => all.push(l));
  return {
    logger,
    lines: () => all.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => /web console|SESSION_SECRET/.test(String(l.msg))),
  };
}

export async function countPeople(ds: AppDataSource): Promise<{ users: number; identities: number }> {
  const [u] = await ds.query(`SELECT count(*)::int AS n FROM users`);
  const [i] = await ds.query(`SELECT count(*)::int AS n FROM user_identities`);
  return { users: u.n, identities: i.n };
}

/** Users for a suite, with emails no other suite in this process uses. */
export async function makeUser(ds: AppDataSource, name: string, role: string | null): Promise<{ id: string; email: string }> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${randomUUID().slice(0, 8)}@example.com`;
  const [row] = await ds.query(`INSERT INTO users (email, name, role) VALUES ($1, $2, $3) RETURNING id`, [email, name, role]);
  return { id: row.id, email };
}
