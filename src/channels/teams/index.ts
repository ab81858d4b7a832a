import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../../config';
import type { ConversationService } from '../../core/conversation-service';
import { AppError } from '../../core/errors';
import type { IdentityService } from '../../core/identity-service';
import type { InteractionService } from '../../core/interaction-service';
import type { LearningLoop } from '../../core/learning';
import type { Logger } from '../../observability/logger';
import { checkActivity } from './activity';
import { APOLOGY, LearningAssistantBot } from './bot';

export { LearningAssistantBot, replyActivity, APOLOGY, WORKING_ON_IT, UNKNOWN_BUTTON } from './bot';
export { CSV_DECLINED, REPORT_NOT_DELIVERED, REPORT_SENT_PRIVATELY, renderChart } from './learning';
export * as teamsCards from './cards';

export const TEAMS_ROUTE = '/api/messages';

export interface TeamsChannelOptions {
  /** answers slower than this get "Working on it…" and follow proactively (default 10 000 ms; Teams retries after 15 s) */
  slowAnswerMs?: number;
  /** how long TeamsInfo.getMember results are reused (default 10 minutes) */
  memberCacheMs?: number;
  /** give up on TeamsInfo.getMember after this long (default 3 000 ms) */
  memberLookupTimeoutMs?: number;
  /** JSON body size limit for the route (default '1mb') */
  bodyLimit?: string;
}

export interface TeamsChannelDeps {
  config: Pick<Config, 'MICROSOFT_APP_ID' | 'MICROSOFT_APP_PASSWORD' | 'MICROSOFT_APP_TYPE' | 'MICROSOFT_APP_TENANT_ID' | 'NODE_ENV'>;
  conversation: ConversationService;
  interactions: InteractionService;
  identities: IdentityService;
  /** progress, reports, quizzes and the dashboard (App.learning) */
  learning: LearningLoop;
  logger: Logger;
  options?: TeamsChannelOptions;
}

export interface TeamsChannel {
  /** Serves POST /api/messages (its own JSON parser: the server has none). */
  mount(app: Express): void;
  /** Waits for answers still being delivered proactively (call before closing the database). */
  drain(): Promise<void>;
  /** whether inbound requests are authenticated (false only in local development without MICROSOFT_APP_ID) */
  readonly authenticated: boolean;
}

/**
 * Microsoft Teams over the Bot Framework: CloudAdapter with ConfigurationBotFrameworkAuthentication.
 * Without MICROSOFT_APP_ID it runs unauthenticated for the Bot Framework Emulator (refused in production).
 */
export function createTeamsChannel(deps: TeamsChannelDeps): TeamsChannel {
  const { config, logger } = deps;
  const log = logger.child({ channel: 'teams' });
  const appId = config.MICROSOFT_APP_ID;
  checkCredentials(config);
  if (!appId) {
    log.warn({ route: TEAMS_ROUTE }, 'Teams endpoint is running WITHOUT authentication because MICROSOFT_APP_ID is not set: anyone who can reach it can talk to the bot (fine for the Bot Framework Emulator, never for a deployment)');
  }

  const authOptions: ConfigurationBotFrameworkAuthenticationOptions = {};
  if (appId) {
    authOptions.MicrosoftAppId = appId;
    authOptions.MicrosoftAppType = config.MICROSOFT_APP_TYPE;
    if (config.MICROSOFT_APP_PASSWORD) authOptions.MicrosoftAppPassword = config.MICROSOFT_APP_PASSWORD;
    if (config.MICROSOFT_APP_TENANT_ID) authOptions.MicrosoftAppTenantId = config.MICROSOFT_APP_TENANT_ID;
  }
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication(authOptions));

  adapter.onTurnError = async (context, error) => {
    const a = context.activity;
    log.error({ err: error, activity: a?.id, type: a?.type, conversation: a?.conversation?.id }, 'Teams turn failed');
    try {
      if (a?.type === 'invoke') await context.sendActivity({ type: 'invokeResponse', value: { status: 500 } });
      // No apology for events nobody typed (installs, updates): there is nobody waiting for an answer.
      if (a?.type === 'message' || a?.type === 'invoke') await context.sendActivity(APOLOGY);
    } catch (err) {
      log.error({ err, activity: a?.id }, 'could not send the apology either');
    }
  };

  const bot = new LearningAssistantBot({
    conversation: deps.conversation,
    interactions: deps.interactions,
    identities: deps.identities,
    learning: deps.learning,
    logger,
    // With no app id (Emulator) the claims identity is anonymous and replies go out without a token.
    sendProactive: (reference, activity) => adapter.continueConversationAsync(appId ?? '', reference, async (ctx) => {
      // The continuation turn has an id of its own, which botbuilder would use as replyToId: reply to the
      // original message instead, so the answer lands where the question was (POST .../activities/{id}).
      ctx.onSendActivities(async (_ctx, activities, next) => {
        if (reference.activityId) for (const a of activities) a.replyToId = reference.activityId;
        return next();
      });
      await ctx.sendActivity(activity);
    }),
    slowAnswerMs: deps.options?.slowAnswerMs ?? 10_000,
    memberCacheMs: deps.options?.memberCacheMs ?? 10 * 60_000,
    memberLookupTimeoutMs: deps.options?.memberLookupTimeoutMs ?? 3_000,
  });

  const parseJson = express.json({ limit: deps.options?.bodyLimit ?? '1mb' });

  const handle = async (req: Request, res: Response): Promise<void> => {
    const check = checkActivity(req.body);
    if (!check.ok) {
      log.warn({ reason: check.reason, contentType: req.headers['content-type'] }, 'rejected a request to /api/messages');
      res.status(400).json({ error: { code: 'BadRequest', message: check.reason } });
      return;
    }
    try {
      // botbuilder's Request/Response are structural subsets of express's
      await adapter.process(req, res, (context) => bot.run(context));
    } catch (err) {
      log.error({ err }, 'adapter.process failed');
      if (!res.headersSent) res.status(500).json({ error: { code: 'InternalError', message: 'The bot could not process this activity.' } });
    }
  };

  return {
    authenticated: Boolean(appId),
    mount(app: Express) {
      app.post(TEAMS_ROUTE, (req: Request, res: Response, next: NextFunction) => {
        parseJson(req, res, (err?: unknown) => {
          if (!err) return next();
          const e = err as { status?: number; type?: string; message?: string };
          const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 400;
          log.warn({ status, type: e.type }, 'unreadable body on /api/messages');
          res.status(status).json({ error: { code: 'BadRequest', message: status === 413 ? 'The body is too large.' : 'The body is not valid JSON.' } });
        });
      }, handle);
    },
    drain: () => bot.drain(),
  };
}

/** Configuration that cannot work is refused at start-up, with the variable to set. */
function checkCredentials(config: TeamsChannelDeps['config']): void {
  const appId = config.MICROSOFT_APP_ID;
  if (!appId) {
    if (config.NODE_ENV === 'production') {
      throw new AppError('CONFIG_INVALID', 'MICROSOFT_APP_ID is not set, so the Teams endpoint would accept unauthenticated requests: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (see docs/teams-setup.md), or TEAMS_ENABLED=false to run without Teams.');
    }
    return;
  }
  // The same rules botbuilder asserts on first use (ConfigurationServiceClientCredentialFactory), said up front.
  const type = config.MICROSOFT_APP_TYPE;
  if (type === 'UserAssignedMSI' && config.MICROSOFT_APP_PASSWORD) {
    throw new AppError('CONFIG_INVALID', 'MICROSOFT_APP_TYPE is UserAssignedMSI, which authenticates with the managed identity: unset MICROSOFT_APP_PASSWORD.');
  }
  if (type !== 'UserAssignedMSI' && !config.MICROSOFT_APP_PASSWORD) {
    throw new AppError('CONFIG_INVALID', `MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not, so the bot could not send replies: set MICROSOFT_APP_PASSWORD to the app registration's client secret (see docs/teams-setup.md).`);
  }
  if (type !== 'MultiTenant' && !config.MICROSOFT_APP_TENANT_ID) {
    throw new AppError('CONFIG_INVALID', `MICROSOFT_APP_TYPE is ${type} but MICROSOFT_APP_TENANT_ID is not set: set it to the tenant (directory) id of the app registration.`);
  }
}
