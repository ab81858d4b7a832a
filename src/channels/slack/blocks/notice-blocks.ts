import type { types } from '@slack/bolt';
import { slashCommandFor } from '../../../core/learning/commands';
import { HELP_TEXT } from '../../../core/messages';
import { type SlackMessage, section } from './answer-blocks';
import { escapeMrkdwn } from './mrkdwn';

/** Short messages the Slack channel sends besides answers. Pure. */

/** The ack of a slash command we could not store (database unreachable): Slack does not retry commands. */
export const NOT_ACCEPTED_TEXT = "Sorry, I couldn't take that in just now (my database is unreachable). Please try again in a minute.";

/** The one apology of every channel (src/core/messages.ts), under the name the Slack listeners use. */
export { APOLOGY as APOLOGY_TEXT } from '../../../core/messages';

/** `/learn` without a question. */
export function learnUsageMessage(command: string = slashCommandFor('learn')): SlackMessage {
  const text =
    `Usage: \`${command} <question>\`, for example \`${command} how should I run a retrospective?\` ` +
    'I answer privately, with numbered sources and what to learn next.';
  return { text, blocks: [section(text)] };
}

/** A one-line private notice (click confirmations, feedback thanks, apologies). */
export function noticeMessage(mrkdwnText: string): SlackMessage {
  return { text: mrkdwnText, blocks: [section(mrkdwnText)] };
}

/** What a click on a recommendation card did, in words. `title` is already mrkdwn-escaped (read back from the card). */
export function clickNotice(result: { type: string; started: boolean }, title: string | null): string {
  const what = title ? `*${title}*` : result.type === 'content' ? 'the content' : `the ${result.type}`;
  if (result.type === 'content') return `Opened ${what}. Ask me anything about it.`;
  if (result.started) return `Started ${what} — it's in your progress.`;
  return `${capitalise(what)} is already in your progress.`;
}

export function feedbackNotice(value: 1 | -1): string {
  return value === 1 ? 'Thanks for the feedback! :raised_hands:' : 'Thanks for the feedback. It helps me get better.';
}

/**
 * The prompts offered when the bot's DM opens (assistant.threads.setSuggestedPrompts allows four). The
 * manifest's features.agent_view.suggested_prompts lists the same (test/channels/slack/manifest.test.ts).
 */
export const SUGGESTED_PROMPTS: ReadonlyArray<{ title: string; message: string }> = [
  { title: 'Ask a question', message: 'How do I handle exceptions in Python?' },
  { title: 'What should I learn next?', message: 'What should I learn next?' },
  { title: 'My progress', message: 'progress' },
  { title: 'Take a quiz', message: 'quiz' },
];

/** The first message in the bot's DM (Markdown). */
export const AGENT_GREETING =
  "Hi! I'm your learning assistant. Ask me anything about your company's learning content: I answer with numbered " +
  'sources and suggest what to learn next. Each question gets its own thread. Type `help` for my commands.';

/** The App Home tab. */
export function homeView(): types.HomeView {
  return {
    type: 'home',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Learning assistant', emoji: true } },
      section(escapeMrkdwn(HELP_TEXT)),
      { type: 'divider' },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text:
              'Ask me in the *Messages* tab, @mention me in a channel (I answer in the thread), or use `' +
              slashCommandFor('learn') +
              ' <question>` anywhere for a private answer.',
          },
        ],
      },
    ],
  };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
