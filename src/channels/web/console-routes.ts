import path from 'node:path';
import express, { type Router } from 'express';
import { consoleStatus, statusCards } from './console-status';
import { renderPage } from './render';
import { viewerOf } from './viewer';
import type { WebAccess } from './web-access';
import type { WebDeps } from './web-deps';
import { webDir } from './web-files';

/** The project root (it holds README.md and docs/): four levels above src/channels/web/public. */
const ROOT = path.resolve(webDir('public'), '..', '..', '..', '..');
/** A document name as the checklist links it: letters, digits and dashes, then .md (no path, no dots before). */
const DOC_NAME = /^[a-z0-9-]+\.md$/i;

/**
 * The console's front page (GET /): what this is, the status of each part, the setup checklist and
 * Try it; GET /api/status is the same status as JSON (the page's refresh, operators' scripts); GET
 * /docs/<file>.md serves the guides the checklist links to, as plain text.
 */
export function consoleRoutes(deps: WebDeps, access: WebAccess): Router {
  const router = express.Router();
  const status = () =>
    consoleStatus({
      config: deps.config,
      ds: deps.ds,
      queue: deps.queue,
      platforms: deps.platforms,
      embedderId: deps.embedderId,
      logger: deps.logger,
      accessMode: access.mode,
    });

  router.get('/', access.requireViewer, async (req, res) => {
    const s = await status();
    renderPage(
      res,
      'console',
      { title: 'Console', viewer: viewerOf(res), csrfToken: access.csrfToken(req, res), accessMode: access.mode, nav: 'console' },
      { status: s, cards: statusCards(s), docHref },
    );
  });

  router.get('/api/status', access.requireViewerApi, async (_req, res) => {
    const s = await status();
    // The cards are the page's words for each part: its refresh script shows them as they are.
    res.set('cache-control', 'no-store').json({ ...s, cards: statusCards(s) });
  });

  router.get('/docs/:file', access.requireViewer, (req, res) => {
    const file = req.params.file;
    if (typeof file !== 'string' || !DOC_NAME.test(file)) {
      res.status(404).type('text').send('No such document.');
      return;
    }
    // The README sits at the root; every other guide in docs/. sendFile's root refuses paths that leave it.
    const root = file === 'README.md' ? ROOT : path.join(ROOT, 'docs');
    res.type('text/plain; charset=utf-8');
    res.sendFile(file, { root, dotfiles: 'deny', headers: { 'content-type': 'text/plain; charset=utf-8' } }, (err) => {
      if (err && !res.headersSent) res.status(404).type('text').send('No such document.');
    });
  });

  return router;
}

/** Where the console serves a project document ('docs/slack-setup.md' → /docs/slack-setup.md, 'README.md' → /docs/README.md). */
export function docHref(doc: string): string {
  return `/docs/${path.posix.basename(doc)}`;
}
