import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { adminRoutes } from './admin/admin-routes';
import { createAccess } from './auth/create-access';
import { ChatHub } from './chat/chat-hub';
import { chatRoutes, startWebChatWorkers } from './chat/chat-routes';
import { consoleRoutes } from './console-routes';
import type { WebAccess } from './web-access';
import type { WebDeps } from './web-deps';
import { webDir } from './web-files';

export interface WebConsole {
  mode: WebAccess['mode'];
  /** Starts this process's Try it workers (the 'web' queue); answers wait in the queue until some instance does. */
  start(): Promise<void>;
  mount(app: Express): void;
}

/**
 * The web console (GET /, Try it, /admin insights, sign-in), a third channel of the conversation service.
 * Returns null when the console is off (production without an OpenID Connect provider). Tests may pass
 * their own `access` (a stub viewer) to exercise pages without signing in.
 */
export function createWebConsole(deps: WebDeps, access: WebAccess = createAccess(deps)): WebConsole | null {
  if (access.mode === 'off') {
    deps.logger.info({}, 'web console is off: production without OIDC_ISSUER (only /healthz, /readyz, /metrics and the platform routes)');
    return null;
  }
  // Progress of answers this process's workers make, relayed to the browsers streaming them.
  const hub = new ChatHub();
  return {
    mode: access.mode,
    start: () => startWebChatWorkers(deps, hub),
    mount(app: Express) {
      const router = express.Router();
      // Pages load only our own files: no inline scripts, no third-party origins.
      router.use(helmet({ contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'connect-src': ["'self'"] } } }));
      router.use('/assets', express.static(webDir('public'), { maxAge: '1h', index: false }));
      // Kept libraries served from node_modules: Pico (styles), Chart.js (the insights charts, drawn in the browser).
      const pico = require.resolve('@picocss/pico/css/pico.min.css');
      const chart = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
      router.get('/assets/pico.min.css', (_req, res) => res.sendFile(pico, { maxAge: '1h' }));
      router.get('/assets/chart.umd.min.js', (_req, res) => res.sendFile(chart, { maxAge: '1h' }));
      // marked and DOMPurify: Try it turns the answer's Markdown into sanitized HTML (public/markdown.js).
      const marked = require.resolve('marked');
      const purify = path.join(path.dirname(require.resolve('dompurify')), 'purify.es.mjs');
      router.get('/assets/vendor/marked.esm.js', (_req, res) => res.sendFile(marked, { maxAge: '1h' }));
      router.get('/assets/vendor/purify.es.mjs', (_req, res) => res.sendFile(purify, { maxAge: '1h' }));
      router.use(access.routes);
      router.use(consoleRoutes(deps, access));
      router.use(chatRoutes(deps, access, hub));
      router.use(adminRoutes(deps, access));
      app.use(router);
    },
  };
}
