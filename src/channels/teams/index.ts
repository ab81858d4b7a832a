import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Activity,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type ResourceResponse,
  TurnContext,
} from 'botbuilder';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { ConversationService } from '../../core/conversation-service';
import type { IdentityService } from '../../core/identity-service';
import type { InteractionService } from '../../core/interaction-service';
import type { LearningLoop } from '../../core/learning';
import { AppError } from '../../errors';
import type { JobContext, JobHandlers, JobQueue } from '../../jobs/job-queue';
import { collectConsole } from '../../observability/console';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import { checkActivity } from './activity';
import { isAuthenticationError, RouteAdapter, validateAndFixActivity } from './adapter';
import { APOLOGY, LearningAssistantBot } from './bot';

export { APOLOGY, LearningAssistantBot, replyActivity, UNKNOWN_BUTTON } from './bot';
export * as teamsCards from './cards';
export { CSV_DECLINED, REPORT_NOT_DELIVERED, REPORT_SENT_PRIVATELY, renderChart } from './learning';

export const TEAMS_ROUTE = '/api/messages';

/** turnState key marking a proactive turn run by a queue worker */
const WORKER_TURN = Symbol('workerTurn');

export interface TeamsChannelOptions {
  /** false: do not start workers in this process (accept only; another instance answers) */
  runWorkers?: boolean;
  /** how long TeamsInfo.getMember results are reused (default 10 minutes) */
  memberCacheMs?: number;
  /** give up on TeamsInfo.getMember after this long (default 3 000 ms) */
  memberLookupTimeoutMs?: number;
  /** JSON body size limit for the route (default '1mb') */
  bodyLimit?: string;
  /** streamed answers in personal chats: at least intervalMs (default 1 000) between two updates, no chunks after maxMs (default 100 000); enabled: false turns streaming off */
  streaming?: { intervalMs?: number; maxMs?: number; enabled?: boolean };
}

export interface TeamsChannelDeps {
  config: Pick<Config, 'MICROSOFT_APP_ID' | 'MICROSOFT_APP_PASSWORD' | 'MICROSOFT_APP_TYPE' | 'MICROSOFT_APP_TENANT_ID' | 'NODE_ENV'> &
    Partial<Pick<Config, 'TEAMS_ALLOW_UNAUTHENTICATED'>>;
  conversation: ConversationService;
  interactions: InteractionService;
  identities: IdentityService;
  /** progress, reports, quizzes and the dashboard (App.learning) */
  learning: LearningLoop;
  /** the durable queue: the turn accepts into it, workers (started by start()) answer from it */
  queue: JobQueue;
  metrics?: Metrics;
  logger: Logger;
  options?: TeamsChannelOptions;
}

export interface TeamsChannel {
  /** Serves POST /api/messages (its own JSON parser: the server has none). */
  mount(app: Express): void;
  /** Starts this process's workers for the Teams queue. */
  start(): Promise<void>;
  /** whether inbound requests are authenticated (false only in local development without MICROSOFT_APP_ID) */
  readonly authenticated: boolean;
}

/**
 * Microsoft Teams over the Bot Framework: CloudAdapter with ConfigurationBotFrameworkAuthentication.
 * Without MICROSOFT_APP_ID it runs unauthenticated for the Bot Framework Emulator (refused in production).
 */
export function createTeamsChannel(deps: TeamsChannelDeps): TeamsChannel | null {
  const { config, logger } = deps;
  const log = logger.child({ channel: 'teams' });
  const appId = config.MICROSOFT_APP_ID;
  checkCredentials(config);
  if (!appId) {
    if (!config.TEAMS_ALLOW_UNAUTHENTICATED) {
      log.info(
        { route: TEAMS_ROUTE },
        'Teams is off: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD to turn it on (docs/teams-setup.md), or TEAMS_ALLOW_UNAUTHENTICATED=true to try it locally with Microsoft 365 Agents Playground (docs/teams-playground.md)',
      );
      return null;
    }
    log.warn(
      { route: TEAMS_ROUTE },
      'Teams endpoint is running WITHOUT authentication (TEAMS_ALLOW_UNAUTHENTICATED=true): only for local clients such as Microsoft 365 Agents Playground; replies go only to loopback service URLs and no account is linked by email',
    );
  }

  const authOptions: ConfigurationBotFrameworkAuthenticationOptions = {};
  if (appId) {
    authOptions.MicrosoftAppId = appId;
    authOptions.MicrosoftAppType = config.MICROSOFT_APP_TYPE;
    if (config.MICROSOFT_APP_PASSWORD) authOptions.MicrosoftAppPassword = config.MICROSOFT_APP_PASSWORD;
    if (config.MICROSOFT_APP_TENANT_ID) authOptions.MicrosoftAppTenantId = config.MICROSOFT_APP_TENANT_ID;
  }
  const adapter = new RouteAdapter(new ConfigurationBotFrameworkAuthentication(authOptions));

  // Per request: whether the turn failed to store its delivery (then the answer is 503, and Teams retries).
  const notAccepted = new AsyncLocalStorage<{ failed: boolean }>();
  adapter.onTurnError = async (context, error) => {
    const a = context.activity;
    // A worker's turn: the queue decides (retry when transient, else one apology after the last attempt).
    if (context.turnState.get(WORKER_TURN)) throw error;
    if ((error as { code?: string }).code === 'NOT_ACCEPTED') {
      log.error({ err: error, activity: a?.id, conversation: a?.conversation?.id }, error.message);
      const store = notAccepted.getStore();
      if (store) store.failed = true;
      throw error;
    }
    log.error({ err: error, activity: a?.id, type: a?.type, conversation: a?.conversation?.id }, 'Teams turn failed');
    try {
      if (a?.type === 'invoke') await context.sendActivity({ type: 'invokeResponse', value: { status: 500 } });
      // No apology for events nobody typed (installs, updates): there is nobody waiting for an answer.
      if (a?.type === 'message' || a?.type === 'invoke') await context.sendActivity(APOLOGY);
    } catch (err) {
      log.error({ err, activity: a?.id }, 'could not send the apology either');
    }
  };

  const accept = async (activityId: string, activity: Partial<Activity>) => {
    try {
      return await deps.queue.accept('teams', activityId, activity);
    } catch (err) {
      deps.metrics?.acceptFailures.inc({ channel: 'teams' });
      throw new AppError(
        'NOT_ACCEPTED',
        'Could not store the Teams delivery (database or queue unreachable): answering 503 so that Teams retries.',
        { cause: err },
      );
    }
  };
  const bot = new LearningAssistantBot({
    conversation: deps.conversation,
    interactions: deps.interactions,
    identities: deps.identities,
    learning: deps.learning,
    logger,
    accept,
    authenticated: Boolean(appId),
    memberCacheMs: deps.options?.memberCacheMs ?? 10 * 60_000,
    memberLookupTimeoutMs: deps.options?.memberLookupTimeoutMs ?? 3_000,
    streaming: deps.options?.streaming,
  });

  /**
   * Runs `work` in a proactive turn whose activity is the accepted message, so replies go to its
   * conversation (replyToId = the message) with the app's credentials (none in local mode). Returns
   * the id `work` returns (the answer it posted), else the id of the last activity sent through botbuilder.
   */
  const inProactiveTurn = async (
    stored: Partial<Activity>,
    work: (ctx: TurnContext) => Promise<string | undefined>,
  ): Promise<string | undefined> => {
    let lastId: string | undefined;
    const reference = TurnContext.getConversationReference(stored);
    await adapter.continueConversationAsync(appId ?? '', reference, async (ctx) => {
      // The continuation activity is an event of its own: make it the message we accepted.
      Object.assign(ctx.activity, stored);
      ctx.turnState.set(WORKER_TURN, true);
      ctx.onSendActivities(async (_ctx, _activities, next) => {
        const responses: ResourceResponse[] = await next();
        const id = responses?.filter(Boolean).at(-1)?.id;
        if (id) lastId = id;
        return responses;
      });
      const posted = await work(ctx);
      if (posted) lastId = posted;
    });
    return lastId;
  };
  const handlers: JobHandlers<Partial<Activity>> = {
    isValid: (data): data is Partial<Activity> => {
      const a = data as Partial<Activity> | null;
      return (
        !!a &&
        typeof a === 'object' &&
        a.type === 'message' &&
        typeof a.id === 'string' &&
        typeof a.serviceUrl === 'string' &&
        typeof a.conversation?.id === 'string' &&
        typeof a.from?.id === 'string'
      );
    },
    run: async (stored, ctx: JobContext) => {
      if (await ctx.recordedReply()) {
        log.info({ jobId: ctx.jobId, activity: stored.id }, 'an earlier attempt already posted the reply: nothing to do');
        return;
      }
      const replyId = await inProactiveTurn(stored, (turn) => bot.answerAccepted(turn));
      deps.metrics?.answers.inc({ channel: 'teams', outcome: 'answered' });
      await ctx.recordReply(replyId ?? 'posted');
    },
    giveUp: async (stored) => {
      await inProactiveTurn(stored, async (turn) => {
        await turn.sendActivity(APOLOGY);
        return undefined;
      });
    },
  };

  const parseJson = express.json({ limit: deps.options?.bodyLimit ?? '1mb' });

  const handle = async (req: Request, res: Response): Promise<void> => {
    const check = checkActivity(req.body);
    if (!check.ok) {
      log.warn({ reason: check.reason, contentType: req.headers['content-type'] }, 'rejected a request to /api/messages');
      res.status(400).json({ error: { code: 'BadRequest', message: check.reason } });
      return;
    }
    // Unauthenticated, the caller chooses where the bot sends replies and member lookups: only to this
    // machine (Agents Playground, an emulator), never to an address someone made up (SSRF).
    if (!appId && !isLoopbackUrl((req.body as { serviceUrl?: unknown }).serviceUrl)) {
      log.warn(
        { serviceUrl: String((req.body as { serviceUrl?: unknown }).serviceUrl).slice(0, 200) },
        'refused an unauthenticated activity whose serviceUrl is not on this machine',
      );
      res.status(403).json({
        error: { code: 'Forbidden', message: 'Without MICROSOFT_APP_ID only loopback service URLs (a local client) are accepted.' },
      });
      return;
    }
    const state = { failed: false };
    const authHeader = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    // What botbuilder's token validation prints goes into this request's one log line.
    const {
      value: invokeResponse,
      error,
      printed,
    } = await collectConsole(() =>
      notAccepted.run(state, () =>
        adapter.runActivity(authHeader, validateAndFixActivity(req.body as Activity), (context) => bot.run(context)),
      ),
    );
    const details = printed.length ? { printed } : {};
    if (!error) {
      if (printed.length) log.debug(details, 'botbuilder printed during a turn');
      res.status(invokeResponse?.status ?? 200);
      if (invokeResponse?.body !== undefined) res.json(invokeResponse.body);
      else res.end();
    } else if (isAuthenticationError(error)) {
      log.warn(
        { status: 401, reason: error.message, activity: (req.body as { id?: unknown }).id, ...details },
        'refused a Teams request that failed authentication',
      );
      res.status(401).json({ error: { code: 'Unauthorized', message: 'The request is not authenticated for this bot.' } });
    } else if (state.failed) {
      // Logged by onTurnError; a delivery we could not store is a 503: Teams retries later.
      res.status(503).json({ error: { code: 'ServiceUnavailable', message: 'The message could not be stored; retry later.' } });
    } else {
      log.error({ err: error, activity: (req.body as { id?: unknown }).id, ...details }, 'the Teams turn failed');
      res.status(500).json({ error: { code: 'InternalError', message: 'The bot could not process this activity.' } });
    }
  };

  return {
    authenticated: Boolean(appId),
    mount(app: Express) {
      app.post(
        TEAMS_ROUTE,
        (req: Request, res: Response, next: NextFunction) => {
          parseJson(req, res, (err?: unknown) => {
            if (!err) return next();
            const e = err as { status?: number; type?: string; message?: string };
            const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 400;
            log.warn({ status, type: e.type }, 'unreadable body on /api/messages');
            res
              .status(status)
              .json({ error: { code: 'BadRequest', message: status === 413 ? 'The body is too large.' : 'The body is not valid JSON.' } });
          });
        },
        handle,
      );
    },
    start: async () => {
      if (deps.options?.runWorkers !== false) await deps.queue.work('teams', handlers);
    },
  };
}

/** http(s) URLs whose host is this machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Configuration that cannot work is refused at start-up, with the variable to set. */
function checkCredentials(config: TeamsChannelDeps['config']): void {
  const appId = config.MICROSOFT_APP_ID;
  if (!appId) {
    if (config.NODE_ENV === 'production' && config.TEAMS_ALLOW_UNAUTHENTICATED) {
      throw new AppError(
        'CONFIG_INVALID',
        'TEAMS_ALLOW_UNAUTHENTICATED=true is refused when NODE_ENV=production: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (see docs/teams-setup.md), or unset TEAMS_ALLOW_UNAUTHENTICATED.',
      );
    }
    return;
  }
  // The same rules botbuilder asserts on first use (ConfigurationServiceClientCredentialFactory), said up front.
  const type = config.MICROSOFT_APP_TYPE;
  if (type === 'UserAssignedMSI' && config.MICROSOFT_APP_PASSWORD) {
    throw new AppError(
      'CONFIG_INVALID',
      'MICROSOFT_APP_TYPE is UserAssignedMSI, which authenticates with the managed identity: unset MICROSOFT_APP_PASSWORD.',
    );
  }
  if (type !== 'UserAssignedMSI' && !config.MICROSOFT_APP_PASSWORD) {
    throw new AppError(
      'CONFIG_INVALID',
      `MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not, so the bot could not send replies: set MICROSOFT_APP_PASSWORD to the app registration's client secret (see docs/teams-setup.md).`,
    );
  }
  if (type !== 'MultiTenant' && !config.MICROSOFT_APP_TENANT_ID) {
    throw new AppError(
      'CONFIG_INVALID',
      `MICROSOFT_APP_TYPE is ${type} but MICROSOFT_APP_TENANT_ID is not set: set it to the tenant (directory) id of the app registration.`,
    );
  }
}
