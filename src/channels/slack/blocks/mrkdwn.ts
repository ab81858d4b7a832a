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

/**
 * A mrkdwn link `<url|text>` to an http(s) URL (SourceRef.url, already validated and serialized by core's
 * sourceUrl). The text is escaped like any text; in the URL `|` would end the address early, so it is
 * percent-encoded, and `&`, `<`, `>` are escaped as Slack asks (it decodes them back before opening the link).
 */
export function mrkdwnLink(url: string, text: string): string {
  return `<${escapeMrkdwn(url.replace(/\|/g, '%7C'))}|${escapeMrkdwn(text)}>`;
}
