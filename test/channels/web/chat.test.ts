import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { HistoryTurn } from '../../../src/ai/answer-types';
import type { Viewer } from '../../../src/channels/web/viewer';
import { APOLOGY } from '../../../src/core/messages';
import type { AppDataSource } from '../../../src/db/data-source';
import { forEachBackend } from '../../helpers/databases';
import { makeUser } from '../../helpers/fixtures';
import { CSRF, crashingOnce, DOCS, parseSse, recordingService, type SseEvent, seedChatContent } from './chat-helpers';
import { stubAccess } from './stub-access';
import { type RunningWeb, startWebServer } from './web-server';

forEachBackend('Web chat: Try it over HTTP', (backend) => {
  let ds: AppDataSource;
  let alice: Viewer;
  let bob: Viewer;
  let web: RunningWeb;
  let bobWeb: RunningWeb;
  /** a second instance for Alice: its own queue, so answers are made by the first one's workers */
  let aliceElsewhere: RunningWeb;
  const histories = new Map<string, HistoryTurn[]>();
  const gates = new Map<string, Promise<void>>();

  const viewer = async (name: string): Promise<Viewer> => {
    const userId = await makeUser(ds, { name });
    return { userId, name, email: `${userId}@example.test`, role: 'employee', via: 'oidc' };
  };

  before(async function () {
    // the first suite of a process migrates the database and loads the embedder; a busy machine is slow
    this.timeout(300_000);
    ds = await backend.dataSource();
    await seedChatContent(ds);
    alice = await viewer('Alice Web');
    bob = await viewer('Bob Web');
    web = await startWebServer(ds, {
      access: stubAccess(alice),
      conversation: () => crashingOnce(recordingService(ds, { histories, gates })),
    });
    bobWeb = await startWebServer(ds, { access: stubAccess(bob) });
    aliceElsewhere = await startWebServer(ds, { access: stubAccess(alice) });
  });
  after(async () => {
    await Promise.all([web?.close(), bobWeb?.close(), aliceElsewhere?.close()]);
  });

  const post = (base: RunningWeb, path: string, body: unknown, csrf: string | null = CSRF) =>
    fetch(`${base.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      body: JSON.stringify(body),
    });
  const ask = (text: string, over: { conversationId?: string; messageId?: string } = {}, base = web) =>
    post(base, '/api/chat/messages', { messageId: over.messageId ?? randomUUID(), text, ...over });
  const events = async (messageId: string, base = web): Promise<SseEvent[]> => {
    const res = await fetch(`${base.baseUrl}/api/chat/messages/${messageId}/events`, { signal: AbortSignal.timeout(80_000) });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    return parseSse(await res.text());
  };
  const finals = (evs: SseEvent[]) => evs.filter((e) => e.event === 'final' || e.event === 'apology');
  const turns = (messageId: string) => ds.query(`SELECT * FROM chat_messages WHERE platform_message_id = $1`, [messageId]);

  interface Final {
    kind: string;
    text: string;
    sources: Array<{ n: number; title: string; contentType: string; url?: string }>;
    confidence: number;
    recommendations: Array<{ id: string; type: string; title: string; reason: string }>;
    chatMessageId: string;
    notes: string[];
  }

  it('asks: 202, then the events stream gives the status, the growing text and the final cited answer with cards; the turn is logged as web', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    const conversationId = randomUUID();
    let open!: () => void;
    gates.set('How do I glaze pots in the Vornelli kiln?', new Promise<void>((resolve) => (open = resolve)));
    const res = await ask('How do I glaze pots in the Vornelli kiln?', { messageId, conversationId });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { conversationId, messageId, duplicate: false });

    const stream = await fetch(`${web.baseUrl}/api/chat/messages/${messageId}/events`, { signal: AbortSignal.timeout(80_000) });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    open();
    const evs = parseSse(await stream.text());
    const statuses = evs.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status);
    assert.equal(statuses[0], 'queued');
    assert.ok(statuses.includes('answering'), statuses.join());
    assert.ok(
      evs.some((e) => e.event === 'sources'),
      'the sources come before the text',
    );
    const texts = evs.filter((e) => e.event === 'text').map((e) => (e.data as { text: string }).text);
    assert.ok(texts.length >= 2, `the text arrives in steps: ${texts.length}`);
    for (let i = 1; i < texts.length; i++) assert.ok(texts[i].startsWith(texts[i - 1]) && texts[i].length > texts[i - 1].length);
    assert.equal(finals(evs).length, 1);
    const last = evs[evs.length - 1];
    assert.equal(last.event, 'final');
    const final = last.data as Final;
    assert.equal(final.kind, 'answer');
    assert.equal(final.text, texts[texts.length - 1]);
    assert.match(final.text, /two days/);
    const glazing = final.sources.find((s) => s.title === DOCS[0].title);
    assert.ok(glazing, JSON.stringify(final.sources));
    assert.equal(glazing.url, 'https://kiln.example/guides/glazing', 'the content’s link comes with its source');
    assert.ok(final.text.includes(`[${glazing.n}]`), 'the answer cites its source');
    assert.deepEqual(Object.keys(glazing).sort(), ['contentType', 'n', 'title', 'url'], 'only what the page shows (no similarity, no ids)');
    assert.ok(final.confidence > 0 && final.confidence <= 1);
    assert.ok(final.recommendations.length > 0);
    assert.ok(final.recommendations.every((r) => r.id && r.title && r.type));

    const [row] = await turns(messageId);
    assert.equal(row.id, final.chatMessageId);
    assert.equal(row.channel, 'web');
    assert.equal(row.tenant_id, 'web');
    assert.equal(row.user_id, alice.userId, 'the viewer’s own users row, no new user');
    assert.equal(row.conversation_id, `${alice.userId}:${conversationId}`);
    assert.equal(row.message, 'How do I glaze pots in the Vornelli kiln?');
    const ids = await ds.query(
      `SELECT user_id FROM user_identities WHERE platform = 'web' AND tenant_id = 'web' AND platform_user_id = $1`,
      [alice.userId],
    );
    assert.deepEqual(ids, [{ user_id: alice.userId }]);
    // a user made up for the web identity would get IdentityService's placeholder address web.web.<id>@users.invalid
    const strays = await ds.query(`SELECT count(*)::int AS n FROM users WHERE email LIKE 'web.web.%@users.invalid'`);
    assert.equal(strays[0].n, 0);

    // Reconnecting gives the same final answer again, never a second answer.
    const again = await events(messageId);
    assert.deepEqual(
      again.map((e) => e.event),
      ['final'],
    );
    assert.deepEqual(again[0].data, final);
    assert.equal((await turns(messageId)).length, 1);
  });

  it('the same message id twice: one turn, one answer', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    const conversationId = randomUUID();
    const [a, b] = await Promise.all([
      ask('How often should the Vornelli kiln elements be vacuumed?', { messageId, conversationId }),
      ask('How often should the Vornelli kiln elements be vacuumed?', { messageId, conversationId }),
    ]);
    assert.deepEqual([a.status, b.status], [202, 202]);
    const bodies = [(await a.json()) as { duplicate: boolean }, (await b.json()) as { duplicate: boolean }];
    assert.deepEqual(bodies.map((x) => x.duplicate).sort(), [false, true]);
    const [first, second] = await Promise.all([events(messageId), events(messageId)]);
    assert.equal(finals(first).length, 1);
    assert.equal(finals(second).length, 1);
    assert.deepEqual(finals(first)[0], { ...finals(second)[0], id: finals(first)[0].id });
    const again = await ask('How often should the Vornelli kiln elements be vacuumed?', { messageId, conversationId });
    assert.equal(again.status, 202);
    assert.deepEqual(await again.json(), { conversationId, messageId, duplicate: true });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await turns(messageId)).length, 1);
    const [job] = await ds.query(`SELECT count(*)::int AS n FROM processed_events WHERE platform = 'web' AND event_id = $1`, [
      `${alice.userId}:${messageId}`,
    ]);
    assert.equal(job.n, 1);
  });

  it('another viewer can neither read the events of a question nor give feedback on it nor start its cards: 404', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    assert.equal((await ask('What do I do before glazing in the Vornelli kiln?', { messageId })).status, 202);
    const final = finals(await events(messageId))[0].data as Final;
    const theirs = await fetch(`${bobWeb.baseUrl}/api/chat/messages/${messageId}/events`);
    assert.equal(theirs.status, 404);
    assert.equal((await post(bobWeb, '/api/chat/feedback', { chatMessageId: final.chatMessageId, value: -1 })).status, 404);
    assert.ok(final.recommendations.length > 0);
    const start = await post(bobWeb, `/api/chat/recommendations/${final.recommendations[0].id}/start`, {});
    assert.equal(start.status, 404);
    const [row] = await turns(messageId);
    assert.equal(row.feedback, null);
    // and nobody reads a question that was never asked
    assert.equal((await fetch(`${web.baseUrl}/api/chat/messages/${randomUUID()}/events`)).status, 404);
    assert.equal((await fetch(`${web.baseUrl}/api/chat/messages/not-a-uuid/events`)).status, 404);
  });

  it('refuses a request without the CSRF token (403) and an over-long or malformed question (400); nothing is accepted', async () => {
    const messageId = randomUUID();
    const noCsrf = await post(web, '/api/chat/messages', { messageId, text: 'hello' }, null);
    assert.equal(noCsrf.status, 403);
    const wrongCsrf = await post(web, '/api/chat/messages', { messageId, text: 'hello' }, 'forged');
    assert.equal(wrongCsrf.status, 403);
    const long = await ask('x'.repeat(4001), { messageId });
    assert.equal(long.status, 400);
    assert.match(((await long.json()) as { error: string }).error, /4,001 characters long; the limit is 4,000/);
    assert.equal((await ask('   ', { messageId })).status, 400);
    assert.equal((await post(web, '/api/chat/messages', { messageId: 'not-a-uuid', text: 'hello' })).status, 400);
    const broken = await fetch(`${web.baseUrl}/api/chat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': CSRF },
      body: '{"messageId":',
    });
    assert.equal(broken.status, 400);
    assert.equal((await post(web, '/api/chat/feedback', { chatMessageId: 'x', value: 1 }, null)).status, 403);
    const [n] = await ds.query(`SELECT count(*)::int AS n FROM processed_events WHERE platform = 'web' AND event_id = $1`, [
      `${alice.userId}:${messageId}`,
    ]);
    assert.equal(n.n, 0);
    assert.equal((await fetch(`${web.baseUrl}/api/chat/messages/${messageId}/events`)).status, 404);
  });

  it('stores 👍/👎 on the viewer’s own turn, and Start on a card starts that skill or course', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    await ask('When do I replace the Vornelli thermocouple?', { messageId });
    const final = finals(await events(messageId))[0].data as Final;
    const fb = await post(web, '/api/chat/feedback', { chatMessageId: final.chatMessageId, value: 1 });
    assert.equal(fb.status, 200);
    let [row] = await turns(messageId);
    assert.equal(row.feedback, 1);
    assert.equal((await post(web, '/api/chat/feedback', { chatMessageId: final.chatMessageId, value: -1 })).status, 200);
    [row] = await turns(messageId);
    assert.equal(row.feedback, -1);
    assert.equal((await post(web, '/api/chat/feedback', { chatMessageId: final.chatMessageId, value: 5 })).status, 400);

    const card = final.recommendations.find((r) => r.type === 'skill' || r.type === 'course');
    assert.ok(card, JSON.stringify(final.recommendations));
    const res = await post(web, `/api/chat/recommendations/${card.id}/start`, {});
    assert.equal(res.status, 200);
    const started = (await res.json()) as { type: string; itemId: string; started: boolean };
    assert.equal(started.type, card.type);
    assert.equal(started.started, true);
    const column = card.type === 'skill' ? 'skill_id' : 'course_id';
    const progress = await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND ${column} = $2`, [
      alice.userId,
      started.itemId,
    ]);
    assert.equal(progress.length, 1);
    const [rec] = await ds.query(`SELECT clicked FROM recommendations WHERE id = $1`, [card.id]);
    assert.equal(rec.clicked, true);
  });

  it('a follow-up question in the same conversation gets the conversation so far', async function () {
    this.timeout(90_000);
    const conversationId = randomUUID();
    const first = randomUUID();
    await ask('How hot do I fire the Vornelli kiln?', { conversationId, messageId: first });
    await events(first);
    const second = randomUUID();
    const res = await ask('And when may I open its door?', { conversationId, messageId: second });
    assert.deepEqual(await res.json(), { conversationId, messageId: second, duplicate: false });
    await events(second);
    const history = histories.get('And when may I open its door?');
    assert.ok(history, 'the follow-up was answered by the model path');
    assert.deepEqual(
      history.map((h) => h.question),
      ['How hot do I fire the Vornelli kiln?'],
    );
    const [a] = await turns(first);
    const [b] = await turns(second);
    assert.equal(a.conversation_id, b.conversation_id);
    assert.equal(a.thread_id, b.thread_id);
    // a new conversation starts without history
    const other = randomUUID();
    await ask('And when may I open the door of the Vornelli kiln?', { messageId: other, conversationId: randomUUID() });
    await events(other);
    assert.deepEqual(histories.get('And when may I open the door of the Vornelli kiln?'), []);
  });

  it('a worker that crashes mid-answer (a transient error) still ends in exactly one answer', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    await ask('CRASH: how do I glaze in the Vornelli kiln?', { messageId });
    const evs = await events(messageId);
    const texts = evs.filter((e) => e.event === 'text').map((e) => (e.data as { text: string }).text);
    const statuses = evs.filter((e) => e.event === 'status').map((e) => (e.data as { status: string }).status);
    assert.equal(finals(evs).length, 1);
    const final = finals(evs)[0];
    assert.equal(final.event, 'final');
    assert.doesNotMatch((final.data as Final).text, /half an answer/);
    assert.match((final.data as Final).text, /Vornelli/);
    if (texts.includes('half an answer from the attempt that crashed')) assert.ok(statuses.includes('retrying'), statuses.join());
    assert.equal((await turns(messageId)).length, 1);
  });

  it('a worker that dies after logging the turn: the retry replays it once, with its cards', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    const [{ t0 }] = await ds.query(`SELECT clock_timestamp() AS t0`);
    await ask('LATECRASH: how hot do I fire the Vornelli kiln?', { messageId });
    const evs = await events(messageId);
    assert.equal(finals(evs).length, 1);
    const final = finals(evs)[0].data as Final;
    const [row] = await turns(messageId);
    assert.equal((await turns(messageId)).length, 1);
    assert.equal(final.chatMessageId, row.id);
    assert.equal(final.text, row.response);
    // what the crashed attempt logged (the retry replays, it logs nothing new)
    const logged = await ds.query(`SELECT id FROM recommendations WHERE user_id = $1 AND created_at >= $2`, [alice.userId, t0]);
    assert.ok(logged.length > 0);
    assert.deepEqual(final.recommendations.map((r) => r.id).sort(), logged.map((r: { id: string }) => r.id).sort());
    assert.ok(final.recommendations.every((r) => r.title && r.title !== r.type));
  });

  it('a turn that fails for good ends in one apology event, also on reconnect and on another instance', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    await ask('BUG: how do I glaze?', { messageId });
    const evs = await events(messageId);
    assert.deepEqual(
      finals(evs).map((e) => e.event),
      ['apology'],
    );
    assert.equal((finals(evs)[0].data as { text: string }).text, APOLOGY);
    assert.deepEqual(
      (await events(messageId)).map((e) => e.event),
      ['apology'],
    );
    assert.deepEqual(
      (await events(messageId, aliceElsewhere)).map((e) => e.event),
      ['apology'],
    );
    assert.equal((await turns(messageId)).length, 0, 'nothing was answered, so nothing was logged');
  });

  it('an answer made by another instance reaches the events stream through the database', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    await ask('Why must the Vornelli kiln door stay shut above two hundred degrees?', { messageId });
    // aliceElsewhere has its own queue (nothing to work on) and no progress in its hub: it polls chat_messages/deliveries.
    const evs = await events(messageId, aliceElsewhere);
    assert.equal(finals(evs).length, 1);
    const final = finals(evs)[0].data as Final;
    const [row] = await turns(messageId);
    assert.equal(final.chatMessageId, row.id);
    assert.equal(final.text, row.response);
    assert.ok(final.recommendations.length > 0, 'the recorded reply keeps its cards');
  });

  it('a turn logged without a recorded reply (its worker died after logging) still gives the final answer from chat_messages', async function () {
    this.timeout(90_000);
    const messageId = randomUUID();
    const conversationId = randomUUID();
    await ask('What must I never do with the Vornelli kiln door?', { messageId, conversationId });
    const answered = finals(await events(messageId))[0].data as Final;
    // As if the worker had died between logging the turn and recording the reply.
    await ds.query(`UPDATE processed_events SET reply_ref = NULL WHERE platform = 'web' AND event_id = $1`, [
      `${alice.userId}:${messageId}`,
    ]);
    const evs = await events(messageId, aliceElsewhere);
    const final = finals(evs)[0];
    assert.equal(final.event, 'final');
    const [row] = await turns(messageId);
    assert.equal((final.data as Final).chatMessageId, row.id);
    assert.equal((final.data as Final).text, row.response);
    assert.notEqual(row.response, APOLOGY);
    assert.deepEqual((final.data as Final).recommendations, answered.recommendations, 'the cards logged with the turn');
  });
});
