import assert from 'node:assert/strict';
import type { AppDataSource } from '../../../src/db/data-source';
import { SEED_SKILLS } from '../../../src/db/seed-rows';
import { createLogger } from '../../../src/observability/logger';
import { addContent } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import { BOT_ID, BOT_USER_ID, type FakeSlackApi, type RecordedCall } from '../../helpers/fake-slack-api';
import { blockActions, envelope, mentionEvent, messageEvent, newId, newTs, type SlackSender, slashCommand } from './slack-requests';
import { type RunningSlack, startSlackServer } from './slack-server';

const SECRET = 'test-signing-secret-8f2a';

// Invented topics, so other suites' content in the shared database cannot answer these questions.
const DOCS = [
  {
    title: 'Tuning the Vorpelt kiln',
    content:
      'To tune the Vorpelt kiln, raise the damper by two notches and wait for the glaze cone to bend. Log every firing curve in the kiln book.',
  },
  {
    title: 'Vorpelt kiln safety',
    content: 'Never open the Vorpelt kiln above four hundred degrees. Wear the silver gloves when you unload it.',
  },
];

interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

forEachBackend('Slack over HTTP', (backend) => {
  let ds: AppDataSource;
  let fake: FakeSlackApi;
  let running: RunningSlack;
  let slack: SlackSender;
  let baseUrl: string;
  const logs: LogLine[] = [];

  before(async () => {
    ds = await backend.dataSource();
    await addContent(ds, DOCS);
    await addContent(ds, [
      {
        title: 'Vorpelt Kiln Operation',
        content: 'Skill: tuning, firing and unloading Vorpelt kilns safely.',
        contentType: 'skill',
        metadata: { skill_id: SEED_SKILLS[3].id },
      },
    ]);
    const logger = createLogger('debug', {}, (line) => {
      logs.push(JSON.parse(line));
    });
    running = await startSlackServer(ds, {
      secret: SECRET,
      logger,
      // without the trailing slash: the channel adds it
      env: (f) => ({ SLACK_API_URL: f.apiUrl.replace(/\/$/, ''), LOG_LEVEL: 'debug' }),
    });
    ({ fake, baseUrl, slack } = running);
  });

  after(async () => running?.close());

  /** Polls the captured log until a line matches. */
  async function waitForLog(where: (l: LogLine) => boolean, count = 1, timeoutMs = 10_000): Promise<LogLine[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs.filter(where);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`waited for ${count} log line(s), saw ${found.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const rowsFor = (channelId: string) =>
    ds.query(`SELECT * FROM chat_messages WHERE channel = 'slack' AND conversation_id = $1 ORDER BY created_at`, [channelId]);
  const postsTo = (channelId: string) => (c: RecordedCall) => c.body.channel === channelId;
  const newUser = (name: string) => {
    const id = newId('U');
    fake.users.set(id, { name, email: `${id.toLowerCase()}@example.test` });
    return id;
  };
  const blockTypes = (call: RecordedCall) => (call.body.blocks as Array<{ type: string }>).map((b) => b.type);
  const findButton = (call: RecordedCall, actionId: string) => {
    for (const b of call.body.blocks as Array<{
      accessory?: { action_id: string; value: string };
      elements?: Array<{ action_id: string; value: string }>;
    }>) {
      if (b.accessory?.action_id === actionId) return b.accessory;
      const el = b.elements?.find((e) => e.action_id === actionId);
      if (el) return el;
    }
    return undefined;
  };

  it('answers the url_verification challenge', async () => {
    const res = await slack.event({ token: 't', challenge: 'c-123', type: 'url_verification' });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { challenge: 'c-123' });
  });

  it('answers a DM once: acked first, Block Kit answer, progress reaction, profile, one chat_messages row', async () => {
    const dm = newId('D');
    const user = newUser('Grace Hopper');
    const event = messageEvent({ channel: dm, user, text: 'How do I tune the Vorpelt kiln?' });
    const res = await slack.event(envelope(event));
    assert.equal(res.status, 200);

    const [post] = await fake.waitFor('chat.postMessage', postsTo(dm));
    assert.ok(res.at <= post.at, 'the 200 went out before the answer was posted');
    assert.equal(post.body.thread_ts, undefined, 'a top-level DM gets a top-level answer');
    assert.match(post.body.text, /damper/);
    assert.equal(post.headers.authorization, 'Bearer xoxb-test-token');
    const types = blockTypes(post);
    assert.equal(types[0], 'markdown', 'the answer as Markdown');
    assert.ok(types.includes('context') && types.includes('divider') && types.includes('actions'), types.join(','));
    assert.ok(JSON.stringify(post.body.blocks).includes('Confidence '));
    assert.ok(findButton(post, 'rec_open'), 'a recommendation card');

    const rows = await rowsFor(dm);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].platform_message_id, `${dm}:${event.ts}`);
    assert.equal(rows[0].thread_id, null);
    assert.equal(rows[0].tenant_id, 'TTEAM001');
    assert.equal(findButton(post, 'feedback_up')?.value, rows[0].id);
    assert.equal(findButton(post, 'feedback_down')?.value, rows[0].id);

    const [added] = fake.callsOf('reactions.add', postsTo(dm));
    assert.deepEqual([added.body.timestamp, added.body.name], [event.ts, 'hourglass_flowing_sand']);
    const [removed] = await fake.waitFor('reactions.remove', postsTo(dm));
    assert.ok(added.at <= post.at && post.at <= removed.at, 'reaction added before and removed after the answer');

    const [person] = await ds.query(`SELECT u.name, u.email FROM users u WHERE u.id = $1`, [rows[0].user_id]);
    assert.deepEqual(person, { name: 'Grace Hopper', email: `${user.toLowerCase()}@example.test` });
  });

  it('answers a DM thread reply in that thread and asks users.info only once per person', async () => {
    const dm = newId('D');
    const user = newUser('Alan Turing');
    const parent = newTs();
    await slack.event(
      envelope(messageEvent({ channel: dm, user, text: 'What should I wear to unload the Vorpelt kiln?', thread_ts: parent })),
    );
    const [post] = await fake.waitFor('chat.postMessage', postsTo(dm));
    assert.equal(post.body.thread_ts, parent);
    await slack.event(envelope(messageEvent({ channel: dm, user, text: 'And above what temperature is it unsafe?', thread_ts: parent })));
    await fake.waitFor('chat.postMessage', postsTo(dm), { count: 2 });
    const rows = await rowsFor(dm);
    assert.deepEqual(
      rows.map((r: { thread_id: string }) => r.thread_id),
      [parent, parent],
    );
    assert.equal(fake.callsOf('users.info', (c) => c.body.user === user).length, 1, 'the profile is cached');
  });

  it('answers an event delivered three times (X-Slack-Retry-Num 1, 2) once', async () => {
    const dm = newId('D');
    const user = newUser('Retry Person');
    const body = envelope(messageEvent({ channel: dm, user, text: 'How do I log a Vorpelt firing curve?' }));
    const results = await Promise.all([slack.event(body), slack.event(body, { retryNum: 1 }), slack.event(body, { retryNum: 2 })]);
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200],
    );
    await fake.waitFor('chat.postMessage', postsTo(dm));
    await waitForLog((l) => l.channel === dm && /already accepted/.test(l.msg), 2);
    assert.equal(fake.callsOf('chat.postMessage', postsTo(dm)).length, 1);
    assert.equal((await rowsFor(dm)).length, 1);
    assert.ok(logs.some((l) => l.channel === dm && l.retryNum === 2 && /redelivered/.test(l.msg)));
  });

  it('answers an @mention once although Slack sends app_mention and message for it, in its thread', async () => {
    const ch = newId('C');
    const user = newUser('Mention Person');
    const ts = newTs();
    const text = `<@${BOT_USER_ID}> how do I tune the Vorpelt kiln?`;
    const [a, b] = await Promise.all([
      slack.event(envelope(mentionEvent({ channel: ch, user, text, ts }))),
      slack.event(envelope(messageEvent({ channel: ch, user, text, ts }))),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    const [post] = await fake.waitFor('chat.postMessage', postsTo(ch));
    assert.equal(post.body.thread_ts, ts, 'a channel mention is answered in its thread');
    await waitForLog((l) => l.channel === ch && /already accepted/.test(l.msg));
    assert.equal(fake.callsOf('chat.postMessage', postsTo(ch)).length, 1);
    const rows = await rowsFor(ch);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].message, 'how do I tune the Vorpelt kiln?', 'the mention is stripped before the core sees the text');
    assert.equal(rows[0].thread_id, ts);
  });

  it('follows up on thread replies only where it already answered', async () => {
    const ch = newId('C');
    const user = newUser('Thread Person');
    const root = newTs();
    await slack.event(envelope(mentionEvent({ channel: ch, user, text: `<@${BOT_USER_ID}> what gloves for the Vorpelt kiln?`, ts: root })));
    await fake.waitFor('chat.postMessage', postsTo(ch));

    const reply = messageEvent({ channel: ch, user, text: 'and how do I tune it?', thread_ts: root });
    await slack.event(envelope(reply));
    const posts = await fake.waitFor('chat.postMessage', postsTo(ch), { count: 2 });
    assert.equal(posts[1].body.thread_ts, root);

    const elsewhere = messageEvent({ channel: ch, user, text: 'unrelated chat in another thread', thread_ts: newTs() });
    await slack.event(envelope(elsewhere));
    await waitForLog((l) => l.ts === elsewhere.ts && /has not answered/.test(l.msg));
    const topLevel = messageEvent({ channel: ch, user, text: 'a channel message that does not mention the bot' });
    await slack.event(envelope(topLevel));
    await waitForLog((l) => l.ts === topLevel.ts && l.reason === 'channel message without a mention');
    assert.equal(fake.callsOf('chat.postMessage', postsTo(ch)).length, 2);
    assert.equal(fake.callsOf('reactions.add', (c) => c.body.timestamp === elsewhere.ts || c.body.timestamp === topLevel.ts).length, 0);
  });

  it('greets a message that is only the mention', async () => {
    const ch = newId('C');
    const ts = newTs();
    await slack.event(envelope(mentionEvent({ channel: ch, user: newUser('Greeted'), text: `<@${BOT_USER_ID}>`, ts })));
    const [post] = await fake.waitFor('chat.postMessage', postsTo(ch));
    assert.match(post.body.text, /^Hi! I'm your learning assistant/);
    assert.equal(post.body.thread_ts, ts);
    assert.equal(findButton(post, 'feedback_up'), undefined, 'no feedback buttons on a greeting');
    assert.ok(!JSON.stringify(post.body.blocks).includes('Confidence'));
  });

  it('ignores bot messages, edits, deletions, joins and its own posts', async () => {
    const dm = newId('D');
    const user = newUser('Ignored');
    const events = [
      messageEvent({ channel: dm, user, text: 'from a bot', bot_id: 'BOTHER01' }),
      messageEvent({ channel: dm, user, text: 'bot message', subtype: 'bot_message', bot_id: 'BOTHER01' }),
      { ...messageEvent({ channel: dm, user, text: '' }), subtype: 'message_changed', message: { text: 'edited', user } },
      { ...messageEvent({ channel: dm, user, text: '' }), subtype: 'message_deleted' },
      messageEvent({ channel: dm, user, text: '<@U1> has joined the channel', subtype: 'channel_join' }),
      messageEvent({ channel: dm, user: BOT_USER_ID, text: 'my own answer' }),
      messageEvent({ channel: dm, user: BOT_USER_ID, text: 'my own answer', bot_id: BOT_ID }),
    ];
    for (const e of events) assert.equal((await slack.event(envelope(e))).status, 200);
    // Bolt's ignoreSelf drops the bot's own posts before our listener (no log line); ours logs the rest.
    await waitForLog((l) => l.channel === dm && l.msg === 'message ignored', 5);
    const sentinel = messageEvent({ channel: dm, user, text: 'How hot can the Vorpelt kiln be when I open it?' });
    await slack.event(envelope(sentinel));
    const posts = await fake.waitFor('chat.postMessage', postsTo(dm));
    assert.equal(posts.length, 1);
    assert.equal((await rowsFor(dm)).length, 1, 'only the real question was answered');
    assert.deepEqual(
      fake.callsOf('reactions.add', postsTo(dm)).map((c) => c.body.timestamp),
      [sentinel.ts],
    );
  });

  it('rejects a bad signature and a timestamp older than five minutes with 401, processing nothing', async () => {
    const dm = newId('D');
    const body = envelope(messageEvent({ channel: dm, user: newUser('Forger'), text: 'How do I tune the Vorpelt kiln?' }));
    assert.equal((await slack.event(body, { secret: 'not-the-secret' })).status, 401);
    assert.equal((await slack.event(body, { timestamp: Math.floor(Date.now() / 1000) - 5 * 60 - 30 })).status, 401);
    assert.equal((await slack.event(body, { unsigned: true })).status, 401);
    assert.equal(fake.calls.filter((c) => c.body?.channel === dm).length, 0);
    assert.equal((await rowsFor(dm)).length, 0);
    assert.ok(
      logs.some((l) => /Request verification failed/.test(l.msg)),
      'the rejection is logged',
    );
  });

  it('answers malformed or meaningless bodies with 4xx or a quiet 200, and keeps serving', async () => {
    const started = Date.now();
    assert.equal((await slack.raw('{"type": "event_callback", "event": ', 'application/json')).status, 400);
    assert.equal((await slack.raw('payload=%7Bnot-json', 'application/x-www-form-urlencoded')).status, 400);
    assert.equal((await slack.raw('{}', 'application/json')).status, 400);
    assert.equal((await slack.raw('null', 'application/json')).status, 400);
    assert.equal((await slack.raw('[1,2]', 'application/json')).status, 400);
    assert.equal((await slack.raw('{"type":"event_callback","event":null}', 'application/json')).status, 400);
    assert.equal((await slack.raw('foo=bar', 'application/x-www-form-urlencoded')).status, 400);
    assert.equal((await slack.interaction({ type: 'block_actions', actions: [] })).status, 400, 'an interaction without a user');
    assert.equal((await slack.raw('garbage', 'text/plain', { unsigned: true })).status, 401);
    assert.ok(Date.now() - started < 2000, 'no request waited for Bolt’s 3-second unacknowledged timeout');
    // Well-formed but unknown or incomplete: acknowledged quietly.
    assert.equal(
      (
        await slack.event(
          envelope({ type: 'reaction_added', user: 'U1', reaction: 'tada', item: { type: 'message', channel: 'C1', ts: '1.2' } }),
        )
      ).status,
      200,
    );
    assert.equal((await slack.event(envelope({ type: 'message', channel: newId('D'), text: 'no user or ts' }))).status, 200);
    assert.equal((await slack.event({ type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1 })).status, 200);
    assert.ok(logs.some((l) => /cannot route/.test(l.msg) && l.reason === 'the body is not a JSON object'));
    const health = await fetch(`${baseUrl}/healthz`);
    assert.equal(health.status, 200);
  });

  it('records a recommendation click and feedback from the buttons, and answers privately', async () => {
    const dm = newId('D');
    const user = newUser('Clicker');
    await slack.event(envelope(messageEvent({ channel: dm, user, text: 'How do I tune the Vorpelt kiln?' })));
    const [post] = await fake.waitFor('chat.postMessage', postsTo(dm));
    const rec = findButton(post, 'rec_open');
    assert.ok(rec);
    const [row] = await rowsFor(dm);

    const responseUrl = fake.responseUrl();
    const click = await slack.interaction(
      blockActions({ user, channel: dm, actionId: 'rec_open', value: rec.value, responseUrl, blocks: post.body.blocks }),
    );
    assert.equal(click.status, 200);
    const [reply] = await fake.waitFor('response_url', (c) => responseUrl.endsWith(c.body.response_url_id));
    assert.equal(reply.body.response_type, 'ephemeral');
    assert.equal(reply.body.replace_original, false);
    const [recRow] = await ds.query(`SELECT clicked, type, item_id FROM recommendations WHERE id = $1`, [rec.value]);
    assert.equal(recRow.clicked, true);
    const card = (post.body.blocks as Array<{ accessory?: { value: string }; text?: { text: string } }>).find(
      (b) => b.accessory?.value === rec.value,
    )!;
    const title = /^\*(.+?)\*/.exec(card.text!.text)![1];
    assert.equal(
      reply.body.text,
      recRow.type === 'content' ? `Opened *${title}*. Ask me anything about it.` : `Started *${title}* — it's in your progress.`,
    );
    if (recRow.type !== 'content') {
      const progress = await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND (skill_id = $2 OR course_id = $2)`, [
        row.user_id,
        recRow.item_id,
      ]);
      assert.deepEqual(progress, [{ progress: 0 }], 'clicking Start starts learning progress');
    }

    const thanksUrl = fake.responseUrl();
    await slack.interaction(blockActions({ user, channel: dm, actionId: 'feedback_down', value: row.id, responseUrl: thanksUrl }));
    const [thanks] = await fake.waitFor('response_url', (c) => thanksUrl.endsWith(c.body.response_url_id));
    assert.match(thanks.body.text, /Thanks for the feedback/);
    assert.equal((await ds.query(`SELECT feedback FROM chat_messages WHERE id = $1`, [row.id]))[0].feedback, -1);

    const strangerUrl = fake.responseUrl();
    await slack.interaction(
      blockActions({ user: newUser('Stranger'), channel: dm, actionId: 'feedback_up', value: row.id, responseUrl: strangerUrl }),
    );
    const [refused] = await fake.waitFor('response_url', (c) => strangerUrl.endsWith(c.body.response_url_id));
    assert.match(refused.body.text, /only be given on your own answers/);
    assert.equal((await ds.query(`SELECT feedback FROM chat_messages WHERE id = $1`, [row.id]))[0].feedback, -1);

    const unknownUrl = fake.responseUrl();
    assert.equal(
      (await slack.interaction(blockActions({ user, channel: dm, actionId: 'some_old_button', value: 'x', responseUrl: unknownUrl })))
        .status,
      200,
    );
  });

  it('/learn with a question acks at once and answers privately with the same blocks; without one shows usage', async () => {
    const user = newUser('Commander');
    const channelId = newId('C');
    const responseUrl = fake.responseUrl();
    const command = slashCommand({ text: 'how do I tune the Vorpelt kiln?', user, channel: channelId, responseUrl });
    const ack = await slack.command(command);
    assert.equal(ack.status, 200);
    assert.equal(ack.text, '');
    const [answer] = await fake.waitFor('response_url', (c) => responseUrl.endsWith(c.body.response_url_id));
    assert.ok(ack.at <= answer.at);
    assert.equal(answer.body.response_type, 'ephemeral');
    assert.match(answer.body.text, /damper/);
    assert.equal(answer.body.blocks[0].type, 'markdown', 'the answer as a markdown block');
    assert.match(answer.body.blocks[0].text, /damper/);
    assert.ok(
      answer.body.blocks.some((b: { type: string }) => b.type === 'actions'),
      'feedback buttons',
    );
    const rows = await rowsFor(channelId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].platform_message_id, `command:${command.trigger_id}`);

    const usage = await slack.command(slashCommand({ text: '   ', user, channel: channelId, responseUrl: fake.responseUrl() }));
    assert.equal(usage.status, 200);
    const body = JSON.parse(usage.text);
    assert.equal(body.response_type, 'ephemeral');
    assert.match(body.text, /^Usage: `\/learn <question>`/);
    assert.equal((await rowsFor(channelId)).length, 1, 'usage is not a turn');

    const unknown = await slack.command(
      slashCommand({ text: 'x', user, channel: channelId, responseUrl: fake.responseUrl(), command: '/unlearn' }),
    );
    assert.match(JSON.parse(unknown.text).text, /I don't know \/unlearn/);
  });

  it('retries a 429 from the Web API after Retry-After and delivers the answer', async function () {
    this.timeout(20_000);
    const dm = newId('D');
    fake.enqueue('chat.postMessage', { status: 429, retryAfter: 1 });
    await slack.event(envelope(messageEvent({ channel: dm, user: newUser('Rate Limited'), text: 'How do I tune the Vorpelt kiln?' })));
    const posts = await fake
      .waitFor('chat.postMessage', (c) => c.body.channel === dm && c.status === 200, { timeoutMs: 8000 })
      .then(() => fake.callsOf('chat.postMessage', postsTo(dm)));
    assert.deepEqual(
      posts.map((c) => c.status),
      [429, 200],
    );
    const waited = posts[1].at - posts[0].at;
    assert.ok(waited >= 1000 && waited < 4000, `retried after ${waited} ms`);
    assert.ok(
      logs.some((l) => /rate limiting/.test(l.msg)),
      'the rate limit is logged',
    );
  });

  it('logs a failed post with channel, ts and Slack’s error', async () => {
    const dm = newId('D');
    fake.enqueue('chat.postMessage', { error: 'channel_not_found' });
    const event = messageEvent({ channel: dm, user: newUser('Lost'), text: 'How do I tune the Vorpelt kiln?' });
    await slack.event(envelope(event));
    const [line] = await waitForLog((l) => l.level === 'error' && l.channel === dm);
    assert.equal(line.msg, 'could not post the answer to Slack');
    assert.equal(line.ts, event.ts);
    assert.equal(line.slackError, 'channel_not_found');
    await fake.waitFor('reactions.remove', postsTo(dm));
  });

  it('publishes the App Home tab', async () => {
    const user = newUser('Home Owner');
    await slack.event(envelope({ type: 'app_home_opened', user, channel: newId('D'), tab: 'home', event_ts: newTs() }));
    const [publish] = await fake.waitFor('views.publish', (c) => c.body.user_id === user);
    assert.equal(publish.body.view.type, 'home');
  });
});
