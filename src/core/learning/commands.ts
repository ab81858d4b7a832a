import type { Channel } from '../messages';
import { parseProgressCommand } from './progress-service';
import { cleanQuizTopic } from './quiz-service';
import type { ReportTarget } from './report-service';

export type LearningCommandId = 'help' | 'ask' | 'learn' | 'progress' | 'progress_update' | 'quiz' | 'recommend' | 'dashboard' | 'report';

export interface CommandSpelling {
  /** how to type it, with <placeholders> */
  usage: string;
  /** one concrete example */
  example: string;
}

/** A Slack slash command as manifests/slack/manifest.yml declares it (a test keeps the two equal). */
export interface SlashCommand {
  command: `/${string}`;
  /** the manifest's description (≤ 100 characters) */
  description: string;
  /** the manifest's usage_hint, if any (≤ 100 characters) */
  usageHint?: string;
  /** should_escape: Slack turns @person into <@U…|name> and emails into <mailto:…> */
  shouldEscape: boolean;
  /** further spellings the app also answers (not in the manifest) */
  aliases?: readonly `/${string}`[];
}

export interface LearningCommand {
  id: LearningCommandId;
  /** short label for buttons and lists */
  title: string;
  /** one sentence, plain text */
  description: string;
  /**
   * The first words that make a message (a DM, an @mention, or `/learn <text>`) this command: see
   * matchCommand. The first one is the Teams spelling, listed in the Teams manifest's commandLists.
   */
  keywords?: readonly string[];
  /**
   * Slack: slash commands (work in any channel and answer privately). In a DM with the bot, or when
   * @mentioning it, the Teams spelling (a bare keyword) works too: see matchCommand.
   * `slash` is the slash command this entry declares (one entry per command; others share it).
   */
  slack: CommandSpelling & { slash?: SlashCommand };
  /** Teams: a message to the bot (in a channel: @mention it first). Matches the manifest's commandLists titles. */
  teams: CommandSpelling;
}

/** The one list both channels' help shows, in this order. */
export const LEARNING_COMMANDS: readonly LearningCommand[] = Object.freeze([
  {
    id: 'help',
    title: 'Help',
    description: 'What I can do, with an example of each command.',
    keywords: ['help'],
    slack: { usage: '/learn help', example: '/learn help' },
    teams: { usage: 'help', example: 'help' },
  },
  {
    id: 'ask',
    title: 'Ask a question',
    description: 'Ask anything about your learning content: I answer with numbered sources and suggest what to explore next.',
    slack: { usage: 'DM me, or @mention me in a channel', example: '@Learning Assistant how should I run a retrospective?' },
    teams: { usage: 'message me (in a channel: @mention me)', example: 'How should I run a retrospective?' },
  },
  {
    id: 'learn',
    title: 'Private answer',
    description: 'Ask from any channel and get an answer only you can see.',
    slack: {
      usage: '/learn <question>',
      example: '/learn what is the difference between precision and recall?',
      slash: {
        command: '/learn',
        description: 'Ask the learning assistant a question (only you see the answer)',
        usageHint: '[question]',
        shouldEscape: false,
      },
    },
    teams: { usage: 'message me in our 1:1 chat', example: 'What is the difference between precision and recall?' },
  },
  {
    id: 'progress',
    title: 'My progress',
    description: 'Your skills and courses: what is in progress and what you completed.',
    keywords: ['progress'],
    slack: {
      usage: '/progress',
      example: '/progress',
      slash: {
        command: '/progress',
        description: 'Your learning progress, or record it (e.g. Python Fundamentals 50%)',
        usageHint: '[course or skill] [0-100% | done | start]',
        shouldEscape: false,
      },
    },
    teams: { usage: 'progress', example: 'progress' },
  },
  {
    id: 'progress_update',
    title: 'Update progress',
    description: 'Record how far you are in a course or skill: a percentage, “start” or “done”.',
    keywords: ['progress'],
    slack: { usage: '/progress <course or skill> <0-100>% | done | start', example: '/progress Python Fundamentals 50%' },
    teams: { usage: 'progress <course or skill> <0-100>% | done | start', example: 'progress Machine Learning done' },
  },
  {
    id: 'quiz',
    title: 'Take a quiz',
    description: 'A short timed multiple-choice quiz; passing raises your progress.',
    keywords: ['quiz'],
    slack: {
      usage: '/quiz [topic]',
      example: '/quiz python',
      slash: {
        command: '/quiz',
        description: 'A short multiple-choice quiz, sent to your DM with the assistant',
        usageHint: '[topic]',
        shouldEscape: false,
      },
    },
    teams: { usage: 'quiz [topic]', example: 'quiz project management' },
  },
  {
    id: 'recommend',
    title: 'Recommendations',
    description: 'Skills and courses to explore next, based on your progress.',
    keywords: ['recommend', 'recommendations'],
    slack: {
      usage: '/recommend',
      example: '/recommend',
      slash: { command: '/recommend', description: 'Skills and courses to explore next, based on your progress', shouldEscape: false },
    },
    teams: { usage: 'recommend', example: 'recommend' },
  },
  {
    id: 'dashboard',
    title: 'My dashboard',
    description: 'Your progress, recent quiz results and recommendations in one place.',
    keywords: ['dashboard'],
    slack: {
      usage: '/dashboard',
      example: '/dashboard',
      slash: { command: '/dashboard', description: 'Your progress, recent quiz results and recommendations', shouldEscape: false },
    },
    teams: { usage: 'dashboard', example: 'dashboard' },
  },
  {
    id: 'report',
    title: 'Progress report',
    description: 'Managers: your department’s progress as a chart and CSV; everyone else: your own.',
    keywords: ['report', 'learning-report'],
    slack: {
      usage: '/learning-report [department | @person]',
      example: '/learning-report Sales',
      slash: {
        command: '/learning-report',
        description: 'Learning progress report (managers - your department; everyone - your own)',
        usageHint: '[department | @person]',
        shouldEscape: true,
        aliases: ['/report'],
      },
    },
    teams: { usage: 'report [department | email]', example: 'report Sales' },
  },
] satisfies LearningCommand[]);

/** A slash command of the Slack app, with the learning command it runs. */
export type SlackSlashCommand = SlashCommand & { id: LearningCommandId };

/** The slash commands the Slack app registers, in the definition's order (the manifest declares the same). */
export const SLACK_SLASH_COMMANDS: readonly SlackSlashCommand[] = Object.freeze(
  LEARNING_COMMANDS.flatMap((c) => (c.slack.slash ? [{ ...c.slack.slash, id: c.id }] : [])),
);

/** The learning command a slash command (or one of its aliases) runs, or undefined for one this app does not know. */
export function slashCommandId(command: string): LearningCommandId | undefined {
  return SLACK_SLASH_COMMANDS.find((s) => s.command === command || s.aliases?.includes(command as `/${string}`))?.id;
}

/** The slash command that runs a learning command: slashCommandFor('report') → "/learning-report". */
export function slashCommandFor(id: LearningCommandId): `/${string}` {
  const found = SLACK_SLASH_COMMANDS.find((s) => s.id === id);
  if (!found) throw new Error(`no slash command runs the ${id} command`);
  return found.command;
}

/** The keyword commands in Teams spelling (the Teams manifest's commandLists titles), in help order. */
export const TEAMS_COMMAND_KEYWORDS: readonly string[] = Object.freeze([
  ...new Set(LEARNING_COMMANDS.flatMap((c) => c.keywords?.slice(0, 1) ?? [])),
]);

/** Help as plain-text lines, one per command: "progress: Your skills and courses… e.g. “progress”". */
export function helpLines(channel: Channel): string[] {
  return LEARNING_COMMANDS.map((c) => {
    const s = channel === 'slack' ? c.slack : c.teams;
    return `${c.title}: ${c.description} e.g. “${s.example}”`;
  });
}

export function helpText(channel: Channel): string {
  return ["Hi! I'm your learning assistant. Here's what I can do:", ...helpLines(channel).map((l) => `• ${l}`)].join('\n');
}

export type MatchedCommand =
  | { id: 'help' | 'progress' | 'recommend' | 'dashboard' }
  | { id: 'progress_update'; itemQuery: string; percent: number | 'start' | 'complete' }
  | { id: 'quiz'; topic: string | null }
  | { id: 'report'; target: ReportTarget };

/**
 * A message (or slash command text with its command) that is one of the keyword commands, or null
 * when it should be answered as a question. Only the first word counts, with or without a leading
 * "/": "progress", "progress Python 50%", "quiz python", "/report Sales". A first word followed by
 * something that does not fit the command ("help me with pandas", "progress bars in CSS?") is a
 * question, so null.
 */
export function matchCommand(text: string): MatchedCommand | null {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  const m = t.match(KEYWORD_PATTERN);
  if (!m) return null;
  const id = KEYWORD_IDS.get(m[1].toLowerCase());
  const args = m[2].trim();
  switch (id) {
    case 'help':
    case 'dashboard':
      return args ? null : { id };
    case 'recommend':
      return args && !/^(me|something|please)$/i.test(args) ? null : { id: 'recommend' };
    case 'progress':
    case 'progress_update': {
      const p = parseProgressCommand(args);
      if (p.action === 'list') return { id: 'progress' };
      if (p.action === 'update') return { id: 'progress_update', itemQuery: p.itemQuery, percent: p.percent };
      return null;
    }
    case 'quiz': {
      if (/\?$/.test(args)) return null;
      return { id: 'quiz', topic: cleanQuizTopic(args) || null };
    }
    case 'report':
      if (/\?$/.test(args)) return null;
      return { id: 'report', target: parseReportTarget(args) };
  }
  return null;
}

/** keyword → the command it starts (the first entry that lists it: "progress" is the list, its arguments may make it an update) */
const KEYWORD_IDS: ReadonlyMap<string, LearningCommandId> = new Map(
  [...LEARNING_COMMANDS].reverse().flatMap((c) => (c.keywords ?? []).map((k) => [k.toLowerCase(), c.id] as const)),
);
/** "progress …", "/quiz …": a keyword (longest first, so none shadows a longer one), then its arguments */
const KEYWORD_PATTERN = new RegExp(
  `^\\/?(${[...KEYWORD_IDS.keys()]
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|')})\\b[:!?.]*\\s*(.*)$`,
  'i',
);

/** "Sales" → { department }, "ada@example.com" → { userId: email }, "" → {} (the default target). */
export function parseReportTarget(args: string): ReportTarget {
  const a = (args ?? '')
    .trim()
    .replace(/^(for|on|of)\s+/i, '')
    .replace(/^(the\s+)?department\s+/i, '')
    .replace(/^["“']|["”']$/g, '')
    .trim();
  if (!a) return {};
  const mail = a.match(/^<?mailto:([^|>]+)(\|[^>]*)?>?$/i);
  if (mail) return { userId: mail[1] };
  if (/^[^\s@]+@[^\s@]+$/.test(a)) return { userId: a };
  return { department: a };
}
