import type { RequestHandler } from 'express';
import type { Logger } from '../../observability/logger';

/** Slack's rule: a request whose timestamp is more than five minutes from now, either way, is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/**
 * Refuses requests dated outside Slack's window before any work (before the body is even read).
 * Bolt checks only the past side: a correctly signed request dated in the future would be accepted,
 * so a captured request could be replayed for as long as its date lies ahead. The signature itself
 * stays Bolt's job.
 */
export function requestWindow(logger: Logger, now: () => number = Date.now): RequestHandler {
  return (req, res, next) => {
    const header = req.headers['x-slack-request-timestamp'];
    const ts = Number(Array.isArray(header) ? header[0] : header);
    if (header !== undefined && Number.isFinite(ts) && Math.abs(now() / 1000 - ts) <= MAX_CLOCK_SKEW_SECONDS) return next();
    if (header === undefined) return next(); // unsigned: Bolt answers 401 for the missing signature
    logger.warn(
      { component: 'slack', skewSeconds: Number.isFinite(ts) ? Math.round(now() / 1000 - ts) : null },
      'refused a Slack request dated outside the five-minute window',
    );
    res.status(401).json({ error: 'request timestamp outside the five-minute window' });
  };
}
