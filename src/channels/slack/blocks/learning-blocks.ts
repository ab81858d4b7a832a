/**
 * Block Kit for the learning loop (report, progress, quiz, recommendations, dashboard, help). Pure:
 * they take what the core services return and build messages / the Home view. Every message stays
 * within Slack's limits: ≤ 50 blocks, ≤ 3,000 characters per text, ≤ 75 per button / option label.
 */
import type { types } from '@slack/bolt';
import {
  type CatalogItem,
  type ItemType,
  LEARNING_COMMANDS,
  type PercentInput,
  type PersonalDashboard,
  type ProgressItem,
  type ProgressReport,
  type QuizResult,
  SLACK_SLASH_COMMANDS,
  type StartQuizResult,
  slashCommandFor,
} from '../../../core/learning';
import type { RecommendationCard } from '../../../core/messages';
import { type Block, capBlocks, cardBlock, MAX_BLOCKS, MAX_CARDS, oneLine, type SlackMessage, section } from './answer-blocks';
import { escapeMrkdwn, SECTION_TEXT_LIMIT, truncate } from './mrkdwn';

export const ACTION_PROGRESS_SET = 'progress_set';
/** Slack wants action ids unique within a block: the 2nd, 3rd… progress button of a block get ":1", ":2"… */
export const PROGRESS_SET_PATTERN = /^progress_set(?::\d+)?$/;
export const ACTION_QUIZ_SUBMIT = 'quiz_submit';
export const ACTION_QUIZ_CHOICE = 'quiz_choice';
/** block_id of a quiz question's radio buttons: `quiz_q:<question id>` */
export const QUIZ_BLOCK_PREFIX = 'quiz_q:';

/** Slash commands of the Slack app, by the learning command each runs (from the core's one definition). */
export const SLACK_COMMANDS = {
  learn: slashCommandFor('learn'),
  report: slashCommandFor('report'),
  progress: slashCommandFor('progress'),
  quiz: slashCommandFor('quiz'),
  recommend: slashCommandFor('recommend'),
  dashboard: slashCommandFor('dashboard'),
} as const;

const BUTTON_TEXT_LIMIT = 75;
const OPTION_TEXT_LIMIT = 75;
const HEADER_LIMIT = 150;
const FIELD_LIMIT = 2000;
const MAX_FIELDS = 10;
const HALF = 50;

/** The value of a progress_set button. */
export interface ProgressSetValue {
  itemType: ItemType;
  itemId: string;
  percent: PercentInput;
}

// ---------------------------------------------------------------------------------------------- helpers

export function progressBar(percent: number, width = 10): string {
  const p = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
  const filled = Math.round((p / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}
export const pct = (n: number): string => `${Math.round(n * 10) / 10}%`;
const esc = (s: string) => escapeMrkdwn(oneLine(s));
const header = (text: string): Block => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(oneLine(text), HEADER_LIMIT), emoji: true },
});
const context = (text: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SECTION_TEXT_LIMIT) }] });
const plain = (text: string, limit = BUTTON_TEXT_LIMIT) => ({
  type: 'plain_text' as const,
  text: truncate(oneLine(text), limit),
  emoji: true,
});
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const itemLabel = (type: string) => (({ skill: 'Skill', course: 'Course', content: 'Reading' }) as Record<string, string>)[type] ?? type;

function ago(date: Date | null, now: Date): string {
  if (!date) return 'never';
  const days = Math.floor((now.getTime() - new Date(date).getTime()) / 86_400_000);
  if (days < 1) return 'today';
  if (days < 2) return 'yesterday';
  if (days < 31) return `${days} days ago`;
  return new Date(date).toISOString().slice(0, 10);
}

function progressButton(label: string, value: ProgressSetValue, index: number, primary = false): types.Button {
  return {
    type: 'button',
    action_id: index === 0 ? ACTION_PROGRESS_SET : `${ACTION_PROGRESS_SET}:${index}`,
    text: plain(label),
    value: JSON.stringify(value),
    ...(primary ? { style: 'primary' as const } : {}),
  };
}

// ---------------------------------------------------------------------------------------------- report

export interface ReportMessageOptions {
  /** a refusal's sentence shown above the (own) report */
  note?: string;
  /** where the chart and CSV went, e.g. "I sent the chart and the CSV to our DM…" */
  filesNote?: string;
}

/**
 * A progress report: title, the totals as fields, one section per person (name, courses, skills,
 * progress bar, last activity) as many as fit in 50 blocks, then "… and N more in the CSV".
 */
export function reportMessage(report: ProgressReport, opts: ReportMessageOptions = {}): SlackMessage {
  const title = report.scope === 'department' ? `Learning report: ${report.title}` : `Learning progress: ${report.title}`;
  const head: Block[] = [header(title)];
  if (opts.note) head.push(section(escapeMrkdwn(opts.note)));
  const t = report.totals;
  const fields =
    report.scope === 'department'
      ? [
          `*People*\n${t.people}`,
          `*Average progress*\n${pct(t.averageProgress)}`,
          `*Courses completed*\n${t.coursesCompleted}`,
          `*Skills completed*\n${t.skillsCompleted}`,
          `*Active in the last 7 days*\n${t.activeLast7Days}`,
        ]
      : personFields(report);
  head.push({
    type: 'section',
    fields: fields.slice(0, MAX_FIELDS).map((f) => ({ type: 'mrkdwn' as const, text: truncate(f, FIELD_LIMIT) })),
  });
  head.push(
    context(
      `Generated ${report.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · as ${esc(report.viewer.name)} (${report.viewer.role})`,
    ),
  );

  const tail: Block[] = [];
  if (opts.filesNote) tail.push(context(escapeMrkdwn(opts.filesNote)));

  const rows: Block[] = [];
  if (report.scope === 'department') {
    if (!report.rows.length) rows.push(section('_No one in this department yet._'));
    // room for: head, divider, rows, an optional "and N more" line, tail
    const room = MAX_BLOCKS - head.length - 1 - tail.length;
    const fitAll = report.rows.length <= room;
    const shown = fitAll ? report.rows : report.rows.slice(0, room - 1);
    for (const r of shown) {
      rows.push(
        section(
          `*${esc(r.name)}*  ${progressBar(r.overallProgress)} ${pct(r.overallProgress)}\n` +
            `Courses ${r.coursesCompleted}/${r.coursesTotal} · Skills ${r.skillsCompleted}/${r.skillsTotal} · Last active ${ago(r.lastActivity, report.generatedAt)}`,
        ),
      );
    }
    if (!fitAll) rows.push(context(`… and ${report.rows.length - shown.length} more in the CSV.`));
  }
  const blocks = [...head, ...(rows.length ? [{ type: 'divider' } as Block, ...rows] : []), ...tail];
  return { text: truncate(`${title}${opts.note ? ` — ${opts.note}` : ''}`, SECTION_TEXT_LIMIT), blocks: capBlocks(blocks) };
}

function personFields(report: ProgressReport): string[] {
  const r = report.rows[0];
  if (!r) return ['*Overall progress*\n0%'];
  return [
    `*Overall progress*\n${progressBar(r.overallProgress)} ${pct(r.overallProgress)}`,
    `*Courses completed*\n${r.coursesCompleted} of ${r.coursesTotal}`,
    `*Skills completed*\n${r.skillsCompleted} of ${r.skillsTotal}`,
    `*Last active*\n${ago(r.lastActivity, report.generatedAt)}`,
  ];
}

/** "learning-report-sales-2025-01-31" (no extension). */
export function reportFileBase(report: ProgressReport): string {
  const slug =
    report.title
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'report';
  return `learning-report-${slug}-${report.generatedAt.toISOString().slice(0, 10)}`;
}

// ---------------------------------------------------------------------------------------------- progress

export const PROGRESS_HINT = `Record progress with e.g. \`${SLACK_COMMANDS.progress} Python Fundamentals 50%\`, \`${SLACK_COMMANDS.progress} Machine Learning done\` or \`${SLACK_COMMANDS.progress} Leadership start\`.`;

/** The buttons an item gets: Start (not started), 50 % (below half), Completed (until completed). */
export function progressButtons(
  item: Pick<ProgressItem, 'itemType' | 'itemId' | 'percent' | 'completed' | 'status'>,
): Array<{ label: string; percent: PercentInput }> {
  const out: Array<{ label: string; percent: PercentInput }> = [];
  if (item.completed) return out;
  if (item.status === 'not_started') out.push({ label: 'Start', percent: 'start' });
  if (item.percent < HALF) out.push({ label: '50 %', percent: HALF });
  out.push({ label: 'Completed', percent: 'complete' });
  return out;
}

/** The person's skills and courses: a text bar per item and its buttons; as many as fit. */
export function progressMessage(items: ProgressItem[]): SlackMessage {
  const counts = { in_progress: 0, not_started: 0, completed: 0 };
  for (const i of items) counts[i.status]++;
  const head: Block[] = [header('Your learning progress')];
  if (!items.length) {
    head.push(section(`Nothing yet. Start a recommended course or skill (try \`${SLACK_COMMANDS.recommend}\`), or record one yourself.`));
    head.push(context(PROGRESS_HINT));
    return { text: 'Your learning progress: nothing yet.', blocks: head };
  }
  head.push(context(`${counts.in_progress} in progress · ${counts.completed} completed · ${counts.not_started} not started`));
  const tail: Block[] = [context(PROGRESS_HINT)];
  const body: Block[] = [];
  let room = MAX_BLOCKS - head.length - tail.length - 1; // keep one for "and N more"
  let shown = 0;
  for (const item of items) {
    const buttons = progressButtons(item);
    const need = buttons.length ? 2 : 1;
    if (need > room) break;
    const status = item.completed ? ':white_check_mark: Completed' : item.status === 'not_started' ? 'Not started' : 'In progress';
    body.push({
      type: 'section',
      block_id: truncate(`progress:${item.itemType}:${item.itemId}`, 255),
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${esc(item.title)}* · ${itemLabel(item.itemType)}\n\`${progressBar(item.percent)}\` ${pct(item.percent)} · ${status}`,
          SECTION_TEXT_LIMIT,
        ),
      },
    });
    if (buttons.length) {
      body.push({
        type: 'actions',
        elements: buttons.map((b, i) =>
          progressButton(b.label, { itemType: item.itemType, itemId: item.itemId, percent: b.percent }, i, b.percent === 'complete'),
        ),
      });
    }
    room -= need;
    shown++;
  }
  if (shown < items.length) body.push(context(`… and ${items.length - shown} more.`));
  return {
    text: `Your learning progress: ${counts.in_progress} in progress, ${counts.completed} completed.`,
    blocks: capBlocks([...head, ...body, ...tail]),
  };
}

/** "Which one do you mean?" / "Did you mean …?": one button per option, carrying the percentage asked for. */
export function progressChoicesMessage(text: string, options: CatalogItem[], percent: PercentInput): SlackMessage {
  const buttons = options
    .slice(0, 25)
    .map((o, i) => progressButton(`${o.title} (${o.type})`, { itemType: o.type, itemId: o.id, percent }, i));
  return {
    text: truncate(text, SECTION_TEXT_LIMIT),
    blocks: [
      section(escapeMrkdwn(text)),
      ...(buttons.length ? [{ type: 'actions', block_id: 'progress_choices', elements: buttons } as Block] : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------- quiz

type StartedQuiz = Extract<StartQuizResult, { kind: 'started' }>;

/**
 * The quiz as a message: one section per question with radio buttons (block_id quiz_q:<id>, read back
 * from state.values on submit) and a Submit button (quiz_submit, value = attempt id). No answer key.
 */
export function quizMessage(q: StartedQuiz): SlackMessage {
  const info = q.quiz;
  const meta = [
    plural(info.questionCount, 'question', 'questions'),
    `pass at ${pct(info.passingScore)}`,
    info.timeLimitMinutes ? `${info.timeLimitMinutes} min` : 'no time limit',
    q.expiresAt
      ? `submit by <!date^${Math.floor(q.expiresAt.getTime() / 1000)}^{time}|${q.expiresAt.toISOString().slice(11, 16)} UTC>`
      : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const head: Block[] = [header(info.title)];
  if (q.note) head.push(section(escapeMrkdwn(q.note)));
  if (q.resumed) head.push(context('You already had this quiz open, so here it is again (same time limit).'));
  if (info.description) head.push(section(escapeMrkdwn(info.description)));
  head.push(context(meta));
  const submit: Block = {
    type: 'actions',
    block_id: 'quiz_submit',
    elements: [{ type: 'button', action_id: ACTION_QUIZ_SUBMIT, text: plain('Submit answers'), style: 'primary', value: q.attemptId }],
  };
  const room = MAX_BLOCKS - head.length - 1;
  const questions: Block[] = q.questions.slice(0, room).map((question, n) => ({
    type: 'section',
    block_id: truncate(`${QUIZ_BLOCK_PREFIX}${question.id}`, 255),
    text: { type: 'mrkdwn', text: truncate(`*${n + 1}. ${escapeMrkdwn(question.text)}*`, SECTION_TEXT_LIMIT) },
    accessory: {
      type: 'radio_buttons',
      action_id: ACTION_QUIZ_CHOICE,
      options: question.choices.slice(0, 10).map((c) => ({ text: plain(c.text, OPTION_TEXT_LIMIT), value: c.id })),
    },
  }));
  return { text: `Quiz: ${info.title} (${plural(info.questionCount, 'question', 'questions')})`, blocks: [...head, ...questions, submit] };
}

/** Reads the chosen option of every quiz question from a block_actions payload's state.values. */
export function quizAnswersFromState(values: unknown): Record<string, string> {
  const answers: Record<string, string> = {};
  if (!values || typeof values !== 'object') return answers;
  for (const [blockId, actions] of Object.entries(
    values as Record<string, Record<string, { selected_option?: { value?: unknown } | null }>>,
  )) {
    if (!blockId.startsWith(QUIZ_BLOCK_PREFIX) || !actions || typeof actions !== 'object') continue;
    const chosen = actions[ACTION_QUIZ_CHOICE]?.selected_option?.value;
    if (typeof chosen === 'string') answers[blockId.slice(QUIZ_BLOCK_PREFIX.length)] = chosen;
  }
  return answers;
}

/** The result: score, passed / late, what was missed (right answer and why), and what to study next. */
export function quizResultMessage(r: QuizResult, opts: { note?: string } = {}): SlackMessage {
  const verdict = r.late ? ':hourglass: Late: recorded, but not a pass' : r.passed ? 'Passed :white_check_mark:' : 'Not passed yet';
  const head: Block[] = [header(`Quiz result: ${r.title}`)];
  if (opts.note) head.push(section(escapeMrkdwn(opts.note)));
  head.push(section(`*${pct(r.score)}* · ${r.correctCount} of ${r.questionCount} right · ${verdict}`));
  head.push(section(escapeMrkdwn(r.message)));
  const tail: Block[] = [];
  if (r.recommendation) {
    tail.push(context('*Study next*'));
    tail.push(cardBlock(r.recommendation));
  }
  const wrong = r.questions.filter((q) => !q.correct);
  const missed: Block[] = [];
  if (wrong.length) {
    missed.push({ type: 'divider' }, context('*What you missed*'));
    const room = MAX_BLOCKS - head.length - tail.length - missed.length - 1;
    for (const q of wrong.slice(0, room)) {
      const lines = [`*${escapeMrkdwn(oneLine(q.text))}*`, `Your answer: ${q.chosen ? escapeMrkdwn(oneLine(q.chosen.text)) : '_none_'}`];
      if (q.rightAnswer) lines.push(`Right answer: ${escapeMrkdwn(oneLine(q.rightAnswer.text))}`);
      if (q.explanation) lines.push(`_${escapeMrkdwn(oneLine(q.explanation))}_`);
      missed.push(section(lines.join('\n')));
    }
    if (wrong.length > room) missed.push(context(`… and ${wrong.length - room} more.`));
  }
  return { text: truncate(r.message, SECTION_TEXT_LIMIT), blocks: capBlocks([...head, ...missed, ...tail]) };
}

// ---------------------------------------------------------------------------------------------- recommendations, dashboard

export function recommendationsMessage(cards: RecommendationCard[]): SlackMessage {
  if (!cards.length) {
    const text =
      "I have nothing new to recommend right now: you've started or completed everything I know. Ask me a question to explore further.";
    return { text, blocks: [section(text)] };
  }
  return {
    text: `Recommended for you: ${cards.map((c) => oneLine(c.title)).join(', ')}`,
    blocks: [header('Recommended for you'), ...cards.slice(0, MAX_CARDS).map(cardBlock)],
  };
}

/** The dashboard's blocks (shared by /dashboard and the App Home tab). */
export function dashboardBlocks(d: PersonalDashboard, maxBlocks = MAX_BLOCKS): Block[] {
  const t = d.totals;
  const blocks: Block[] = [header('Your learning dashboard')];
  blocks.push({
    type: 'section',
    fields: [
      `*Overall progress*\n\`${progressBar(t.overallProgress)}\` ${pct(t.overallProgress)}`,
      `*In progress*\n${t.inProgress}`,
      `*Skills completed*\n${t.skillsCompleted} of ${t.skillsTotal}`,
      `*Courses completed*\n${t.coursesCompleted} of ${t.coursesTotal}`,
      `*Quizzes passed*\n${t.quizzesPassed} of ${t.quizzesTaken}${t.averageQuizScore === null ? '' : ` (average ${pct(t.averageQuizScore)})`}`,
      `*Updates in the last 7 days*\n${t.progressUpdates7d}`,
    ].map((text) => ({ type: 'mrkdwn' as const, text })),
  });

  blocks.push({ type: 'divider' }, section('*Progress*'));
  if (!d.progress.length) blocks.push(context(`Nothing yet: try \`${SLACK_COMMANDS.recommend}\`.`));
  const progressLines = d.progress
    .slice(0, 10)
    .map((p) => `\`${progressBar(p.percent)}\` ${pct(p.percent)}  *${esc(p.title)}* · ${itemLabel(p.itemType)}`);
  if (progressLines.length)
    blocks.push(
      section(
        progressLines.join('\n') +
          (d.progress.length > 10 ? `\n… and ${d.progress.length - 10} more (\`${SLACK_COMMANDS.progress}\`)` : ''),
      ),
    );

  blocks.push({ type: 'divider' }, section('*Recent quiz results*'));
  if (!d.recentQuizzes.length) blocks.push(context(`No quizzes yet: try \`${SLACK_COMMANDS.quiz}\`.`));
  else {
    blocks.push(
      section(
        d.recentQuizzes
          .map(
            (q) =>
              `*${esc(q.title)}* · ${pct(q.score)} · ${q.late ? 'late' : q.passed ? 'passed :white_check_mark:' : 'not passed'} · ${ago(q.completedAt, d.generatedAt)}`,
          )
          .join('\n'),
      ),
    );
  }

  blocks.push({ type: 'divider' }, section('*Recent recommendations*'));
  if (!d.recentRecommendations.length) blocks.push(context(`None yet: try \`${SLACK_COMMANDS.recommend}\`.`));
  for (const r of d.recentRecommendations) {
    if (r.available && r.type !== 'content' && !r.clicked) {
      blocks.push(
        cardBlock({
          id: r.id,
          type: r.type,
          itemId: r.itemId,
          title: r.title,
          reason: r.reason ?? '',
          score: r.score,
        } as RecommendationCard),
      );
    } else {
      blocks.push(
        section(`*${esc(r.title)}* · ${itemLabel(r.type)}${r.clicked ? ' · opened' : ''}${r.reason ? `\n${esc(r.reason)}` : ''}`),
      );
    }
  }
  return capBlocks(blocks, maxBlocks);
}

export function dashboardMessage(d: PersonalDashboard): SlackMessage {
  return { text: `Your learning dashboard: ${pct(d.totals.overallProgress)} overall progress`, blocks: dashboardBlocks(d) };
}

/** The App Home tab: the dashboard, then the commands. */
export function dashboardHomeView(d: PersonalDashboard): types.HomeView {
  const help = helpBlocks();
  return { type: 'home', blocks: [...dashboardBlocks(d, MAX_BLOCKS - help.length - 1), { type: 'divider' }, ...help] };
}

// ---------------------------------------------------------------------------------------------- help

/** Slack spelling of a command: an alias (/report) becomes the command the manifest registers (/learning-report). */
export function slackUsage(s: string): string {
  for (const c of SLACK_SLASH_COMMANDS) {
    for (const alias of c.aliases ?? []) {
      if (s === alias || s.startsWith(`${alias} `)) return c.command + s.slice(alias.length);
    }
  }
  return s;
}

/** One line per command with an example (the core's list, Slack spelling). */
export function slackHelpLines(): string[] {
  return LEARNING_COMMANDS.map((c) => `*${c.title}*: ${escapeMrkdwn(c.description)} e.g. \`${escapeMrkdwn(slackUsage(c.slack.example))}\``);
}

function helpBlocks(): Block[] {
  return [
    section("*Here's what I can do*"),
    section(
      slackHelpLines()
        .map((l) => `• ${l}`)
        .join('\n'),
    ),
  ];
}

export function helpMessage(): SlackMessage {
  return {
    text: "Hi! I'm your learning assistant. Here's what I can do.",
    blocks: [
      section("Hi! I'm your learning assistant. Here's what I can do:"),
      section(
        slackHelpLines()
          .map((l) => `• ${l}`)
          .join('\n'),
      ),
    ],
  };
}
