import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RunnableLambda } from '@langchain/core/runnables';
import sinon from 'sinon';
import { createAnswerer } from '../../../src/ai/answer-chain';
import type { Answer, AnswerInput } from '../../../src/ai/answer-types';
import { APOLOGY, createTeamsChannel, UNKNOWN_BUTTON } from '../../../src/channels/teams';
import { IdentityService } from '../../../src/core/identity-service';
import { InteractionService } from '../../../src/core/interaction-service';
import type { AppDataSource } from '../../../src/db/data-source';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { isAppError } from '../../../src/errors';
import { silentLogger } from '../../../src/observability/logger';
import { addContent, makeService } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import { FakeBotConnector, type RecordedActivity } from '../../helpers/fake-bot-connector';
import {
  BOT,
  capturingLogger,
  cardOf,
  channelMessage,
  type Json,
  person,
  personalMessage,
  type RunningBot,
  startBot,
  submit,
  submitActions,
  TENANT,
  useTeamsBot,
} from './helpers';

// Invented topics, so other suites' content in the shared database cannot answer these questions.
const DOCS = [
  {
    title: 'Tuning the Vandrel kiln',
    content:
      'To tune the Vandrel kiln, first let it idle at two hundred degrees for twenty minutes. Then raise the ramp rate to five degrees per minute and log the overshoot. Retune whenever a new batch of glaze arrives.',
  },
  {
    title: 'Vandrel kiln safety',
    content:
      'Always wear the copper gloves when the Vandrel kiln door is open. Never vent the kiln during a firing, because the flue damper only protects the thermocouple.',
  },
];
const QUESTION = 'How do I tune the Vandrel kiln?';

forEachBackend('Teams channel over HTTP', (backend) => {
  const teams = useTeamsBot(backend, {
    prepare: async (db) => {
      await addContent(db, DOCS);
      await addContent(db, [
        {
          title: 'Vandrel Kiln Operation',
          content: 'Course: operating, tuning and firing Vandrel kilns safely.',
          contentType: 'course',
          metadata: { course_id: SEED_COURSES[2].id },
        },
        {
          title: 'Kiln Thermodynamics',
          content: 'Skill: tuning kiln ramp rates and reading thermocouples on Vandrel kilns.',
          contentType: 'skill',
          metadata: { skill_id: SEED_SKILLS[1].id },
        },
      ]);
    },
  });
  const { connector, log } = teams;
  let ds: AppDataSource;
  let serviceUrl: string;
  let bot: RunningBot;
  before(() => {
    ({ ds, serviceUrl, bot } = teams);
  });

  const rowsFor = (messageId: string) =>
    ds.query(`SELECT * FROM chat_messages WHERE channel = 'teams' AND platform_message_id = $1`, [messageId]);
  const isCard = (a: RecordedActivity) => a.activity.type === 'message' && Boolean(cardOf(a.activity));

  it('answers a personal message: typing at once, then one answer card in reply, logged once with the member profile', async () => {
    const from = person('Ada Lovelace');
    const email = `ada.${randomUUID().slice(0, 8)}@example.test`;
    connector.addMember(from.id, { name: 'Ada Lovelace (Teams)', email, aadObjectId: from.aadObjectId });
    const activity = personalMessage(serviceUrl, QUESTION, { from });
    const res = await bot.post(activity);
    assert.equal(res.status, 200, res.text);

    const [reply] = await connector.waitFor(isCard);
    const sent = connector.sentTo(activity.conversation.id);
    assert.equal(sent[0].activity.type, 'typing', 'typing goes out first');
    assert.equal(sent.filter(isCard).length, 1);
    assert.equal(reply.replyToId, activity.id, 'posted as a reply to the question (POST .../activities/{replyToId})');
    assert.equal(reply.kind, 'reply');
    assert.equal(reply.authorization, undefined, 'no token without an app id');

    const card = cardOf(reply.activity)!;
    assert.equal(card.version, '1.5');
    assert.match(reply.activity.text, /idle at two hundred degrees/, 'the answer is the message text (streamed, cited)');
    assert.ok(JSON.stringify(card).includes('Tuning the Vandrel kiln'), 'the source is listed');

    await bot.settle();
    const [row] = await rowsFor(activity.id);
    assert.ok(row, 'one chat_messages row');
    assert.equal(row.message, QUESTION);
    assert.equal(row.conversation_id, activity.conversation.id);
    assert.equal(row.thread_id, null, 'personal chat has no reply chain');
    assert.equal(row.tenant_id, TENANT);
    assert.deepEqual(reply.activity.channelData?.feedbackLoop, { type: 'default' }, "Teams' own 👍/👎");
    assert.equal(submitActions(card).filter((a) => a.data.action === 'feedback').length, 0, 'no 👍/👎 buttons of our own in a chat');
    assert.equal(row.reply_activity_id, reply.id, 'the reply id maps to the chat message');

    const [user] = await ds.query(
      `SELECT u.name, u.email FROM users u JOIN user_identities i ON i.user_id = u.id
      WHERE i.platform = 'teams' AND i.tenant_id = $1 AND i.platform_user_id = $2`,
      [TENANT, from.aadObjectId],
    );
    assert.equal(user.name, 'Ada Lovelace (Teams)', 'TeamsInfo.getMember profile, keyed by aadObjectId');
    assert.notEqual(user.email, email, 'without an app id the lookup is not authenticated: its email is not stored');
    assert.deepEqual(connector.memberRequests, [{ conversationId: activity.conversation.id, userId: from.id }]);

    // the member lookup is cached: a second question asks the connector nothing
    await bot.post(personalMessage(serviceUrl, 'Vandrel kiln safety rules?', { from, conversationId: activity.conversation.id }));
    await connector.waitFor(isCard, { count: 2 });
    assert.equal(connector.memberRequests.length, 1);
  });

  it('answers a channel @mention with the mention stripped, in the same reply chain', async () => {
    const activity = channelMessage(serviceUrl, QUESTION);
    assert.equal((await bot.post(activity)).status, 200);
    const [reply] = await connector.waitFor(isCard);
    assert.equal(reply.conversationId, activity.conversation.id, 'the ;messageid= conversation id: the reply chain');
    assert.equal(reply.replyToId, activity.id);
    const [base, root] = activity.conversation.id.split(';messageid=');

    const [row] = await rowsFor(activity.id);
    assert.equal(row.message, QUESTION, 'no <at>mention</at> left in the question');
    assert.equal(row.conversation_id, base);
    assert.equal(row.thread_id, root);
    assert.equal(connector.memberRequests[0].conversationId, activity.channelData.team.id, 'getMember asks the team roster in a channel');
  });

  it('treats a reply in a channel thread as part of that reply chain', async () => {
    const root = `${Date.now()}1`;
    const first = channelMessage(serviceUrl, QUESTION, { id: root });
    const base = first.conversation.id.split(';')[0];
    await bot.post(first);
    await connector.waitFor(isCard);
    const followUp = channelMessage(serviceUrl, 'And how often should I retune it?', { root, channelId: base, from: first.from });
    await bot.post(followUp);
    await connector.waitFor(isCard, { count: 2 });
    const [row] = await rowsFor(followUp.id);
    assert.equal(row.thread_id, root);
    assert.equal(row.conversation_id, base);
  });

  it('ignores channel messages that do not mention the bot', async () => {
    const activity = channelMessage(serviceUrl, QUESTION, { mention: false });
    const res = await bot.post(activity);
    assert.equal(res.status, 200);
    // a mention of someone else is not a mention of the bot either
    const other = channelMessage(serviceUrl, QUESTION, { mention: false });
    other.text = `<at>Grace</at> ${QUESTION}`;
    other.entities = [{ type: 'mention', text: '<at>Grace</at>', mentioned: { id: '29:grace', name: 'Grace' } }];
    assert.equal((await bot.post(other)).status, 200);
    // a later, mentioned message is answered: nothing was pending from the ignored ones
    const later = channelMessage(serviceUrl, QUESTION);
    await bot.post(later);
    await connector.waitFor(isCard);
    assert.deepEqual(
      connector.activities.map((a) => a.conversationId),
      connector.activities.map(() => later.conversation.id),
    );
    assert.equal((await rowsFor(activity.id)).length, 0);
    assert.equal((await rowsFor(other.id)).length, 0);
  });

  it('answers the same activity once, also when Teams retries while the first is in flight', async () => {
    const activity = personalMessage(serviceUrl, 'Vandrel kiln safety rules?');
    const results = await Promise.all([bot.post(activity), bot.post(activity)]);
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200],
    );
    assert.equal((await bot.post(activity)).status, 200);
    await connector.waitFor(isCard);
    assert.equal(connector.activities.filter(isCard).length, 1);
    assert.equal(
      connector.sentTo(activity.conversation.id, 'typing').filter((a) => !a.stream).length,
      1,
      'only the claimant even types (streaming updates aside)',
    );
    assert.equal(connector.activities.filter((a) => a.stream?.streamType === 'informative').length, 1, 'one stream');
    assert.equal((await rowsFor(activity.id)).length, 1);
  });

  it('handles card buttons (in a channel, where Teams has no feedback loop): Start marks the recommendation clicked and starts progress, 👍 stores feedback', async () => {
    const from = person('Grace Hopper');
    const question = channelMessage(serviceUrl, QUESTION, { from });
    await bot.post(question);
    const [answer] = await connector.waitFor(isCard);
    const actions = submitActions(cardOf(answer.activity)!);
    const start = actions.find((a) => a.data.action === 'rec_open' && a.title === 'Start');
    assert.ok(start, `a Start button: ${JSON.stringify(actions.map((a) => a.title))}`);
    const [rec] = await ds.query(`SELECT type, item_id, clicked, user_id FROM recommendations WHERE id = $1`, [
      start.data.recommendationId,
    ]);
    assert.equal(rec.clicked, false);

    const click = submit(question, start.data);
    assert.equal((await bot.post(click)).status, 200);
    const [confirmation] = await connector.waitFor((a) => a.activity.type === 'message' && /learning progress/.test(a.activity.text ?? ''));
    assert.equal(confirmation.replyToId, click.id);
    const [after] = await ds.query(`SELECT clicked FROM recommendations WHERE id = $1`, [start.data.recommendationId]);
    assert.equal(after.clicked, true);
    const column = rec.type === 'skill' ? 'skill_id' : 'course_id';
    const progress = await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND ${column} = $2`, [
      rec.user_id,
      rec.item_id,
    ]);
    assert.deepEqual(progress, [{ progress: 0 }]);
    // a retried click is handled once
    await bot.post(click);

    const up = actions.find((a) => a.data.action === 'feedback' && a.data.value === 1)!;
    await bot.post(submit(question, up.data));
    await connector.waitFor((a) => /Thanks for the feedback/.test(a.activity.text ?? ''));
    const [row] = await rowsFor(question.id);
    assert.equal(row.feedback, 1);
    assert.equal(
      connector.activities.filter((a) => /learning progress/.test(a.activity.text ?? '')).length,
      1,
      'the retried click was not answered',
    );

    // someone else in the conversation cannot rate or open Grace's answer
    const down = actions.find((a) => a.data.action === 'feedback' && a.data.value === -1)!;
    await bot.post(submit(question, down.data, person('Mallory')));
    await connector.waitFor((a) => /only be given on your own answers/.test(a.activity.text ?? ''));
    assert.equal((await rowsFor(question.id))[0].feedback, 1);
  });

  it('answers a button it does not know with a short note, and logs it', async () => {
    const q = personalMessage(serviceUrl, '');
    await bot.post(submit(q, { action: 'rec_open', recommendationId: 'not-a-uuid' }));
    await connector.waitFor((a) => a.activity.text === UNKNOWN_BUTTON);
    assert.ok(log.lines.some((l) => l.level === 'warn' && /card submit/.test(l.msg)));
  });

  it('handles Action.Execute (adaptiveCard/action invoke) with an invoke response', async () => {
    const from = person('Katherine Johnson');
    const question = personalMessage(serviceUrl, QUESTION, { from });
    await bot.post(question);
    const [answer] = await connector.waitFor(isCard);
    const open = submitActions(cardOf(answer.activity)!).find((a) => a.data.action === 'rec_open')!;
    const invoke = {
      ...question,
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `inv-${randomUUID()}`,
      text: undefined,
      value: {
        action: { type: 'Action.Execute', verb: 'rec_open', data: { recommendationId: open.data.recommendationId } },
        trigger: 'manual',
      },
    };
    const res = await bot.post(invoke);
    assert.equal(res.status, 200);
    const body = JSON.parse(res.text);
    assert.equal(body.statusCode, 200);
    assert.equal(body.type, 'application/vnd.microsoft.activity.message');
    assert.match(body.value, /Enjoy the read|learning progress/);
    const [rec] = await ds.query(`SELECT clicked FROM recommendations WHERE id = $1`, [open.data.recommendationId]);
    assert.equal(rec.clicked, true);

    const bad = await bot.post({
      ...invoke,
      id: `inv-${randomUUID()}`,
      value: { action: { type: 'Action.Execute', verb: 'explode', data: {} } },
    });
    assert.equal(bad.status, 400);
    const noAction = await bot.post({ ...invoke, id: `inv-${randomUUID()}`, value: {} });
    assert.equal(noAction.status, 400);
    const unknown = await bot.post({ ...invoke, id: `inv-${randomUUID()}`, name: 'composeExtension/query', value: {} });
    assert.equal(unknown.status, 400);
  });

  it('welcomes once when the app is installed (conversationUpdate adding the bot, then installationUpdate)', async () => {
    const conversation = { id: `a:${randomUUID()}`, conversationType: 'personal', tenantId: TENANT };
    const base = { channelId: 'msteams', serviceUrl, recipient: BOT, conversation, channelData: { tenant: { id: TENANT } } };
    const update = { ...base, type: 'conversationUpdate', id: `f:${randomUUID()}`, from: person(), membersAdded: [{ id: BOT.id }] };
    assert.equal((await bot.post(update)).status, 200);
    const [welcome] = await connector.waitFor(isCard);
    const card = cardOf(welcome.activity)!;
    assert.match(JSON.stringify(card.body), /learning assistant/i);
    assert.ok(
      submitActions(card).some((a) => a.data.msteams?.type === 'imBack'),
      'example questions as buttons in personal chat',
    );

    const install = { ...base, type: 'installationUpdate', action: 'add', id: `f:${randomUUID()}`, from: person() };
    assert.equal((await bot.post(install)).status, 200);
    assert.equal((await bot.post(update)).status, 200, 'a retried conversationUpdate');
    // a member other than the bot joining a team is not welcomed
    const teamJoin = {
      ...update,
      id: `f:${randomUUID()}`,
      conversation: { id: `19:${randomUUID()}@thread.tacv2`, conversationType: 'channel', tenantId: TENANT },
      membersAdded: [{ id: '29:newcomer' }],
    };
    assert.equal((await bot.post(teamJoin)).status, 200);
    assert.equal(connector.activities.length, 1);

    // installed in a team: a welcome that explains @mentions, in the team's conversation
    const teamConv = { id: `19:${randomUUID().replace(/-/g, '')}@thread.tacv2`, conversationType: 'channel', tenantId: TENANT };
    await bot.post({ ...base, conversation: teamConv, type: 'installationUpdate', action: 'add', id: `f:${randomUUID()}`, from: person() });
    const [teamWelcome] = await connector.waitFor((a) => a.conversationId === teamConv.id);
    assert.match(JSON.stringify(cardOf(teamWelcome.activity)), /@mention me/);
  });

  it('answers "help" with the help card', async () => {
    const activity = personalMessage(serviceUrl, 'help');
    await bot.post(activity);
    const [reply] = await connector.waitFor(isCard);
    assert.match(JSON.stringify(cardOf(reply.activity)), /learning assistant/i);
  });

  it('answers 400 to bodies that are not activities, logs them, and keeps serving', async () => {
    const good = personalMessage(serviceUrl, QUESTION);
    const strip = (k: string) => Object.fromEntries(Object.entries(good).filter(([key]) => key !== k));
    const cases: Array<[string, unknown, { raw?: string; headers?: Record<string, string> }?]> = [
      ['no type', strip('type')],
      ['unknown type', { ...good, type: 'banana' }],
      ['no serviceUrl', strip('serviceUrl')],
      ['serviceUrl not http', { ...good, serviceUrl: 'file:///etc/passwd' }],
      ['no conversation', strip('conversation')],
      ['no from', strip('from')],
      ['from without id', { ...good, from: { name: 'x' } }],
      ['no recipient', strip('recipient')],
      ['message without id', strip('id')],
      ['text not a string', { ...good, text: { evil: true } }],
      ['mention without mentioned', { ...good, entities: [{ type: 'mention', text: 'x' }] }],
      ['an array', [good]],
      ['null', null],
      ['a string', 'hello'],
      ['malformed JSON', undefined, { raw: '{"type": "message",' }],
      ['not JSON at all', undefined, { raw: 'type=message', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ];
    for (const [name, body, init] of cases) {
      const res = await bot.post(body, init);
      assert.equal(res.status, 400, `${name}: ${res.status} ${res.text}`);
      assert.match(res.text, /BadRequest/, name);
    }
    const tooBig = await bot.post(undefined, { raw: JSON.stringify({ ...good, text: 'x'.repeat(1_200_000) }) });
    assert.equal(tooBig.status, 413);
    assert.ok(log.lines.filter((l) => l.level === 'warn').length >= cases.length, 'every rejection is logged');
    assert.equal(connector.activities.length, 0);

    // activity types we do not act on: an empty 200
    const reaction = await bot.post({ ...good, type: 'messageReaction', id: 'r1', reactionsAdded: [{ type: 'like' }] });
    assert.deepEqual([reaction.status, reaction.text], [200, '']);
    // and the server still answers
    assert.equal((await bot.post(good)).status, 200);
    await connector.waitFor(isCard);
  });

  it('falls back to from.name when TeamsInfo.getMember fails', async () => {
    const from = person('Emulator User'); // not a member the connector knows: 404
    const activity = personalMessage(serviceUrl, QUESTION, { from });
    await bot.post(activity);
    await connector.waitFor(isCard);
    const [user] = await ds.query(`SELECT u.name FROM users u JOIN user_identities i ON i.user_id = u.id WHERE i.platform_user_id = $1`, [
      from.aadObjectId,
    ]);
    assert.equal(user.name, 'Emulator User');
  });

  it('apologises and logs when a turn fails', async () => {
    const conversation = makeService(ds);
    sinon.stub(conversation, 'handle').rejects(new Error('database on fire'));
    const failing = await startBot(ds, conversation, { logger: log.logger });
    try {
      const activity = personalMessage(serviceUrl, QUESTION);
      assert.equal((await failing.post(activity)).status, 200);
      await connector.waitFor((a) => a.activity.text === APOLOGY);
      const failed = log.lines.find((l) => l.level === 'error' && /apologising/.test(l.msg));
      assert.ok(failed, JSON.stringify(log.lines.filter((l) => l.level !== 'debug')));
      assert.equal((failed.err as Json).message, 'database on fire');
    } finally {
      await failing.close();
    }
  });

  it('logs, and does not crash, when the Bot Connector refuses the replies', async () => {
    connector.failSendsWith = 403; // a 5xx would be retried by the connector client for ~10 s
    const activity = personalMessage(serviceUrl, QUESTION);
    assert.equal((await bot.post(activity)).status, 200);
    for (let i = 0; i < 200 && !log.lines.some((l) => l.msg === 'could not deliver the apology either'); i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.ok(log.lines.some((l) => l.level === 'error' && /apologising/.test(l.msg)));
    assert.ok(log.lines.some((l) => l.level === 'error' && l.msg === 'could not deliver the apology either'));
    connector.failSendsWith = null;
    assert.equal((await bot.post(personalMessage(serviceUrl, QUESTION))).status, 200);
    await connector.waitFor(isCard);
  });

  it('answers a slow answer from the worker, in the same reply chain, without holding the HTTP response', async () => {
    const inner = createAnswerer({ timeoutMs: 1000 });
    // The answer waits until the test has its HTTP response: a route that waited for the answer would never answer.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = RunnableLambda.from(async (input: AnswerInput): Promise<Answer> => {
      await gate;
      return inner.invoke(input);
    });
    const slowBot = await startBot(ds, makeService(ds, { answerer: slow }), { logger: log.logger });
    try {
      const activity = channelMessage(serviceUrl, QUESTION);
      const res = await slowBot.post(activity);
      assert.equal(res.status, 200, 'the HTTP answer does not wait for the answer');
      assert.equal(connector.activities.filter(isCard).length, 0, 'no card yet');
      release();

      const [card] = await connector.waitFor(isCard, { timeoutMs: 10_000 });
      assert.equal(card.conversationId, activity.conversation.id, 'proactive answer in the same reply chain');
      assert.equal(card.replyToId, activity.id);
      assert.match(card.activity.text, /idle at two hundred degrees/);
      const types = connector
        .sentTo(activity.conversation.id)
        .map((a) => (a.activity.type === 'message' ? (cardOf(a.activity) ? 'card' : 'text') : a.activity.type));
      assert.deepEqual(types, ['typing', 'card']);
      assert.equal((await rowsFor(activity.id)).length, 1);
    } finally {
      release();
      await slowBot.close();
    }
  });
});

describe('Teams channel configuration and authentication', () => {
  const deps = (config: Json) => ({
    config: { NODE_ENV: 'development', MICROSOFT_APP_TYPE: 'MultiTenant', ...config } as never,
    conversation: {} as never,
    interactions: {} as never,
    identities: {} as never,
    learning: {} as never,
    queue: {} as never,
    logger: silentLogger,
  });

  it('is off without MICROSOFT_APP_ID (one line saying how to turn it on), unless TEAMS_ALLOW_UNAUTHENTICATED, which production refuses', () => {
    const log = capturingLogger();
    assert.equal(createTeamsChannel({ ...deps({}), logger: log.logger }), null);
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0].msg, /Teams is off: set MICROSOFT_APP_ID .* TEAMS_ALLOW_UNAUTHENTICATED=true/);
    assert.throws(
      () => createTeamsChannel(deps({ NODE_ENV: 'production', TEAMS_ALLOW_UNAUTHENTICATED: true })),
      (e) => isAppError(e, 'CONFIG_INVALID') && /TEAMS_ALLOW_UNAUTHENTICATED=true is refused when NODE_ENV=production/.test(e.message),
    );
  });

  it('checks the credentials each app type needs (password; tenant id for SingleTenant and UserAssignedMSI)', () => {
    assert.throws(
      () => createTeamsChannel(deps({ MICROSOFT_APP_ID: randomUUID() })),
      (e) => isAppError(e, 'CONFIG_INVALID') && /MICROSOFT_APP_PASSWORD/.test(e.message),
    );
    assert.throws(
      () => createTeamsChannel(deps({ MICROSOFT_APP_ID: randomUUID(), MICROSOFT_APP_PASSWORD: 's', MICROSOFT_APP_TYPE: 'SingleTenant' })),
      (e) => isAppError(e, 'CONFIG_INVALID') && /MICROSOFT_APP_TENANT_ID/.test(e.message),
    );
    assert.throws(
      () =>
        createTeamsChannel(
          deps({
            MICROSOFT_APP_ID: randomUUID(),
            MICROSOFT_APP_PASSWORD: 's',
            MICROSOFT_APP_TYPE: 'UserAssignedMSI',
            MICROSOFT_APP_TENANT_ID: 't',
          }),
        ),
      (e) => isAppError(e, 'CONFIG_INVALID') && /unset MICROSOFT_APP_PASSWORD/.test(e.message),
    );
    const msi = createTeamsChannel(
      deps({ MICROSOFT_APP_ID: randomUUID(), MICROSOFT_APP_TYPE: 'UserAssignedMSI', MICROSOFT_APP_TENANT_ID: randomUUID() }),
    );
    assert.equal(msi!.authenticated, true);
    const single = createTeamsChannel(
      deps({
        MICROSOFT_APP_ID: randomUUID(),
        MICROSOFT_APP_PASSWORD: 's',
        MICROSOFT_APP_TYPE: 'SingleTenant',
        MICROSOFT_APP_TENANT_ID: randomUUID(),
      }),
    );
    assert.equal(single!.authenticated, true);
  });

  it('warns once at start-up when running without authentication', () => {
    const log = capturingLogger();
    const channel = createTeamsChannel({ ...deps({ TEAMS_ALLOW_UNAUTHENTICATED: true }), logger: log.logger });
    assert.equal(channel!.authenticated, false);
    const warns = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warns.length, 1);
    assert.match(warns[0].msg, /WITHOUT authentication/);
  });

  describe('with an app id', () => {
    let bot: RunningBot;
    let connector: FakeBotConnector;
    let serviceUrl: string;
    let ds: AppDataSource;
    const log = capturingLogger();
    before(async () => {
      const { backends } = require('../../helpers/databases') as typeof import('../../helpers/databases');
      ds = await backends()[0].dataSource();
      connector = new FakeBotConnector();
      serviceUrl = (await connector.start()).url;
      bot = await startBot(ds, makeService(ds), {
        config: { MICROSOFT_APP_ID: randomUUID(), MICROSOFT_APP_PASSWORD: 'not-a-real-secret', MICROSOFT_APP_TYPE: 'MultiTenant' } as never,
        interactions: new InteractionService(ds),
        identities: new IdentityService(ds),
        logger: log.logger,
      });
    });
    after(async () => {
      await bot?.close();
      await connector?.stop();
    });

    it('answers 401 to requests without a valid Bot Framework token, runs no turn, and logs each refusal once (nothing on the console)', async () => {
      assert.equal(bot.channel.authenticated, true);
      const printed = sinon.spy(console, 'error');
      const warned = sinon.spy(console, 'warn');
      try {
        const activity = personalMessage(serviceUrl, QUESTION);
        log.lines.length = 0;
        const none = await bot.post(activity);
        assert.equal(none.status, 401, none.text);
        const bogus = await bot.post({ ...activity, id: 'x2' }, { headers: { authorization: 'Bearer not.a.jwt' } });
        assert.equal(bogus.status, 401, bogus.text);
        assert.equal(printed.callCount + warned.callCount, 0, 'botbuilder printed to the console');
      } finally {
        printed.restore();
        warned.restore();
      }
      assert.deepEqual(
        log.lines.map((l) => [l.level, l.msg, l.status]),
        [
          ['warn', 'refused a Teams request that failed authentication', 401],
          ['warn', 'refused a Teams request that failed authentication', 401],
        ],
      );
      assert.equal(connector.activities.length, 0);
      assert.equal((await ds.query(`SELECT 1 FROM processed_events WHERE platform = 'teams' AND event_id = 'x2'`)).length, 0);
    });

    it('still answers 400 to a body that is not an activity', async () => {
      assert.equal((await bot.post({ hello: 'world' })).status, 400);
    });
  });
});
