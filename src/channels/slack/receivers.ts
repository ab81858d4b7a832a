import { type App, type Logger as BoltLogger, ExpressReceiver, type ReceiverEvent, SocketModeReceiver, type webApi } from '@slack/bolt';
import express, { type Request, type Response } from 'express';
import type { Logger } from '../../observability/logger';

export const EVENTS_PATH = '/slack/events';

const VIEW_AND_SHORTCUT_TYPES = new Set([
  'shortcut',
  'message_action',
  'view_submission',
  'view_closed',
  'block_suggestion',
  'dialog_submission',
]);

/**
 * Why Bolt could not route a (signed, parsed) body, or null when it can. Bolt never acknowledges a body
 * it cannot classify: the request would hang for 3 seconds and end in a 404, and a body like `null`
 * makes it throw (500, which Slack retries). Such requests get a 400 at once instead.
 */
export function unroutableReason(body: unknown): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body is not a JSON object';
  const b = body as Record<string, unknown>;
  if ('event' in b) {
    const e = b.event as { type?: unknown } | null;
    return e && typeof e === 'object' && typeof e.type === 'string' ? null : 'an event without a type';
  }
  if (typeof b.command === 'string') return null;
  const user = b.user as { id?: unknown } | null | undefined;
  const hasUser = !!user && typeof user === 'object' && typeof user.id === 'string';
  if (Array.isArray(b.actions) || VIEW_AND_SHORTCUT_TYPES.has(b.type as string) || b.name !== undefined) {
    return hasUser ? null : 'an interaction without a user';
  }
  return 'not an event, command or interaction';
}

/**
 * Bolt's ExpressReceiver on a router the project's express app mounts: Bolt reads the raw body itself,
 * verifies the signature and the 5-minute window (401) and rejects malformed bodies (400). The one
 * addition is the guard above, between Bolt's parsing and its dispatch.
 */
export function createHttpReceiver(opts: {
  signingSecret: string;
  boltLogger: BoltLogger;
  logger: Logger;
  router?: express.Router;
}): ExpressReceiver {
  const { logger } = opts;
  // ExpressReceiver binds this.requestHandler in its constructor, so an override is what the route runs.
  class GuardedExpressReceiver extends ExpressReceiver {
    override async requestHandler(req: Request, res: Response): Promise<void> {
      const body = req.body as Record<string, unknown> | null;
      if (body && typeof body === 'object' && body.type === 'app_rate_limited') {
        logger.warn(
          { component: 'slack', minuteRateLimited: body.minute_rate_limited },
          'Slack is rate-limiting event deliveries to this app (over 30,000 events an hour)',
        );
        res.status(200).end();
        return;
      }
      const reason = unroutableReason(body);
      if (reason) {
        logger.warn(
          { component: 'slack', reason, retryNum: req.headers['x-slack-retry-num'] },
          'signed Slack request with a payload Bolt cannot route: 400',
        );
        res.status(400).end();
        return;
      }
      return super.requestHandler(req, res);
    }
  }
  return new GuardedExpressReceiver({
    signingSecret: opts.signingSecret,
    endpoints: EVENTS_PATH,
    router: opts.router ?? express.Router(),
    logger: opts.boltLogger,
    // true: the response goes out when the listeners have finished, i.e. once the delivery's job is
    // stored (accepted means persisted). Listeners only store a job, so this stays far under 3 s.
    processBeforeResponse: true,
    // Slack's events, commands and interactions are small (a message is at most 40,000 characters)
    bodyLimit: 1024 * 1024,
  });
}

export function createSocketReceiver(opts: {
  appToken: string;
  boltLogger: BoltLogger;
  clientOptions: webApi.WebClientOptions;
}): SocketModeReceiver {
  /**
   * Socket Mode acknowledges over the WebSocket as soon as ack() is called, and Bolt calls it for
   * events before any listener runs. Accepted means persisted here too: the ack is held until the
   * listeners have returned (the job is stored), and never sent when they failed, so Slack redelivers.
   */
  class DeferredAckSocketModeReceiver extends SocketModeReceiver {
    override init(app: App): void {
      const deferring = {
        processEvent: async (event: ReceiverEvent) => {
          let acked: { response?: unknown } | undefined;
          await app.processEvent({
            ...event,
            ack: async (response?: unknown) => {
              acked = { response };
            },
          });
          if (acked) await event.ack(acked.response as never);
        },
      };
      super.init(deferring as unknown as App);
    }
  }
  return new DeferredAckSocketModeReceiver({
    appToken: opts.appToken,
    logger: opts.boltLogger,
    // apps.connections.open goes through this client: SLACK_API_URL applies to it as well.
    installerOptions: { clientOptions: opts.clientOptions },
  });
}
