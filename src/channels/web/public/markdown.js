// The answer's Markdown, sanitized: a browser ES module (chat.js uses it; the browser tests import it alone).
// marked and DOMPurify are served from node_modules (src/channels/web/index.ts).

import { marked } from '/assets/vendor/marked.esm.js';
import DOMPurify from '/assets/vendor/purify.es.mjs';

/**
 * The answer's Markdown as HTML: marked (GitHub-flavoured, line breaks kept) then DOMPurify, which keeps
 * only formatting and links to http(s) or this page. Each [n] becomes a link to its numbered source.
 */
export function renderMarkdown(md, into, citeHref) {
  const cited = md.replace(/\[(\d+)\](?![(:[])/g, (whole, n) => {
    const href = citeHref(Number(n));
    return href ? `[\\[${n}\\]](${href})` : whole;
  });
  const html = marked.parse(cited, { gfm: true, breaks: true, async: false });
  into.innerHTML = DOMPurify.sanitize(html, {
    ALLOWED_URI_REGEXP: /^(?:https?:|#)/i,
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'iframe'],
  });
  for (const a of into.querySelectorAll('a[href^="http"]')) {
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
  }
}
