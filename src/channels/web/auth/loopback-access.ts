import express, { type Request, type RequestHandler, type Response } from 'express';
import { ensureAdminRole } from '../../../db/repositories/web-user-repository';
import { inServiceScope } from '../../../db/user-scope';
import type { Viewer } from '../viewer';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';
import { adminOnly } from './admin-only';
import type { Csrf } from './csrf';
import { bindCsrfSubject, csrfMiddleware } from './csrf';
import { isLoopbackAddress } from './loopback-address';
import { type Audience, refuse } from './refusals';
import { loadViewer } from './web-user';

const LOCAL_DEVELOPER = {
  channel: 'web',
  tenantId: 'local',
  platformUserId: 'local-developer',
  profile: { name: 'Local developer' },
} as const;

/**
 * Development without a sign-in provider: whoever connects from this machine is the local developer, an
 * admin; every other connection is refused with a page that says how to configure a provider.
 */
export function loopbackAccess(deps: WebDeps, csrf: Csrf): WebAccess {
  const logger = deps.logger;
  let developerId: Promise<string> | null = null;

  const resolveDeveloper = (): Promise<string> => {
    developerId ??= (async () => {
      const id = await deps.identities.resolve(LOCAL_DEVELOPER);
      await inServiceScope(deps.ds, (m) => ensureAdminRole(m, id));
      return id;
    })();
    developerId.catch(() => {
      developerId = null;
    });
    return developerId;
  };

  const developer = async (): Promise<Viewer> => {
    const viewer = await loadViewer(deps, await resolveDeveloper(), 'loopback');
    if (viewer) return viewer;
    // The row was deleted since (a reset database): resolve it again.
    developerId = null;
    return (await loadViewer(deps, await resolveDeveloper(), 'loopback'))!;
  };

  const fromThisMachine = (req: Request, res: Response, audience: Audience): boolean => {
    if (isLoopbackAddress(req.socket.remoteAddress)) return true;
    refuse(
      req,
      res,
      { logger, mode: 'loopback', audience },
      {
        status: 403,
        heading: 'This console is open to this machine only',
        detail:
          'No sign-in provider is configured, so the console answers connections from this machine (loopback) only. ' +
          'To open it to others, configure OpenID Connect sign-in: set OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, ' +
          'PUBLIC_URL and SESSION_SECRET (see docs/web-console-sign-in.md).',
        log: {
          level: 'warn',
          msg: 'web console refused a non-loopback connection (no sign-in provider configured)',
          fields: { remote: req.socket.remoteAddress },
        },
      },
    );
    return false;
  };

  const viewerGate =
    (audience: Audience): RequestHandler =>
    async (req, res, next) => {
      if (!fromThisMachine(req, res, audience)) return;
      try {
        res.locals.viewer = await developer();
        res.locals.audience = audience;
        bindCsrfSubject(req, `loopback:${(res.locals.viewer as Viewer).userId}`);
        next();
      } catch (err) {
        next(err);
      }
    };

  const routes = express.Router();
  // Nothing to sign in to: the sign-in paths lead back to the console.
  routes.get('/auth/login', (req, res) => {
    if (fromThisMachine(req, res, 'page')) res.redirect(302, '/');
  });

  return {
    mode: 'loopback',
    routes,
    requireViewer: viewerGate('page'),
    requireViewerApi: viewerGate('api'),
    requireAdmin: adminOnly(logger, 'loopback', csrf),
    csrfProtection: csrfMiddleware(
      csrf,
      async (req, res) => {
        if (!res.locals.viewer) bindCsrfSubject(req, `loopback:${(await developer()).userId}`);
      },
      (req, res) =>
        refuse(
          req,
          res,
          { logger, mode: 'loopback', audience: audienceOf(req, res), viewer: res.locals.viewer },
          {
            status: 403,
            heading: 'Missing or wrong security token',
            detail: 'This form or request did not carry the page’s CSRF token. Reload the page and try again.',
            log: { level: 'warn', msg: 'web console refused an unsafe request without a valid CSRF token' },
          },
        ),
    ),
    csrfToken: (req, res) => csrf.token(req, res),
  };
}

/** Refusals of unsafe requests: JSON for the console's scripts, a page for plain form posts. */
export function audienceOf(req: Request, res: Response): Audience {
  if (res.locals.audience) return res.locals.audience as Audience;
  return req.is('application/x-www-form-urlencoded') ? 'page' : 'api';
}
