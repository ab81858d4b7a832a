import type { RequestHandler } from 'express';
import type { Logger } from '../../../observability/logger';
import type { Viewer } from '../viewer';
import type { AccessMode } from '../web-access';
import type { Csrf } from './csrf';
import type { Audience } from './refusals';
import { refuse } from './refusals';

/** After requireViewer(Api): admins pass; everyone else gets a 403 page or JSON, logged once. */
export function adminOnly(logger: Logger, mode: AccessMode, csrf: Csrf): RequestHandler {
  return (req, res, next) => {
    const viewer = res.locals.viewer as Viewer | undefined;
    if (viewer?.role === 'admin') return next();
    const audience = (res.locals.audience as Audience | undefined) ?? 'page';
    refuse(
      req,
      res,
      { logger, mode, audience, viewer, csrfToken: viewer && audience === 'page' ? csrf.token(req, res) : '' },
      {
        status: 403,
        heading: 'Admins only',
        detail: 'This part of the console is for admins. Ask an admin if you need access.',
        log: { level: 'info', msg: 'web console refused a non-admin', fields: { userId: viewer?.userId, role: viewer?.role } },
      },
    );
  };
}
