import {
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type FileConsentCardResponse,
  type InvokeResponse,
  TeamsActivityHandler,
  type TurnContext,
} from 'botbuilder';
import type { ConversationService } from '../../core/conversation-service';
import type { IdentityService } from '../../core/identity-service';
import type { InteractionService } from '../../core/interaction-service';
import { type LearningLoop, type MatchedCommand, matchCommand } from '../../core/learning';
import { isAppError } from '../../errors';
import type { Logger } from '../../observability/logger';
import {
  type ConversationKind,
  conversationKind,
  mentionsBot,
  questionText,
  splitConversationId,
  tenantOf,
  toIncomingMessage,
} from './activity';
import { answerActivity } from './answer-message';
import { attachment, buildWelcomeCard, type CardActionData, parseCardAction } from './cards';
import { CSV_DECLINED, parseCsvContext, REPORT_NOT_DELIVERED, REPORT_SENT_PRIVATELY, type Reply, TeamsLearning } from './learning';
import { sendPrivately } from './private-chat';
import { TeamsAnswerStream } from './streaming';
import { TeamsPeople } from './teams-people';
import { isCardSubmit, messageResponse, replyActivity, send, storedActivity } from './turn-activity';

export { APOLOGY } from '../../core/messages';
export { withDeadline } from './teams-people';
// The bot's public surface stays importable from here.
export { replyActivity, storedActivity } from './turn-activity';
export const UNKNOWN_BUTTON = "Sorry, I didn't recognise that button. Ask me your question again and use the buttons on the new answer.";

export interface LearningBotDeps {
  conversation: ConversationService;
  interactions: InteractionService;
  identities: IdentityService;
  /** progress, reports, quizzes, dashboard */
  learning: LearningLoop;
  logger: Logger;
  /**
   * Stores a message's activity id and its job in one transaction ('duplicate': accepted before).
   * Throws an AppError NOT_ACCEPTED when it cannot: Teams must then get a 5xx and deliver it again.
   */
  accept(activityId: string, activity: Partial<Activity>): Promise<'accepted' | 'duplicate'>;
  /** requests are authenticated (an app id): member lookups then reach the real Bot Connector, and their emails may link accounts */
  authenticated: boolean;
  /** how long a TeamsInfo.getMember result is reused */
  memberCacheMs: number;
  /** give up on TeamsInfo.getMember after this long and use the activity's from.name */
  memberLookupTimeoutMs: number;
  /** streamed answers in personal chats: at least intervalMs between two updates, no chunks after maxMs (default 1 s, 100 s) */
  streaming?: { intervalMs?: number; maxMs?: number; enabled?: boolean };
}

/** A Teams feedback-loop click: `message/submitAction` with actionName "feedback". */
interface FeedbackSubmit {
  reaction: 'like' | 'dislike';
  comment: string | null;
}

/**
 * The Teams behaviour (constructor-injected, in the style of BotBuilder-Samples 57.teams-conversation-bot):
 * personal messages are questions; in channels and group chats only @mentions are. Every answer is an
 * Adaptive Card; card buttons come back as message activities with a `value` (Action.Submit) or as
 * `adaptiveCard/action` invokes (Action.Execute). Messages are accepted into the durable queue (their
 * activity id is the de-duplication key) and answered once by a worker in any instance; invokes, whose
 * answer is the HTTP response, are handled in the turn.
 */
export class LearningAssistantBot extends TeamsActivityHandler {
  private readonly people: TeamsPeople;
  private readonly learning: TeamsLearning;
  /** personal chats with a stream open in this process (Teams allows one per chat) */
  private readonly streamingChats = new Set<string>();

  constructor(private readonly deps: LearningBotDeps) {
    super();
    this.people = new TeamsPeople(deps);
    this.learning = new TeamsLearning({ learning: deps.learning, logger: deps.logger });

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });

    // Installed in a personal chat, a team or a group chat: Teams sends a conversationUpdate adding the bot
    // (the Emulator does too) and an installationUpdate; whichever comes first welcomes, once.
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient.id;
      if ((context.activity.membersAdded ?? []).some((m) => m.id === botId)) await this.welcome(context);
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.welcome(context);
      await next();
    });
  }

  // ---------------------------------------------------------------- messages

  /**
   * The inbound turn: decide whether the message is for us, then accept it (its activity id and its
   * job in one transaction) and show typing. The answer comes from a worker (answerAccepted), so the
   * HTTP response, and Teams' redelivery decision, never waits for the model.
   */
  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const log = this.turnLog(activity);
    const isSubmit = isCardSubmit(activity);
    if (!isSubmit) {
      const kind = conversationKind(activity);
      if (kind !== 'personal' && !mentionsBot(activity)) {
        log.debug({ kind }, 'channel message without a mention of the bot: ignored');
        return;
      }
    }
    if ((await this.deps.accept(activity.id!, storedActivity(activity))) === 'duplicate') {
      log.info({}, 'delivery already accepted (a Teams retry or another instance): not answering again');
      return;
    }
    // ShowTypingMiddleware waits 500 ms before its first typing activity: send one now.
    if (!isSubmit) await context.sendActivity({ type: 'typing' }).catch((err) => log.warn({ err }, 'could not send the typing indicator'));
  }

  /**
   * The worker side, in a proactive turn whose activity is the accepted message: a card button's
   * Action.Submit, a learning command, or a question. Posts into the same conversation, replying to the
   * message. Errors propagate to the queue (retried when transient, else an apology).
   */
  async answerAccepted(context: TurnContext): Promise<string | undefined> {
    const activity = context.activity;
    const log = this.turnLog(activity);
    if (isCardSubmit(activity)) {
      await this.handleSubmit(context, activity.value, log);
      return undefined;
    }
    const kind = conversationKind(activity);
    const text = questionText(activity);
    // The learning-loop commands, matched the same way as on Slack; anything else is a question.
    const command = matchCommand(text);
    if (command) {
      await this.runCommand(context, command, kind, log);
      return undefined;
    }
    const profile = await this.people.profileFor(context, log);
    const chat = activity.conversation!.id;
    // Streamed: questions in a personal chat (an empty message gets the help card, which is no stream's final).
    const streamed = kind === 'personal' && text.trim() !== '' && this.deps.streaming?.enabled !== false && !this.streamingChats.has(chat);
    const stream = new TeamsAnswerStream(context, {
      intervalMs: this.deps.streaming?.intervalMs ?? 1_000,
      maxMs: this.deps.streaming?.maxMs ?? 100_000,
      log,
    });
    if (streamed) {
      this.streamingChats.add(chat);
      await stream.start();
    }
    try {
      const reply = await this.deps.conversation.handle(toIncomingMessage(activity, text, profile), streamed ? stream : {});
      // A retry after a crash finds the turn already logged (duplicate) and posts the stored answer.
      const message = reply.kind === 'answer' ? answerActivity(reply, kind) : replyActivity(reply, kind === 'personal');
      // Not sendActivity: botbuilder's serializer would strip the AI label, the citations and the streaminfo.
      const id = await stream.finish(message);
      if (id && reply.chatMessageId && reply.kind === 'answer') {
        // Feedback from Teams' own 👍/👎 names this reply: remember which turn it carried. Not fatal: the
        // answer is out, and failing the job now would post it again.
        try {
          await this.deps.interactions.recordReplyActivity(reply.chatMessageId, id);
        } catch (err) {
          log.warn({ err, chatMessageId: reply.chatMessageId }, 'could not remember the reply id: feedback on it will be refused');
        }
      }
      return id;
    } finally {
      if (streamed) this.streamingChats.delete(chat);
    }
  }

  private async runCommand(context: TurnContext, command: MatchedCommand, kind: ConversationKind, log: Logger): Promise<void> {
    log.info({ command: command.id, kind }, 'learning command');
    if (command.id === 'help') {
      await context.sendActivity({ attachments: [attachment(buildWelcomeCard({ personal: kind === 'personal' }))] });
      return;
    }
    const userId = await this.people.userOf(context, log);
    if (command.id !== 'report') {
      await send(context, await this.learning.command(command, userId));
      return;
    }
    const target = await this.people.reportTarget(context, command.target, log);
    if ('error' in target) {
      await context.sendActivity(target.error);
      return;
    }
    const replies = await this.learning.report(userId, target, log, { targetName: 'name' in target ? target.name : undefined });
    if (kind === 'personal') {
      await send(context, replies);
      return;
    }
    // Other people's progress is not for a channel or group chat (and file-consent cards only work
    // in a personal chat): the report goes to the asker's 1:1 chat with the bot.
    const delivered = await sendPrivately(context, replies, log);
    await context.sendActivity(delivered ? REPORT_SENT_PRIVATELY : REPORT_NOT_DELIVERED);
  }

  // ---------------------------------------------------------------- card buttons

  private async handleSubmit(context: TurnContext, value: unknown, log: Logger): Promise<void> {
    const data = parseCardAction(value);
    if (!data) {
      log.warn(
        { keys: typeof value === 'object' && value ? Object.keys(value).slice(0, 10) : typeof value },
        'card submit with data we do not know',
      );
      await context.sendActivity(UNKNOWN_BUTTON);
      return;
    }
    const outcome = await this.performAction(context, data, log);
    await send(context, typeof outcome === 'string' ? [{ type: 'message', text: outcome }] : outcome);
  }

  /** Action.Execute (`adaptiveCard/action` invoke): same actions, answered in the invoke response. */
  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const log = this.turnLog(context.activity);
    const raw = invokeValue.action?.data ?? {};
    const data = parseCardAction({ action: invokeValue.action?.verb, ...raw });
    if (!data) {
      log.warn({ verb: invokeValue.action?.verb }, 'Action.Execute with data we do not know');
      return { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'Unknown card action.' } };
    }
    if (!(await this.deps.interactions.claimEvent('teams', context.activity.id!))) {
      return messageResponse('Already done.');
    }
    const outcome = await this.performAction(context, data, log);
    if (typeof outcome === 'string') return messageResponse(outcome);
    // Cards cannot ride in a toast: post them, and say so in the toast.
    await send(context, outcome);
    return messageResponse('Done: see my reply.');
  }

  /** "Allow" on the report CSV's file-consent card (personal chat): upload it and post the file card. */
  protected override async handleTeamsFileConsentAccept(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    const log = this.turnLog(context.activity);
    const csv = parseCsvContext(response.context);
    if (!csv) {
      log.warn({}, 'file consent for a file we did not offer');
      await context.sendActivity(UNKNOWN_BUTTON);
      return;
    }
    if (!(await this.deps.interactions.claimEvent('teams', context.activity.id!))) return;
    await context.sendActivity(await this.learning.uploadReportCsv(await this.people.userOf(context, log), csv, response.uploadInfo, log));
  }

  protected override async handleTeamsFileConsentDecline(context: TurnContext): Promise<void> {
    if (!(await this.deps.interactions.claimEvent('teams', context.activity.id!))) return;
    await context.sendActivity(CSV_DECLINED);
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const { name, value } = context.activity;
    if (name === 'adaptiveCard/action') {
      if (typeof (value as { action?: unknown } | undefined)?.action !== 'object') {
        this.turnLog(context.activity).warn({}, 'adaptiveCard/action invoke without value.action');
        return {
          status: 400,
          body: {
            statusCode: 400,
            type: 'application/vnd.microsoft.error',
            value: { code: 'BadRequest', message: 'value.action is required' },
          },
        };
      }
      return super.onInvokeActivity(context);
    }
    if (name === 'fileConsent/invoke') return super.onInvokeActivity(context);
    if (name === 'message/submitAction') return this.onFeedbackLoop(context);
    // This app declares no message extensions, task modules, config or SSO: nothing else should arrive.
    this.turnLog(context.activity).warn({ name }, 'unsupported invoke: answering 400');
    return { status: 400, body: { error: { code: 'BadRequest', message: `Unsupported invoke '${name ?? ''}'.` } } };
  }

  /**
   * Teams' own 👍/👎 under an answer (channelData.feedbackLoop): stored on the chat message the reply
   * carried, for the person who asked only; anything else is refused and nothing is stored. Answered
   * 200 with an empty body, as Teams expects.
   */
  private async onFeedbackLoop(context: TurnContext): Promise<InvokeResponse> {
    const activity = context.activity;
    const log = this.turnLog(activity);
    const feedback = parseFeedbackSubmit(activity.value);
    if (!feedback || !activity.replyToId) {
      log.warn({ actionName: (activity.value as { actionName?: unknown } | undefined)?.actionName }, 'message/submitAction we do not know');
      return {
        status: 400,
        body: { error: { code: 'BadRequest', message: 'Only feedback (like or dislike) on an answer is supported.' } },
      };
    }
    const userId = await this.people.userOf(context, log);
    const { conversationId } = splitConversationId(activity.conversation.id);
    const chatMessageId = await this.deps.interactions.turnForReply(userId, {
      channel: 'teams',
      conversationId,
      replyActivityId: activity.replyToId,
    });
    if (!chatMessageId) {
      log.info({ userId, replyToId: activity.replyToId }, "feedback refused: not our answer, or not the clicker's");
      return { status: 403, body: { error: { code: 'Forbidden', message: 'Feedback can only be given on your own answers.' } } };
    }
    const value = feedback.reaction === 'like' ? 1 : -1;
    await this.deps.interactions.recordFeedback(userId, chatMessageId, value, feedback.comment);
    log.info({ userId, chatMessageId, value, withComment: feedback.comment !== null }, 'feedback recorded (Teams feedback loop)');
    return { status: 200 };
  }

  /** Runs a button's action as its clicker; returns the confirmation to show, or the replies to post. */
  private async performAction(context: TurnContext, data: CardActionData, log: Logger): Promise<string | Reply[]> {
    const userId = await this.people.userOf(context, log);
    if (data.action !== 'rec_open' && data.action !== 'feedback') return this.learning.action(data, userId, log);
    try {
      if (data.action === 'rec_open') {
        const clicked = await this.deps.interactions.clickRecommendation(userId, data.recommendationId);
        log.info({ userId, recommendationId: data.recommendationId, ...clicked }, 'recommendation opened');
        if (clicked.type === 'content') return 'Enjoy the read! Ask me anything about it.';
        return clicked.started
          ? `Great choice! This ${clicked.type} is now in your learning progress.`
          : `This ${clicked.type} is already in your learning progress. Keep going!`;
      }
      await this.deps.interactions.recordFeedback(userId, data.chatMessageId, data.value);
      log.info({ userId, chatMessageId: data.chatMessageId, value: data.value }, 'feedback recorded');
      return data.value === 1 ? 'Thanks for the feedback! 👍' : 'Thanks for the feedback. I will use it to get better. 👎';
    } catch (err) {
      if (isAppError(err, 'NOT_FOUND')) {
        log.info({ userId, action: data.action }, 'card action refused: not the owner, or gone');
        return err.message;
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- welcome

  private async welcome(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const { conversationId } = splitConversationId(activity.conversation.id);
    // conversationUpdate and installationUpdate both announce an install, and Teams retries: welcome once.
    if (!(await this.deps.interactions.claimEvent('teams', `welcome:${tenantOf(activity)}:${conversationId}`))) return;
    await context.sendActivity({ attachments: [attachment(buildWelcomeCard({ personal: conversationKind(activity) === 'personal' }))] });
    this.turnLog(activity).info({ type: activity.type }, 'welcome card sent');
  }

  private turnLog(activity: Partial<Activity>): Logger {
    return this.deps.logger.child({
      channel: 'teams',
      activity: activity.id,
      type: activity.type,
      conversation: activity.conversation?.id,
    });
  }
}

/**
 * The value of a feedback-loop `message/submitAction`: { actionName: 'feedback', actionValue: { reaction:
 * 'like' | 'dislike', feedback: '{"feedbackText":"..."}' } } (the feedback a JSON string, or an object).
 */
export function parseFeedbackSubmit(value: unknown): FeedbackSubmit | null {
  const v = value as { actionName?: unknown; actionValue?: { reaction?: unknown; feedback?: unknown } } | null | undefined;
  if (!v || typeof v !== 'object' || v.actionName !== 'feedback') return null;
  const reaction = v.actionValue?.reaction;
  if (reaction !== 'like' && reaction !== 'dislike') return null;
  let raw: unknown = v.actionValue?.feedback;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      // a plain string: the comment itself
    }
  }
  const text =
    typeof raw === 'string'
      ? raw
      : raw && typeof raw === 'object'
        ? ((raw as { feedbackText?: unknown; text?: unknown }).feedbackText ?? (raw as { text?: unknown }).text)
        : null;
  const comment = typeof text === 'string' && text.trim() ? text.trim() : null;
  return { reaction, comment };
}
