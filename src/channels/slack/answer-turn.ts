import type { webApi } from '@slack/bolt';
import type { IncomingMessage } from '../../core/messages';
import type { Logger } from '../../observability/logger';
import { answerMessage, type SlackMessage } from './blocks/answer-blocks';
import { APOLOGY_TEXT, noticeMessage } from './blocks/notice-blocks';
import type { SlackTurn } from './incoming';
import { slackErrorCode, type SlackDeps } from './slack-deps';

export interface AnswerOptions {
  /** answer only if the assistant already answered in `turn.replyThreadTs` (thread replies without a mention) */
  onlyIfThreadAnswered?: boolean;
}

/** The de-duplication key of a message: app_mention and message for one mention, and every retry, share it. */
export const turnKey = (turn: Pick<SlackTurn, 'channel' | 'ts'>) => `${turn.channel}:${turn.ts}`;

/**
 * Answers one Slack message, once. Runs after the ack (Bolt acknowledges events before listeners run).
 *
 * Between its stages it lets pending acks go first (deps.ackGate).
 *
 * 1. thread follow-ups: skip unless the assistant already answered in that thread
 * 2. claim `${channel}:${ts}`: only the first of the retries / of the app_mention+message pair goes on
 * 3. add the progress reaction, look up the person (users.info, cached), ask the core
 * 4. post the blocks (in the thread, or top-level for a top-level DM), remove the reaction
 *
 * Never throws: every failure is logged with the channel and ts, and the person gets a short apology
 * when the core failed.
 */
export async function answerTurn(deps: SlackDeps, client: webApi.WebClient, teamId: string, turn: SlackTurn, opts: AnswerOptions = {}): Promise<void> {
  const key = turnKey(turn);
  const log = deps.logger.child({ component: 'slack', channel: turn.channel, ts: turn.ts });
  let addressedToBot = !opts.onlyIfThreadAnswered;
  try {
    await deps.work.run(async () => {
      await deps.ackGate.quiet();
      if (!addressedToBot) {
        if (!turn.replyThreadTs || !(await deps.conversation.hasAnsweredThread('slack', turn.channel, turn.replyThreadTs))) {
          log.debug({}, 'thread reply in a thread the assistant has not answered: ignored');
          return;
        }
        addressedToBot = true;
      }
      if (!(await deps.interactions.claimEvent('slack', key))) {
        log.debug({}, 'already claimed (a retry, or the other event of a mention): not answering again');
        return;
      }
      await deps.ackGate.quiet();
      const reacted = addReaction(deps, client, turn, log);
      try {
        await answerClaimed(deps, client, teamId, turn, log);
      } finally {
        if (await reacted) await removeReaction(deps, client, turn, log);
      }
    });
  } catch (err) {
    // hasAnsweredThread / claimEvent failed (database down): nothing was posted. Apologise only when
    // the message was meant for the bot, not for every reply in a thread we could not check.
    log.error({ err, addressedToBot }, 'could not start answering a Slack message');
    if (addressedToBot) await post(client, turn, noticeMessage(APOLOGY_TEXT), log, 'apology');
  }
}

async function answerClaimed(deps: SlackDeps, client: webApi.WebClient, teamId: string, turn: SlackTurn, log: Logger): Promise<void> {
  let message: SlackMessage;
  try {
    const profile = await deps.profiles.get(client, teamId, turn.user);
    const incoming: IncomingMessage = {
      channel: 'slack',
      tenantId: teamId,
      platformUserId: turn.user,
      ...(profile ? { profile } : {}),
      conversationId: turn.channel,
      threadId: turn.replyThreadTs,
      messageId: turnKey(turn),
      text: turn.text,
    };
    await deps.ackGate.quiet();
    const reply = await deps.conversation.handle(incoming);
    if (reply.duplicate) {
      log.info({ chatMessageId: reply.chatMessageId }, 'message was already answered: not posting again');
      return;
    }
    message = answerMessage(reply);
  } catch (err) {
    log.error({ err, user: turn.user }, 'the conversation service failed; posting an apology');
    message = noticeMessage(APOLOGY_TEXT);
  }
  await deps.ackGate.quiet();
  await post(client, turn, message, log, 'answer');
}

/** Posts in the turn's thread (or top-level). A failure is logged with channel, ts and Slack's error, never thrown. */
async function post(client: webApi.WebClient, turn: SlackTurn, message: SlackMessage, log: Logger, what: string): Promise<boolean> {
  try {
    await client.chat.postMessage({
      channel: turn.channel,
      ...(turn.replyThreadTs ? { thread_ts: turn.replyThreadTs } : {}),
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    return true;
  } catch (err) {
    log.error({ err, slackError: slackErrorCode(err), threadTs: turn.replyThreadTs, what }, `could not post the ${what} to Slack`);
    return false;
  }
}

/** Starts the progress reaction; resolves to whether there is one to remove later. */
async function addReaction(deps: SlackDeps, client: webApi.WebClient, turn: SlackTurn, log: Logger): Promise<boolean> {
  if (!deps.progressReaction) return false;
  try {
    await client.reactions.add({ channel: turn.channel, timestamp: turn.ts, name: deps.progressReaction });
    return true;
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === 'already_reacted') return true;
    log.warn({ err, slackError: code }, 'could not add the progress reaction (answering anyway)');
    return false;
  }
}

async function removeReaction(deps: SlackDeps, client: webApi.WebClient, turn: SlackTurn, log: Logger): Promise<void> {
  try {
    await client.reactions.remove({ channel: turn.channel, timestamp: turn.ts, name: deps.progressReaction });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code !== 'no_reaction') log.warn({ err, slackError: code }, 'could not remove the progress reaction');
  }
}
