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

export interface LearningCommand {
  id: LearningCommandId;
  /** short label for buttons and lists */
  title: string;
  /** one sentence, plain text */
  description: string;
  /**
   * Slack: slash commands (work in any channel and answer privately). In a DM with the bot, or when
   * @mentioning it, the Teams spelling (a bare keyword) works too: see matchCommand.
   */
  slack: CommandSpelling;
  /** Teams: a message to the bot (in a channel: @mention it first). Matches the manifest's commandLists titles. */
  teams: CommandSpelling;
}

/** The one list both channels' help shows, in this order. */
export const LEARNING_COMMANDS: readonly LearningCommand[] = Object.freeze([
  {
    id: 'help', title: 'Help', description: 'What I can do, with an example of each command.',
    slack: { usage: '/learn help', example: '/learn help' },
    teams: { usage: 'help', example: 'help' },
  },
  {
    id: 'ask', title: 'Ask a question', description: 'Ask anything about your learning content: I answer with numbered sources and suggest what to explore next.',
    slack: { usage: 'DM me, or @mention me in a channel', example: '@Learning Assistant how should I run a retrospective?' },
    teams: { usage: 'message me (in a channel: @mention me)', example: 'How should I run a retrospective?' },
  },
  {
    id: 'learn', title: 'Private answer', description: 'Ask from any channel and get an answer only you can see.',
    slack: { usage: '/learn <question>', example: '/learn what is the difference between precision and recall?' },
    teams: { usage: 'message me in our 1:1 chat', example: 'What is the difference between precision and recall?' },
  },
  {
    id: 'progress', title: 'My progress', description: 'Your skills and courses: what is in progress and what you completed.',
    slack: { usage: '/progress', example: '/progress' },
    teams: { usage: 'progress', example: 'progress' },
  },
  {
    id: 'progress_update', title: 'Update progress', description: 'Record how far you are in a course or skill: a percentage, “start” or “done”.',
    slack: { usage: '/progress <course or skill> <0-100>% | done | start', example: '/progress Python Fundamentals 50%' },
    teams: { usage: 'progress <course or skill> <0-100>% | done | start', example: 'progress Machine Learning done' },
  },
  {
    id: 'quiz', title: 'Take a quiz', description: 'A short timed multiple-choice quiz; passing raises your progress.',
    slack: { usage: '/quiz [topic]', example: '/quiz python' },
    teams: { usage: 'quiz [topic]', example: 'quiz project management' },
  },
  {
    id: 'recommend', title: 'Recommendations', description: 'Skills and courses to explore next, based on your progress.',
    slack: { usage: '/recommend', example: '/recommend' },
    teams: { usage: 'recommend', example: 'recommend' },
  },
  {
    id: 'dashboard', title: 'My dashboard', description: 'Your progress, recent quiz results and recommendations in one place.',
    slack: { usage: '/dashboard', example: '/dashboard' },
    teams: { usage: 'dashboard', example: 'dashboard' },
  },
  {
    id: 'report', title: 'Progress report', description: 'Managers: your department’s progress as a chart and CSV; everyone else: your own.',
    slack: { usage: '/learning-report [department | @person]', example: '/learning-report Sales' },
    teams: { usage: 'report [department | email]', example: 'report Sales' },
  },
] satisfies LearningCommand[]);

/** Slash commands the Slack app must register (manifest), each with its usage hint. */
export const SLACK_SLASH_COMMANDS: ReadonlyArray<{ command: string; description: string; usageHint: string }> = Object.freeze(
  [...new Map(LEARNING_COMMANDS.filter((c) => c.slack.usage.startsWith('/')).map((c) => {
    const [command, ...hint] = c.slack.usage.split(' ');
    return [command, { command, description: c.description, usageHint: hint.join(' ') }] as const;
  })).values()]);

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
  const m = t.match(/^\/?(help|progress|quiz|recommend|recommendations|dashboard|learning-report|report)\b[:!?.]*\s*(.*)$/i);
  if (!m) return null;
  const word = m[1].toLowerCase();
  const args = m[2].trim();
  switch (word) {
    case 'help':
    case 'dashboard':
      return args ? null : { id: word };
    case 'recommend':
    case 'recommendations':
      return args && !/^(me|something|please)$/i.test(args) ? null : { id: 'recommend' };
    case 'progress': {
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
    case 'learning-report':
      if (/\?$/.test(args)) return null;
      return { id: 'report', target: parseReportTarget(args) };
  }
  return null;
}

/** "Sales" → { department }, "ada@example.com" → { userId: email }, "" → {} (the default target). */
export function parseReportTarget(args: string): ReportTarget {
  const a = (args ?? '').trim().replace(/^(for|on|of)\s+/i, '').replace(/^(the\s+)?department\s+/i, '').replace(/^["“']|["”']$/g, '').trim();
  if (!a) return {};
  const mail = a.match(/^<?mailto:([^|>]+)(\|[^>]*)?>?$/i);
  if (mail) return { userId: mail[1] };
  if (/^[^\s@]+@[^\s@]+$/.test(a)) return { userId: a };
  return { department: a };
}
