// The learning loop on Slack: runs a matched command (slash command or DM keyword) or a button against
// the core's services and delivers what they return (the block builders in ./blocks are pure; this is
// where the chart is rendered and the chart and CSV uploaded).
import type { webApi } from '@slack/bolt';
import {
  type LearningLoop,
  type MatchedCommand,
  type PercentInput,
  type ProgressReport,
  parseReportTarget,
  type ReportTarget,
  type UpdateProgressResult,
} from '../../core/learning';
import { AppError } from '../../errors';
import type { Logger } from '../../observability/logger';
import { renderProgressChart } from '../../render/report-chart';
import { reportCsv } from '../../render/report-csv';
import type { SlackMessage } from './blocks/answer-blocks';
import {
  dashboardMessage,
  helpMessage,
  progressChoicesMessage,
  progressMessage,
  quizMessage,
  recommendationsMessage,
  reportFileBase,
  reportMessage,
} from './blocks/learning-blocks';
import { escapeMrkdwn } from './blocks/mrkdwn';
import { noticeMessage } from './blocks/notice-blocks';
import { type SlackDeps, slackErrorCode } from './slack-deps';

export const REPORT_FILES_SENT =
  'Reports show people’s learning progress, so I sent the chart and the CSV to our direct messages (only you can see them there).';
export const REPORT_FILES_FAILED =
  "Reports show people's learning progress, so I only share the chart and CSV in our direct messages, and I couldn't post them there just now. Ask again in a minute.";
export const QUIZ_SENT = 'Your quiz is in our direct messages: answer there and press *Submit answers*.';
export const QUIZ_NOT_DELIVERED =
  "I couldn't open our direct messages to send you the quiz. Open the assistant's *Messages* tab, then try again.";

export const LEARNING_UNAVAILABLE = 'Progress, quizzes and reports are not switched on for this Slack app yet: ask your admin.';

/** The server was started without the learning loop (SlackChannelDeps.learning). */
export class LearningUnavailable extends AppError {
  declare readonly code: 'LEARNING_UNAVAILABLE';

  constructor() {
    super('LEARNING_UNAVAILABLE', LEARNING_UNAVAILABLE);
    this.name = 'LearningUnavailable';
  }
}

/** Who asked, and how to answer them. */
export interface LearningRequest {
  client: webApi.WebClient;
  teamId: string;
  /** the person's Slack user id */
  slackUserId: string;
  /** a reply only they see (ephemeral through the response_url, or a post in the DM) */
  reply(message: SlackMessage): Promise<void>;
  /** the DM with them when the request came from it (else opened with conversations.open) */
  dmChannel?: string;
}

/** The users.id of a Slack user of this workspace (profile from users.info, as for questions). */
export async function slackUserToId(
  deps: Pick<SlackDeps, 'profiles' | 'identities'>,
  client: webApi.WebClient,
  teamId: string,
  slackUserId: string,
): Promise<string> {
  const profile = await deps.profiles.get(client, teamId, slackUserId);
  return deps.identities.resolve({ channel: 'slack', tenantId: teamId, platformUserId: slackUserId, ...(profile ? { profile } : {}) });
}

/** The DM channel with the person (conversations.open; needs im:write). */
export async function openDm(client: webApi.WebClient, slackUserId: string): Promise<string> {
  const res = await client.conversations.open({ users: slackUserId });
  const id = (res.channel as { id?: string } | undefined)?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}

/** `<@U123|name>` / `<@U123>` as the whole report argument: the mentioned Slack user. */
export function mentionedUser(text: string): { id: string; name?: string } | null {
  const m = /^\s*<@([UW][A-Z0-9]+)(?:\|([^>]*))?>\s*$/.exec(text ?? '');
  return m ? { id: m[1], ...(m[2] ? { name: m[2] } : {}) } : null;
}

export class SlackLearning {
  constructor(private readonly deps: SlackDeps) {}

  private get learning(): LearningLoop {
    if (!this.deps.learning) throw new LearningUnavailable();
    return this.deps.learning;
  }

  /** Runs a command for the person; every reply goes through req.reply (and files/quizzes to the DM). */
  async run(cmd: MatchedCommand, req: LearningRequest, log: Logger, opts: { reportText?: string } = {}): Promise<void> {
    if (cmd.id === 'help') return req.reply(helpMessage());
    const userId = await slackUserToId(this.deps, req.client, req.teamId, req.slackUserId);
    switch (cmd.id) {
      case 'progress':
        return req.reply(progressMessage(await this.learning.progress.listProgress(userId)));
      case 'progress_update': {
        const result = await this.learning.progress.updateProgress(userId, { itemQuery: cmd.itemQuery, percent: cmd.percent });
        log.info({ userId, kind: result.kind }, 'progress update');
        return req.reply(progressReply(result, cmd.percent));
      }
      case 'quiz':
        return this.startQuiz(userId, cmd.topic ?? undefined, req, log);
      case 'recommend':
        return req.reply(recommendationsMessage(await this.learning.dashboard.freshRecommendations(userId)));
      case 'dashboard':
        return req.reply(dashboardMessage(await this.learning.dashboard.personalDashboard(userId)));
      case 'report':
        return this.report(userId, opts.reportText ?? '', cmd.target, req, log);
    }
  }

  /** A progress_set button. */
  async setProgress(
    userId: string,
    value: { itemType: 'skill' | 'course'; itemId: string; percent: PercentInput },
    log: Logger,
  ): Promise<SlackMessage> {
    const result = await this.learning.progress.updateProgress(userId, value);
    log.info({ userId, itemId: value.itemId, kind: result.kind }, 'progress button');
    return progressReply(result, value.percent);
  }

  private async startQuiz(userId: string, topic: string | undefined, req: LearningRequest, log: Logger): Promise<void> {
    const r = await this.learning.quizzes.startQuiz(userId, topic);
    if (r.kind !== 'started') return req.reply(noticeMessage(r.message));
    const message = quizMessage(r);
    let channel = req.dmChannel;
    try {
      channel ??= await openDm(req.client, req.slackUserId);
      await req.client.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
    } catch (err) {
      log.warn({ err, slackError: slackErrorCode(err) }, 'could not post the quiz in the DM');
      return req.reply(noticeMessage(QUIZ_NOT_DELIVERED));
    }
    log.info({ userId, attemptId: r.attemptId, assessmentId: r.quiz.assessmentId }, 'quiz started');
    if (!req.dmChannel) await req.reply(noticeMessage(QUIZ_SENT));
  }

  /**
   * A report: the blocks to the person, the chart (PNG) and CSV uploaded to their DM, never to the
   * channel the command came from. `text` is the raw argument: an @mention is resolved to the person.
   */
  private async report(viewerId: string, text: string, parsed: ReportTarget, req: LearningRequest, log: Logger): Promise<void> {
    const mention = mentionedUser(text);
    let target: ReportTarget = parsed;
    if (mention) target = { userId: await slackUserToId(this.deps, req.client, req.teamId, mention.id) };
    else if (text.trim()) target = parseReportTarget(text);

    const result = await this.learning.reports.buildProgressReport(viewerId, target);
    let report: ProgressReport;
    let note: string | undefined;
    if (result.kind === 'refusal') {
      log.info({ reason: result.reason }, 'report refused');
      // the core names the target as given: for an @mention that is a users.id, so say the name instead
      if (mention && target.userId)
        result.message = result.message.split(`“${target.userId}”`).join(`“${mention.name ?? `<@${mention.id}>`}”`);
      if (!result.own) return req.reply(noticeMessage(escapeMrkdwn(result.message)));
      report = result.own;
      note = result.message;
    } else {
      report = result;
    }
    const sent = await this.uploadReportFiles(report, req, log);
    await req.reply(reportMessage(report, { note, filesNote: sent ? REPORT_FILES_SENT : REPORT_FILES_FAILED }));
  }

  private async uploadReportFiles(report: ProgressReport, req: LearningRequest, log: Logger): Promise<boolean> {
    try {
      const channel = req.dmChannel ?? (await openDm(req.client, req.slackUserId));
      const base = reportFileBase(report);
      const fileUploads: Array<{ file: Buffer; filename: string; title: string }> = [];
      if (report.rows.length)
        fileUploads.push({ file: renderProgressChart(report), filename: `${base}.png`, title: `Learning progress chart: ${report.title}` });
      fileUploads.push({
        file: Buffer.from(`\ufeff${reportCsv(report)}`, 'utf8'),
        filename: `${base}.csv`,
        title: `Learning report: ${report.title} (CSV)`,
      });
      await req.client.files.uploadV2({
        channel_id: channel,
        initial_comment: `Learning report: ${report.title}, ${report.generatedAt.toISOString().slice(0, 10)}. It shows people's learning progress: please don't share it beyond those who need it.`,
        file_uploads: fileUploads,
      });
      log.info({ rows: report.rows.length, files: fileUploads.length }, 'report files uploaded to the DM');
      return true;
    } catch (err) {
      log.error({ err, slackError: slackErrorCode(err) }, 'uploading the report files failed');
      return false;
    }
  }
}

export function progressReply(result: UpdateProgressResult, percent: PercentInput): SlackMessage {
  switch (result.kind) {
    case 'updated':
    case 'invalid_percent':
      return noticeMessage(escapeMrkdwn(result.message));
    case 'ambiguous':
      return progressChoicesMessage(result.message, result.options, percent);
    case 'not_found':
      return result.suggestions.length
        ? progressChoicesMessage(result.message, result.suggestions, percent)
        : noticeMessage(escapeMrkdwn(result.message));
  }
}
