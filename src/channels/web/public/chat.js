// Try it: the console's chat (a browser ES module; the page's CSP allows no inline script).
// Questions go to POST /api/chat/messages; each answer is followed over Server-Sent Events
// (GET /api/chat/messages/:id/events: status, sources, the whole text so far, then final or apology).
// What the server sends goes into the page as text nodes; only the answer's Markdown becomes HTML (markdown.js).
import { renderMarkdown } from '/assets/markdown.js';

const MAX_CHARS = 4000;
const STATUS_TEXT = {
  queued: 'Waiting for the assistant…',
  searching: 'Searching the learning content…',
  answering: 'Writing the answer…',
  retrying: 'Something went wrong; trying again…',
};
const TYPE_LABEL = { skill: 'Skill', course: 'Course', content: 'Learning content' };

const form = document.getElementById('chat-form');
const input = document.getElementById('chat-input');
const transcript = document.getElementById('chat-transcript');
const errorBox = document.getElementById('chat-error');
const sendButton = document.getElementById('chat-send');
const newButton = document.getElementById('chat-new');
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

let conversationId = uuid();
let busy = false;
let turns = 0;

/** A v4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) node.append(c);
  return node;
}

function post(path, body) {
  return fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
}

async function errorOf(res, fallback) {
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: the fallback says it
  }
  return fallback;
}

function setBusy(value) {
  busy = value;
  sendButton.setAttribute('aria-busy', value ? 'true' : 'false');
  transcript.setAttribute('aria-busy', value ? 'true' : 'false');
}

function showError(text) {
  errorBox.textContent = text;
}

// ------------------------------------------------------------------ one question and its answer

function confidenceLabel(c) {
  if (c >= 0.7) return 'high';
  if (c >= 0.4) return 'medium';
  return 'low';
}

function addTurn(question) {
  transcript.querySelector('.chat-empty')?.remove();
  const id = `turn-${++turns}`;
  const status = el('p', { class: 'chat-status' }, STATUS_TEXT.queued);
  const streaming = el('div', { class: 'chat-streaming' });
  const answer = el('div', { class: 'chat-answer' }, status, streaming);
  const article = el(
    'article',
    { class: 'chat-turn', id, 'aria-label': `Question ${turns}` },
    el('p', { class: 'chat-question' }, el('span', { class: 'chat-who' }, 'You: '), question),
    answer,
  );
  transcript.append(article);
  const sourceId = (n) => `${id}-source-${n}`;
  return {
    status(s) {
      status.textContent = STATUS_TEXT[s] ?? '';
      if (s === 'retrying') streaming.textContent = '';
    },
    text(t) {
      // the whole text so far: shown as plain text while it grows, rendered once final
      streaming.textContent = t;
    },
    fail(message) {
      status.remove();
      streaming.textContent = '';
      answer.append(el('p', { class: 'chat-error', role: 'alert' }, message));
    },
    final(reply) {
      status.remove();
      streaming.remove();
      const cited = new Set(reply.sources.map((s) => s.n));
      const body = el('div', { class: 'chat-text' });
      renderMarkdown(reply.text, body, (n) => (cited.has(n) ? `#${sourceId(n)}` : null));
      answer.append(body);
      for (const note of reply.notes ?? []) answer.append(el('p', { class: 'chat-note' }, el('small', {}, note)));
      if (reply.sources.length) {
        answer.append(el('h3', {}, 'Sources'));
        const ol = el('ol', { class: 'chat-sources' });
        for (const s of reply.sources) {
          const title = s.url ? el('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank' }, s.title) : s.title;
          ol.append(el('li', { id: sourceId(s.n), value: s.n }, title, ' ', el('small', {}, `(${s.contentType})`)));
        }
        answer.append(ol);
      }
      if (reply.kind === 'answer') {
        const pct = Math.round(reply.confidence * 100);
        answer.append(
          el(
            'p',
            { class: 'chat-confidence' },
            `Confidence: ${pct}% (${confidenceLabel(reply.confidence)}) `,
            el('meter', { min: 0, max: 1, value: reply.confidence, 'aria-label': 'Confidence' }),
          ),
        );
      }
      if (reply.recommendations.length) answer.append(cards(reply.recommendations));
      if (reply.chatMessageId) answer.append(feedback(reply.chatMessageId));
    },
    apology(text) {
      status.remove();
      streaming.remove();
      answer.append(el('p', { class: 'chat-error' }, text));
    },
  };
}

function cards(recommendations) {
  const wrap = el('div', { class: 'chat-recommendations' }, el('h3', {}, 'Recommended for you'));
  const grid = el('div', { class: 'chat-cards' });
  for (const r of recommendations) {
    const card = el(
      'article',
      { class: 'chat-card' },
      el('h4', {}, r.title),
      el('p', {}, el('small', {}, TYPE_LABEL[r.type] ?? r.type), el('br'), r.reason),
    );
    if (r.type === 'skill' || r.type === 'course') {
      const result = el('p', { class: 'chat-note', role: 'status' });
      const button = el('button', { type: 'button', class: 'outline', 'aria-label': `Start ${r.title}` }, 'Start');
      button.addEventListener('click', async () => {
        button.disabled = true;
        const res = await post(`/api/chat/recommendations/${encodeURIComponent(r.id)}/start`, {}).catch(() => null);
        if (res?.ok) {
          const started = await res.json();
          button.textContent = 'Started';
          result.textContent = started.started
            ? `${r.title} is now in your learning progress.`
            : `${r.title} was already in your progress.`;
        } else {
          button.disabled = false;
          result.textContent = res ? await errorOf(res, 'Could not start it. Try again.') : 'Could not reach the server. Try again.';
        }
      });
      card.append(button, result);
    }
    grid.append(card);
  }
  wrap.append(grid);
  return wrap;
}

function feedback(chatMessageId) {
  const group = el('div', { class: 'chat-feedback', role: 'group', 'aria-label': 'Was this answer helpful?' });
  const result = el('span', { class: 'chat-note', role: 'status' });
  const buttons = [
    [1, '👍', 'Helpful'],
    [-1, '👎', 'Not helpful'],
  ].map(([value, emoji, label]) => {
    const button = el(
      'button',
      { type: 'button', class: 'secondary outline', 'aria-label': label, 'aria-pressed': 'false' },
      el('span', { 'aria-hidden': 'true' }, emoji),
      ` ${label}`,
    );
    button.addEventListener('click', async () => {
      const res = await post('/api/chat/feedback', { chatMessageId, value }).catch(() => null);
      if (res?.ok) {
        for (const [b, v] of buttons) b.setAttribute('aria-pressed', v === value ? 'true' : 'false');
        result.textContent = 'Thanks for your feedback.';
      } else result.textContent = res ? await errorOf(res, 'Could not save your feedback.') : 'Could not reach the server.';
    });
    return [button, value];
  });
  group.append(...buttons.map(([b]) => b), result);
  return group;
}

// ------------------------------------------------------------------ asking and following

function follow(messageId, turn) {
  const source = new EventSource(`/api/chat/messages/${encodeURIComponent(messageId)}/events`);
  const data = (e) => JSON.parse(e.data);
  const end = () => {
    source.close();
    setBusy(false);
  };
  source.addEventListener('status', (e) => turn.status(data(e).status));
  source.addEventListener('text', (e) => turn.text(data(e).text));
  source.addEventListener('final', (e) => {
    end();
    turn.final(data(e));
  });
  source.addEventListener('apology', (e) => {
    end();
    turn.apology(data(e).text);
  });
  source.addEventListener('error', () => {
    // EventSource reconnects by itself (the server replays the answer so far); CLOSED means it gave up (e.g. 404).
    if (source.readyState === EventSource.CLOSED) {
      end();
      turn.fail('Lost the connection to the answer. Reload the page to see it.');
    }
  });
}

async function ask() {
  if (busy) return;
  const text = input.value;
  if (!text.trim()) {
    showError('Type a question first.');
    input.focus();
    return;
  }
  if (text.length > MAX_CHARS) {
    showError(`Your question is ${text.length.toLocaleString('en-US')} characters long; the limit is 4,000.`);
    return;
  }
  showError('');
  setBusy(true);
  const messageId = uuid();
  const turn = addTurn(text);
  input.value = '';
  let res;
  try {
    res = await post('/api/chat/messages', { conversationId, messageId, text });
  } catch {
    res = null;
  }
  if (res?.status !== 202) {
    const message = res ? await errorOf(res, 'Your question was not taken in. Try again.') : 'Could not reach the server. Try again.';
    turn.fail(message);
    showError(message);
    input.value = text;
    setBusy(false);
    return;
  }
  conversationId = (await res.json()).conversationId;
  follow(messageId, turn);
}

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ask();
  }
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  ask();
});
newButton.addEventListener('click', () => {
  conversationId = uuid();
  transcript.replaceChildren(el('p', { class: 'chat-empty' }, 'New conversation: no questions yet.'));
  turns = 0;
  input.focus();
});
