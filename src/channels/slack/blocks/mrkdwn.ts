/**
 * Text helpers for Slack's mrkdwn. Pure: no I/O, no Bolt.
 *
 * Slack requires `&`, `<` and `>` to be escaped in every mrkdwn text it formats; anything we did not write
 * ourselves (titles, reasons, notes) goes through `escapeMrkdwn` before it reaches a block. Answers are
 * not mrkdwn: they go to Slack as standard Markdown (a markdown block, or markdown_text when streamed),
 * which Slack renders itself (links, italics, strikethrough and code included).
 */
/** the one truncate of the application, under the name the block builders import */
export { truncate } from '../../../text';

/** Slack's section text limit (and the limit of every text object we build). */
export const SECTION_TEXT_LIMIT = 3000;

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
