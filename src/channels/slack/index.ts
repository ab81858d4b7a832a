import { App, type Authorize, type ExpressReceiver, webApi } from '@slack/bolt';
import express, { type Express } from 'express';
import type { Config } from '../../config';
import type { ConversationService } from '../../core/conversation-service';
import type { IdentityService } from '../../core/identity-service';
import type { InteractionService } from '../../core/interaction-service';
import type { LearningLoop } from '../../core/learning';
import { AppError } from '../../errors';
import type { JobQueue } from '../../jobs/job-queue';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import { AckGate, OPEN_GATE } from './ack-gate';
import { boltLevel, boltLogger } from './bolt-logger';
import { registerListeners } from './listeners';
import { SlackProfileCache } from './profile-cache';
import { createHttpReceiver, createSocketReceiver, EVENTS_PATH } from './receivers';
import { requestWindow } from './request-window';
import { type SlackDeps, slackErrorCode } from './slack-deps';
import { type SlackJob, slackJobHandlers } from './slack-jobs';

export { answerMessage, type SlackMessage } from './blocks/answer-blocks';
export { EVENTS_PATH } from './receivers';

export interface SlackChannelDeps {
  config: Config;
  conversation: ConversationService;
  interactions: InteractionService;
  identities: IdentityService;
  /**
   * The learning loop: /learning-report, /progress, /quiz, /recommend, /dashboard, their buttons and the
   * dashboard on the Home tab. src/index.ts always passes it. Optional only so that callers written before
   * it (bench/slack-ack.ts) still compile; without it those commands say they are not available here.
   */
  learning?: LearningLoop;
  /** the durable queue: listeners accept into it, workers (started by start()) answer from it */
  queue: JobQueue;
  metrics?: Metrics;
  logger: Logger;
}

/** Tuning knobs; the defaults are the production values. */
export interface SlackChannelOptions {
  /** Web API retries (429s wait Retry-After first). Default: 3 retries, 0.25-4 s backoff. */
  retryConfig?: webApi.RetryOptions;
  /** per-request timeout of Web API calls, ms (default 15,000) */
  apiTimeoutMs?: number;
  /** HTTP mode: worker steps wait while Slack requests await their ack (default true; see ack-gate.ts) */
  ackFirst?: boolean;
  /** ... but never longer than this per step (default 200 ms) */
  ackFirstMaxWaitMs?: number;
  /** users.info results are reused this long (default 10 minutes) */
  profileTtlMs?: number;
  /** reaction shown while answering (default hourglass_flowing_sand; '' for none) */
  progressReaction?: string;
  /** stream answers in DMs and channels, with the assistant status in DMs (default true; false: post them whole, ⏳ reaction) */
  streaming?: boolean;
  /** at most one chat.appendStream per this many ms per answer (default 300) */
  streamIntervalMs?: number;
  /** false: do not start workers in this process (accept only; another instance answers) */
  runWorkers?: boolean;
}

export interface SlackChannel {
  readonly mode: 'http' | 'socket';
  /** HTTP mode: adds POST /slack/events to the app (call before listen). Socket Mode: does nothing. */
  mount(app: Express): void;
  /** Checks the bot token (auth.test; a rejected token throws CONFIG_INVALID), starts the workers. Socket Mode: also connects. */
  start(): Promise<void>;
  /** Socket Mode: disconnects. (The workers stop with the queue.) */
  stop(): Promise<void>;
}

export const DEFAULT_RETRY_CONFIG: webApi.RetryOptions = { retries: 3, factor: 2, minTimeout: 250, maxTimeout: 4000, randomize: true };

/** auth.test errors that mean the token itself is wrong (as opposed to Slack being unreachable). */
const BAD_TOKEN = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/**
 * The Slack adapter: Bolt with our listeners, over HTTP on the project's express app (POST /slack/events
 * for events, slash commands and interactivity) or, with SLACK_APP_TOKEN, over Socket Mode.
 * Returns null, after one info line, when SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET is missing.
 */
export function createSlackChannel(deps: SlackChannelDeps, options: SlackChannelOptions = {}): SlackChannel | null {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'slack' });
  const token = config.SLACK_BOT_TOKEN;
  const signingSecret = config.SLACK_SIGNING_SECRET;
  if (!token || !signingSecret) {
    const missing = [!token && 'SLACK_BOT_TOKEN', !signingSecret && 'SLACK_SIGNING_SECRET'].filter(Boolean).join(' and ');
    logger.info(
      { missing },
      `Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on (missing: ${missing}); see docs/slack-setup.md`,
    );
    return null;
  }

  const mode: SlackChannel['mode'] = config.SLACK_APP_TOKEN ? 'socket' : 'http';
  const bolt = boltLogger(logger, boltLevel(config.LOG_LEVEL));
  const clientOptions: webApi.WebClientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: withTrailingSlash(config.SLACK_API_URL) } : {}),
    retryConfig: options.retryConfig ?? DEFAULT_RETRY_CONFIG,
    timeout: options.apiTimeoutMs ?? 15_000,
  };

  // HTTP mode: the gate counts requests on the Slack route before Bolt reads them (see ack-gate.ts).
  const ackGate = mode === 'http' && options.ackFirst !== false ? new AckGate(options.ackFirstMaxWaitMs) : undefined;
  const router = express.Router();
  router.post(EVENTS_PATH, requestWindow(logger));
  if (ackGate) router.use(EVENTS_PATH, ackGate.middleware);
  const httpReceiver: ExpressReceiver | undefined =
    mode === 'http' ? createHttpReceiver({ signingSecret, boltLogger: bolt, logger, router }) : undefined;
  const receiver =
    httpReceiver ?? createSocketReceiver({ appToken: config.SLACK_APP_TOKEN!, boltLogger: bolt, clientOptions: { ...clientOptions } });

  // One auth.test per process, shared by every event (Bolt's own single-token mode would call it in the
  // constructor, unawaited, or on every event). Forgotten on failure, so the next event tries again.
  let identity: Promise<{ botUserId: string; botId?: string; team?: string; user?: string }> | undefined;
  const botIdentity = () => {
    if (!identity) {
      const attempt = app.client.auth.test({ token }).then((r) => {
        if (!r.user_id) throw new Error('auth.test returned no user_id');
        return { botUserId: r.user_id, botId: r.bot_id, team: r.team, user: r.user };
      });
      attempt.catch(() => {
        if (identity === attempt) identity = undefined;
      });
      identity = attempt;
    }
    return identity;
  };
  const authorize: Authorize<boolean> = async () => {
    const { botUserId, botId } = await botIdentity();
    return { botToken: token, botUserId, ...(botId ? { botId } : {}) };
  };

  const app = new App({
    receiver,
    authorize,
    logger: bolt,
    logLevel: boltLevel(config.LOG_LEVEL),
    clientOptions,
    socketMode: mode === 'socket',
    convoStore: false,
    extendedErrorHandler: true,
  });

  const accept = async (key: string, job: SlackJob) => {
    try {
      const result = await deps.queue.accept('slack', key, job);
      if (result === 'duplicate')
        logger.info(
          { key, channel: job.target.channel, ...(job.target.type === 'conversation' ? { ts: job.target.ts } : {}) },
          'delivery already accepted (a Slack retry, or the other event of a mention): nothing to do',
        );
      return result;
    } catch (err) {
      deps.metrics?.acceptFailures.inc({ channel: 'slack' });
      throw new AppError(
        'NOT_ACCEPTED',
        'Could not store the Slack delivery (database or queue unreachable): answering 5xx so that Slack retries.',
        { cause: err },
      );
    }
  };
  const slackDeps: SlackDeps = {
    conversation: deps.conversation,
    interactions: deps.interactions,
    identities: deps.identities,
    ...(deps.learning ? { learning: deps.learning } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    logger,
    profiles: new SlackProfileCache(logger, { ttlMs: options.profileTtlMs }),
    accept,
    ackGate: ackGate ?? OPEN_GATE,
    progressReaction: options.progressReaction ?? 'hourglass_flowing_sand',
    streaming: { enabled: options.streaming !== false, minIntervalMs: options.streamIntervalMs ?? 300 },
  };
  registerListeners(app, slackDeps);

  // The one global handler: whatever a listener or Bolt did not handle ends up here, logged with what it was about.
  app.error(async ({ error, body }: { error: Error; body?: unknown }) => {
    // Not stored: fail the request (HTTP 500, or no Socket Mode ack) so that Slack delivers it again.
    if ((error as { code?: string }).code === 'NOT_ACCEPTED') {
      logger.error({ err: error, ...describeBody(body) }, error.message);
      throw error;
    }
    logger.error(
      { err: error, code: (error as { code?: string }).code, slackError: slackErrorCode(error), ...describeBody(body) },
      'unhandled error in the Slack app',
    );
  });

  let mounted = false;
  let started = false;
  return {
    mode,
    mount(expressApp: Express) {
      if (!httpReceiver) return;
      if (mounted) throw new Error('Slack channel already mounted');
      mounted = true;
      expressApp.use(router);
    },
    async start() {
      if (started) return;
      try {
        const me = await botIdentity();
        logger.info(
          { mode, bot: me.user, botUserId: me.botUserId, team: me.team },
          mode === 'http'
            ? `Slack connected: listening for events, commands and interactivity at POST ${EVENTS_PATH}`
            : 'Slack connected: Socket Mode',
        );
      } catch (err) {
        const code = slackErrorCode(err);
        if (code && BAD_TOKEN.has(code)) {
          throw new AppError(
            'CONFIG_INVALID',
            `Slack rejected SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) from the app's "OAuth & Permissions" page; see docs/slack-setup.md.`,
            { cause: err },
          );
        }
        if (mode === 'socket') throw err;
        // Slack unreachable right now: keep serving; the first event checks the token again.
        logger.warn({ err, slackError: code }, 'could not reach Slack to check the bot token; will retry on the first event');
      }
      // Workers post with the bot token (app.client has none: Bolt passes each listener a client with the token).
      if (options.runWorkers !== false)
        await deps.queue.work('slack', slackJobHandlers(slackDeps, new webApi.WebClient(token, { ...clientOptions, logger: bolt })));
      if (mode === 'socket') await app.start();
      started = true;
    },
    async stop() {
      if (mode === 'socket' && started) await app.stop();
      started = false;
    },
  };
}

/** The WebClient appends method names to the base URL, so it must end with '/'. */
export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Enough of a Slack payload to find the request in the logs, and nothing a person wrote. */
function describeBody(body: unknown): Record<string, unknown> {
  // biome-ignore lint/suspicious/noExplicitAny: any Slack payload shape; only fields that exist are read
  const b = (body ?? {}) as Record<string, any>;
  const event = b.event && typeof b.event === 'object' ? b.event : undefined;
  return {
    type: b.type ?? (b.command ? 'slash_command' : undefined),
    eventType: event?.type,
    eventId: b.event_id,
    channel: event?.channel ?? b.channel?.id ?? b.channel_id,
    ts: event?.ts,
    user: event?.user ?? b.user?.id ?? b.user_id,
    command: b.command,
    actionId: Array.isArray(b.actions) ? b.actions[0]?.action_id : undefined,
  };
}
