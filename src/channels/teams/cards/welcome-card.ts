import { helpLines } from '../../../core/learning/commands';
import { HELP_TEXT } from '../../../core/messages';
import { type CardElement, card, type SubmitAction, text } from './adaptive';

export interface WelcomeCardOptions {
  /** personal chat: example questions become buttons; channels and group chats: explain @mentions */
  personal: boolean;
}

/**
 * The card shown when the app is installed (and for "help"): the core's HELP_TEXT, every command with
 * an example (the core's helpLines('teams'), the same list Slack shows), plus how to ask in a channel. In personal chat the example questions are imBack buttons: a click sends the question as
 * the user's own message. Pure.
 */
export function buildWelcomeCard(opts: WelcomeCardOptions) {
  const lines = HELP_TEXT.split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const body: CardElement[] = [
    text('Learning assistant', { size: 'large', weight: 'bolder' }),
    ...lines.map((l, i) => text(l, { spacing: i === 0 ? 'small' : 'none' })),
    text('Commands', { weight: 'bolder', separator: true, spacing: 'medium' }),
    ...helpLines('teams').map((l) => text(`• ${l}`, { spacing: 'none', size: 'small' })),
  ];
  if (!opts.personal) {
    body.push(
      text(
        'In channels and group chats, @mention me with your question or command and I answer in the same thread (reports come to our 1:1 chat).',
        { spacing: 'medium', isSubtle: true },
      ),
    );
  }
  body.push(text('Type **help** any time to see this again.', { spacing: 'small', isSubtle: true, size: 'small' }));
  const actions: SubmitAction[] = opts.personal
    ? exampleQuestions().map((q) => ({ type: 'Action.Submit', title: q, data: { msteams: { type: 'imBack', value: q } } }))
    : [];
  return card(body, actions);
}

/** The quoted example questions of HELP_TEXT. */
export function exampleQuestions(): string[] {
  return [...HELP_TEXT.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}
