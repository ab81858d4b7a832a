// The learning loop on Teams: runs a matched command or a card button against the core's services
// and turns what they return into activities (the card builders in ./cards are pure; this is where
// the chart is rendered and the CSV uploaded).
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import type { LearningLoop, MatchedCommand, PercentInput, ProgressReport, ReportTarget, UpdateProgressResult } from '../../core/learning';
import type { Logger } from '../../observability/logger';
import { chartSize, renderProgressChart } from '../../render/report-chart';
import { reportCsv } from '../../render/report-csv';
import {
  attachment,
  buildDashboardCard,
  buildProgressCard,
  buildProgressChoicesCard,
  buildQuizCard,
  buildQuizResultCard,
  buildRecommendationsCard,
  buildReportCard,
  type CardActionData,
  fileConsentCard,
  fileInfoCard,
  inlineImage,
  MAX_INLINE_IMAGE_BYTES,
  MAX_INLINE_IMAGE_PIXELS,
  pngDataUri,
  type ReportCsvContext,
  reportFileName,
} from './cards';

export type Reply = Partial<Activity>;

export const REPORT_SENT_PRIVATELY = 'Reports show people’s learning progress, so I sent yours to our 1:1 chat.';
export const REPORT_NOT_DELIVERED =
  "Reports show people's learning progress, so I only send them in our 1:1 chat, and I couldn't open one with you: add me for yourself (Apps → Learning Assistant → Add) and ask me there.";
export const CSV_DECLINED = 'OK, no CSV file this time. Ask for the report again whenever you want it.';

const message = (text: string): Reply => ({ type: 'message', text });
const cardMessage = (content: Parameters<typeof attachment>[0]): Reply => ({ type: 'message', attachments: [attachment(content)] });

export interface TeamsLearningDeps {
  learning: LearningLoop;
  logger: Logger;
  /** for the CSV upload to the person's OneDrive (default: global fetch) */
  fetch?: typeof fetch;
  /** give up on the OneDrive upload after this long (default 30 s) */
  uploadTimeoutMs?: number;
}

/** The context Teams hands back from a file-consent card: only what we put there is accepted. */
const csvContextSchema = z.object({
  kind: z.literal('report_csv'),
  department: z.string().max(200).optional(),
  userId: z.string().max(320).optional(),
});

export function parseCsvContext(value: unknown): ReportCsvContext | null {
  const parsed = csvContextSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export class TeamsLearning {
  constructor(private readonly deps: TeamsLearningDeps) {}

  /** A command other than help and report (which need the conversation): the replies to post, in order. */
  async command(cmd: MatchedCommand, userId: string): Promise<Reply[]> {
    const { learning } = this.deps;
    switch (cmd.id) {
      case 'progress':
        return [cardMessage(buildProgressCard(await learning.progress.listProgress(userId)))];
      case 'progress_update':
        return [
          progressReply(await learning.progress.updateProgress(userId, { itemQuery: cmd.itemQuery, percent: cmd.percent }), cmd.percent),
        ];
      case 'quiz':
        return this.startQuiz(userId, cmd.topic ?? undefined);
      case 'recommend':
        return [cardMessage(buildRecommendationsCard(await learning.dashboard.freshRecommendations(userId)))];
      case 'dashboard':
        return [cardMessage(buildDashboardCard(await learning.dashboard.personalDashboard(userId)))];
      default:
        throw new Error(`the ${cmd.id} command needs the conversation: the bot handles it`);
    }
  }

  /**
   * The report for `target` as seen by the viewer (row-level security decides what they may see):
   * the card, the chart when it did not fit in the card, and the CSV as a file-consent card. Meant for
   * a personal chat (file-consent cards only work there). A refusal that falls back to the viewer's own
   * progress shows it under the refusal.
   */
  async report(viewerId: string, target: ReportTarget, log: Logger, opts: { targetName?: string } = {}): Promise<Reply[]> {
    const result = await this.deps.learning.reports.buildProgressReport(viewerId, target);
    if (result.kind === 'refusal') {
      log.info({ reason: result.reason }, 'report refused');
      // The core names the target as given: for an @mention that is a users.id, so say the name instead.
      if (opts.targetName && target.userId) result.message = result.message.split(`“${target.userId}”`).join(`“${opts.targetName}”`);
      if (!result.own) return [message(result.message)];
      return this.reportReplies(result.own, { kind: 'report_csv', userId: result.own.viewer.userId }, result.message);
    }
    return this.reportReplies(
      result,
      {
        kind: 'report_csv',
        ...(target.department ? { department: target.department } : {}),
        ...(target.userId ? { userId: target.userId } : {}),
      },
      undefined,
    );
  }

  private reportReplies(report: ProgressReport, csvContext: ReportCsvContext, note: string | undefined): Reply[] {
    const chart = report.rows.length ? renderChart(report) : null;
    const built = buildReportCard(report, { note, chartDataUri: chart ? pngDataUri(chart) : undefined, csv: 'file' });
    const replies: Reply[] = [{ type: 'message', summary: `Learning report: ${report.title}`, attachments: [attachment(built.card)] }];
    if (chart && !built.chartEmbedded) {
      replies.push({
        type: 'message',
        text: `Chart: ${report.title}`,
        attachments: [inlineImage(chart, reportFileName(report.title, report.generatedAt).replace(/\.csv$/, '.png'))],
      });
    }
    const csv = csvBytes(report);
    const name = reportFileName(report.title, report.generatedAt);
    replies.push({
      type: 'message',
      attachments: [fileConsentCard(name, `Learning report: ${report.title}, one row per person (CSV)`, csv.length, csvContext)],
    });
    return replies;
  }

  /** A card button of the learning loop (rec_open and feedback are the bot's own). */
  async action(data: Exclude<CardActionData, { action: 'rec_open' | 'feedback' }>, userId: string, log: Logger): Promise<Reply[]> {
    const { learning } = this.deps;
    switch (data.action) {
      case 'progress_set': {
        const result = await learning.progress.updateProgress(userId, {
          itemId: data.itemId,
          itemType: data.itemType,
          percent: data.percent,
        });
        log.info({ userId, itemId: data.itemId, kind: result.kind }, 'progress button');
        return [progressReply(result, data.percent)];
      }
      case 'quiz_start':
        return this.startQuiz(userId, undefined, data.assessmentId);
      case 'quiz_submit': {
        const r = await learning.quizzes.submitQuiz(userId, data.attemptId, data.answers);
        log.info(
          {
            userId,
            attemptId: data.attemptId,
            kind: r.kind,
            ...(r.kind === 'scored' ? { score: r.result.score, late: r.result.late } : {}),
          },
          'quiz submitted',
        );
        if (r.kind === 'scored') return [cardMessage(buildQuizResultCard(r.result))];
        if (r.kind === 'already_submitted') return [cardMessage(buildQuizResultCard(r.result, { note: r.message }))];
        return [message(r.message)];
      }
    }
  }

  private async startQuiz(userId: string, topic?: string, assessmentId?: string): Promise<Reply[]> {
    const r = await this.deps.learning.quizzes.startQuiz(userId, topic, assessmentId ? { assessmentId } : {});
    if (r.kind !== 'started') return [message(r.message)];
    return [cardMessage(buildQuizCard(r))];
  }

  /**
   * After "Allow" on the CSV's file-consent card: the report is built again, as the person who
   * clicked (so it says what they may see now), and PUT into the upload session Teams opened in
   * their OneDrive; the reply is the file card.
   */
  async uploadReportCsv(
    userId: string,
    context: ReportCsvContext,
    upload: { uploadUrl?: string; name?: string; contentUrl?: string; uniqueId?: string; fileType?: string } | undefined,
    log: Logger,
  ): Promise<Reply> {
    const uploadUrl = upload?.uploadUrl;
    if (!uploadUrl || !isAllowedUploadUrl(uploadUrl)) {
      log.warn({ hasUrl: Boolean(uploadUrl) }, 'file consent accepted without a usable upload URL');
      return message("Teams didn't give me a place to save the file. Ask for the report again and choose Allow.");
    }
    const { department, userId: person } = context;
    const result = await this.deps.learning.reports.buildProgressReport(userId, { department, userId: person });
    const report = result.kind === 'report' ? result : result.own;
    if (!report) return message(result.kind === 'refusal' ? result.message : 'That report is no longer available.');
    const body = csvBytes(report);
    const res = await (this.deps.fetch ?? fetch)(uploadUrl, {
      method: 'PUT',
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': String(body.length),
        'content-range': `bytes 0-${body.length - 1}/${body.length}`,
      },
      body,
      signal: AbortSignal.timeout(this.deps.uploadTimeoutMs ?? 30_000),
    });
    if (!res.ok) {
      log.error({ status: res.status }, 'uploading the report CSV to OneDrive failed');
      return message("Sorry, I couldn't save the CSV to your OneDrive. Ask for the report again in a minute.");
    }
    log.info({ userId, bytes: body.length, rows: report.rows.length }, 'report CSV uploaded');
    return {
      type: 'message',
      text: `Saved **${upload?.name ?? 'the report'}** to your OneDrive.`,
      attachments: [fileInfoCard(upload ?? {})],
    };
  }
}

/** A UTF-8 byte order mark first, so Excel reads names with accents right. */
function csvBytes(report: ProgressReport): Buffer {
  return Buffer.from(`\ufeff${reportCsv(report)}`, 'utf8');
}

function progressReply(result: UpdateProgressResult, percent: PercentInput): Reply {
  switch (result.kind) {
    case 'updated':
    case 'invalid_percent':
      return message(result.message);
    case 'ambiguous':
      return cardMessage(buildProgressChoicesCard(result.message, result.options, percent));
    case 'not_found':
      return result.suggestions.length
        ? cardMessage(buildProgressChoicesCard(result.message, result.suggestions, percent))
        : message(result.message);
  }
}

/**
 * The chart as an inline picture Teams accepts: at most 1024 px high (so at most ~41 bars) and
 * MAX_INLINE_IMAGE_BYTES; a large department gets its top people ("top N of M" in the title; the
 * card and the CSV have the rest).
 */
export function renderChart(report: ProgressReport): Buffer {
  const total = report.rows.length;
  let bars = total;
  while (bars > 1 && chartSize(limitRows(report, bars)).height > MAX_INLINE_IMAGE_PIXELS) bars--;
  for (;;) {
    const png = renderProgressChart(limitRows(report, bars));
    if (png.length <= MAX_INLINE_IMAGE_BYTES || bars <= 1) return png;
    bars = Math.max(1, Math.min(bars - 1, Math.floor((bars * MAX_INLINE_IMAGE_BYTES * 0.9) / png.length)));
  }
}

function limitRows(report: ProgressReport, bars: number): ProgressReport {
  if (bars >= report.rows.length) return report;
  return { ...report, title: `${report.title} (top ${bars} of ${report.rows.length})`, rows: report.rows.slice(0, bars) };
}

/** OneDrive upload sessions are https; plain http only to this machine (the tests' fake). */
function isAllowedUploadUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}
