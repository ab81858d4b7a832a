import express, { type RequestHandler } from 'express';
import type { Viewer } from '../../../src/channels/web/viewer';
import type { WebAccess } from '../../../src/channels/web/web-access';
import type { WebDeps } from '../../../src/channels/web/web-deps';

/**
 * Access rules for suites that test pages, not sign-in: every request is `viewer` (a users row the suite
 * made), and the CSRF token is a fixed string that unsafe requests must still send.
 */
export function stubAccess(viewer: Viewer, csrf = 'test-csrf-token'): (deps: WebDeps) => WebAccess {
  return () => {
    const requireViewer: RequestHandler = (_req, res, next) => {
      res.locals.viewer = viewer;
      next();
    };
    return {
      mode: viewer.via,
      routes: express.Router(),
      requireViewer,
      requireViewerApi: requireViewer,
      requireAdmin: (_req, res, next) => {
        if (viewer.role === 'admin') next();
        else res.status(403).json({ error: 'admins only' });
      },
      csrfProtection: (req, res, next) => {
        const safe = ['GET', 'HEAD', 'OPTIONS'].includes(req.method);
        if (safe || req.get('x-csrf-token') === csrf || (req.body as { _csrf?: string } | undefined)?._csrf === csrf) next();
        else res.status(403).json({ error: 'missing or wrong CSRF token' });
      },
      csrfToken: () => csrf,
    };
  };
}
