import type { Request, Response } from 'express';
import type { Logger } from '../../../observability/logger';
import { renderMessage } from '../render';
import type { Viewer } from '../viewer';
import type { AccessMode } from '../web-access';

/** Whether the refusal goes to a person (an HTML page) or to the console's scripts (JSON). */
export type Audience = 'page' | 'api';

export interface Refusal {
  status: number;
  heading: string;
  detail: string;
  /** the one log line for this refusal (never token or cookie values) */
  log: { level: 'info' | 'warn'; msg: string; fields?: Record<string, unknown> };
}

/**
 * Answers a refused request once and logs it once: a short page saying what happened and what to do, or
 * `{ error }` JSON for the console's fetch calls. `viewer` and `csrfToken` keep the nav (sign out) usable.
 */
export function refuse(
  req: Request,
  res: Response,
  ctx: { logger: Logger; mode: AccessMode; audience: Audience; viewer?: Viewer | null; csrfToken?: string },
  r: Refusal,
): void {
  ctx.logger[r.log.level]({ method: req.method, path: req.path, status: r.status, ...r.log.fields }, r.log.msg);
  res.set('cache-control', 'no-store');
  if (ctx.audience === 'api') {
    res.status(r.status).json({ error: `${r.heading}: ${r.detail}` });
    return;
  }
  renderMessage(
    res,
    r.status,
    { title: r.heading, viewer: ctx.viewer ?? null, csrfToken: ctx.csrfToken ?? '', accessMode: ctx.mode },
    r.heading,
    r.detail,
  );
}

/** Pages without a session go to sign-in and come back; scripts get 401 and decide themselves. */
export function toSignIn(req: Request, res: Response, ctx: { logger: Logger; audience: Audience }, log?: Refusal['log']): void {
  if (log) ctx.logger[log.level]({ method: req.method, path: req.path, ...log.fields }, log.msg);
  res.set('cache-control', 'no-store');
  if (ctx.audience === 'api') {
    res.status(401).json({ error: 'Not signed in: sign in at /auth/login and try again.', signIn: '/auth/login' });
    return;
  }
  res.redirect(302, `/auth/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
}
