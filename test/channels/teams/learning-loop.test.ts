import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { CSV_DECLINED, REPORT_NOT_DELIVERED, REPORT_SENT_PRIVATELY } from '../../../src/channels/teams';
import { FILE_CONSENT_CONTENT_TYPE, FILE_INFO_CONTENT_TYPE, QUIZ_INPUT_PREFIX } from '../../../src/channels/teams/cards';
import { LEARNING_COMMANDS } from '../../../src/core/learning';
import type { AppDataSource } from '../../../src/db/data-source';
import { insertSeedAssessments, SEED_ASSESSMENTS } from '../../../src/db/seed-assessments';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { forEachBackend } from '../../helpers/databases';
import type { RecordedActivity } from '../../helpers/fake-bot-connector';
import { makeUser } from '../../helpers/fixtures';
import {
  BOT,
  cardOf,
  channelMessage,
  type Json,
  type Person,
  person,
  personalMessage,
  type RunningBot,
  submit,
  submitActions,
  TENANT,
  useTeamsBot,
} from './helpers';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const course = (title: string) => SEED_COURSES.find((c) => c.title === title)!;
const skill = (name: string) => SEED_SKILLS.find((s) => s.name === name)!;
const quizNamed = (title: string) => SEED_ASSESSMENTS.find((a) => a.title === title)!;

/** Every TextBlock text and FactSet fact of a card, flattened: what a person reads. */
function readable(c: Json | undefined): string {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Json;
      if (o.type === 'TextBlock') out.push(o.text);
      if (o.type === 'FactSet') for (const f of o.facts) out.push(`${f.title}: ${f.value}`);
      Object.values(o).forEach(walk);
    }
  };
  walk(c);
  return out.join('\n');
}

/** The elements of a given type anywhere in a card. */
function elements(c: Json, type: string): Json[] {
  const out: Json[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Json;
      if (o.type === type) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(c);
  return out;
}

/** The chart, wherever it went: an Image in the card or an inline image/png attachment. */
function chartPng(messages: RecordedActivity[]): Buffer | undefined {
  for (const m of messages) {
    const inCard = cardOf(m.activity) ? elements(cardOf(m.activity)!, 'Image')[0]?.url : undefined;
    const inline = m.activity.attachments?.find((a: Json) => a.contentType === 'image/png')?.contentUrl;
    const uri: string | undefined = inCard ?? inline;
    if (uri) {
      assert.match(uri, /^data:image\/png;base64,/);
      return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
    }
  }
  return undefined;
}

forEachBackend('Teams channel: the learning loop over HTTP', (backend) => {
  const teams = useTeamsBot(backend, { prepare: (db) => insertSeedAssessments((sql, p) => db.query(sql, p)), settle: true });
  const { connector, log } = teams;
  let ds: AppDataSource;
  let serviceUrl: string;
  let bot: RunningBot;
  const tag = randomUUID().slice(0, 8);
  const dept = `Sales ${tag}`;
  const otherDept = `Ops ${tag}`;
  let mona: Member, alice: Member, bob: Member, oscar: Member, erin: Member;

  interface Member {
    userId: string;
    from: Person;
    name: string;
    email: string;
  }

  /** A users row (with role and department, as users:import makes them) linked to a Teams identity. */
  async function member(name: string, fields: { department?: string; role?: string } = {}): Promise<Member> {
    const userId = await makeUser(ds, { name, ...fields });
    const from = person(name);
    await ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'teams', $2, $3)`, [
      userId,
      TENANT,
      from.aadObjectId,
    ]);
    return { userId, from, name, email: `${userId}@example.test` };
  }

  before(async () => {
    ({ ds, serviceUrl, bot } = teams);
    mona = await member(`Mona Manager ${tag}`, { department: dept, role: 'manager' });
    alice = await member(`Alice ${tag}`, { department: dept, role: 'employee' });
    bob = await member(`Bob ${tag}`, { department: dept });
    oscar = await member(`Oscar Manager ${tag}`, { department: otherDept, role: 'manager' });
    erin = await member(`Erin ${tag}`, { department: otherDept });
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 100)`, [
      alice.userId,
      course('Python Fundamentals').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 50)`, [
      alice.userId,
      skill('Data Analysis').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 20)`, [bob.userId, skill('Leadership').id]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 40)`, [
      oscar.userId,
      skill('Communication').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 60)`, [
      erin.userId,
      skill('Communication').id,
    ]);
  });
  afterEach(() => {
    const errors = log.lines.filter((l) => l.level === 'error');
    assert.deepEqual(
      errors.map((l) => l.msg),
      [],
      'nothing failed on the way',
    );
  });

  const messagesTo = (conversationId: string) => connector.sentTo(conversationId).filter((a) => a.activity.type === 'message');
  const isCardIn = (conversationId: string) => (a: RecordedActivity) => a.conversationId === conversationId && Boolean(cardOf(a.activity));
  const isTextIn = (conversationId: string) => (a: RecordedActivity) =>
    a.conversationId === conversationId && a.activity.type === 'message' && typeof a.activity.text === 'string';

  /** Sends a personal message and waits for `count` message activities back. */
  async function ask(
    from: Person,
    text: string,
    count = 1,
    conversationId?: string,
  ): Promise<{ activity: Json; replies: RecordedActivity[] }> {
    const activity = personalMessage(serviceUrl, text, { from, conversationId });
    const res = await bot.post(activity);
    assert.equal(res.status, 200, res.text);
    const replies = await connector.waitFor((a) => a.conversationId === activity.conversation.id && a.activity.type === 'message', {
      count,
    });
    return { activity, replies };
  }

  /** A report command in a personal chat: waits for its last message (the CSV's file-consent card). */
  async function askReport(from: Person, text: string): Promise<{ activity: Json; replies: RecordedActivity[] }> {
    const activity = personalMessage(serviceUrl, text, { from });
    assert.equal((await bot.post(activity)).status, 200);
    await connector.waitFor(
      (a) => a.conversationId === activity.conversation.id && a.activity.attachments?.[0]?.contentType === FILE_CONSENT_CONTENT_TYPE,
    );
    return { activity, replies: messagesTo(activity.conversation.id) };
  }

  async function click(source: Json, data: Json, from: Person = source.from, count = 1): Promise<RecordedActivity[]> {
    const before = messagesTo(source.conversation.id).length;
    const activity = submit(source, data, from);
    assert.equal((await bot.post(activity)).status, 200);
    const all = await connector.waitFor((a) => a.conversationId === source.conversation.id && a.activity.type === 'message', {
      count: before + count,
    });
    return all.slice(before);
  }

  // ------------------------------------------------------------------ report

  it('report, as the manager of the department: a card with totals and one row per person, the chart, and the CSV as a file to allow', async () => {
    const { activity, replies } = await askReport(mona.from, 'report');
    // a department's chart (28 KB of base64 even for three people) does not fit in the card: it follows as a picture
    assert.equal(replies.length, 3);
    const [cardMsg, chartMsg, consentMsg] = replies;
    assert.equal(elements(cardOf(cardMsg.activity)!, 'Image').length, 0);
    assert.equal(chartMsg.activity.attachments[0].contentType, 'image/png');
    assert.equal(cardMsg.replyToId, activity.id);
    const card = cardOf(cardMsg.activity)!;
    assert.equal(card.version, '1.5');
    const text = readable(card);
    assert.match(text, new RegExp(`Learning report: ${dept}`));
    assert.match(text, /People: 3/);
    assert.match(text, /Courses completed: 1/);
    // rows: header + one ColumnSet per person, best progress first
    const rows = elements(card, 'ColumnSet').map((cs) => cs.columns.map((c: Json) => c.items[0].text));
    assert.deepEqual(rows[0], ['Name', 'Courses', 'Skills', 'Progress', 'Last active']);
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      [alice.name, bob.name, mona.name],
    );
    assert.deepEqual(rows[1], [alice.name, '1/1', '0/1', '75%', 'today']);
    assert.deepEqual(rows[3].slice(1), ['0/0', '0/0', '0%', 'never']);
    assert.doesNotMatch(text, new RegExp(oscar.name), 'nobody from another department');

    const png = chartPng([cardMsg, chartMsg]);
    assert.ok(png, 'the chart is in the card or in the next message');
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);

    const consent = consentMsg.activity.attachments[0];
    assert.equal(consent.contentType, FILE_CONSENT_CONTENT_TYPE);
    assert.match(consent.name, /^learning-report-sales-[0-9a-f]{8}-\d{4}-\d\d-\d\d\.csv$/);
    assert.deepEqual(consent.content.acceptContext, { kind: 'report_csv' });
    assert.ok(consent.content.sizeInBytes > 100);

    // Allow: Teams invokes fileConsent/invoke with an upload session; the bot PUTs the CSV there and posts the file card.
    const uploadInfo = {
      name: consent.name,
      uploadUrl: connector.uploadUrl(consent.name),
      contentUrl: `https://contoso-my.sharepoint.com/personal/mona/Documents/Apps/${consent.name}`,
      uniqueId: randomUUID(),
      fileType: 'csv',
    };
    const invoke = {
      ...activity,
      type: 'invoke',
      name: 'fileConsent/invoke',
      id: `inv-${randomUUID()}`,
      text: undefined,
      replyToId: consentMsg.id,
      value: { type: 'fileUpload', action: 'accept', context: consent.content.acceptContext, uploadInfo },
    };
    const res = await bot.post(invoke);
    assert.equal(res.status, 200, res.text);
    assert.equal(connector.uploads.length, 1);
    const upload = connector.uploads[0];
    const csv = upload.body.toString('utf8').replace(/^\ufeff/, '');
    assert.equal(upload.headers['content-range'], `bytes 0-${upload.body.length - 1}/${upload.body.length}`);
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 4, 'header and three people');
    assert.match(lines[0], /^name,email,department,courses_completed/);
    assert.ok(lines[1].startsWith(`${alice.name},${alice.email},${dept},1,1,0,1,75,`));
    const [fileCard] = await connector.waitFor((a) => a.activity.attachments?.[0]?.contentType === FILE_INFO_CONTENT_TYPE);
    assert.deepEqual(fileCard.activity.attachments[0], {
      contentType: FILE_INFO_CONTENT_TYPE,
      name: consent.name,
      contentUrl: uploadInfo.contentUrl,
      content: { uniqueId: uploadInfo.uniqueId, fileType: 'csv' },
    });
    assert.equal(fileCard.replyToId, invoke.id);

    // a retried invoke uploads nothing more; Decline says OK
    await bot.post(invoke);
    assert.equal(connector.uploads.length, 1);
    await bot.post({
      ...invoke,
      id: `inv-${randomUUID()}`,
      value: { type: 'fileUpload', action: 'decline', context: consent.content.declineContext },
    });
    await connector.waitFor((a) => a.activity.text === CSV_DECLINED);
    // a consent for something we never offered
    const forged = await bot.post({
      ...invoke,
      id: `inv-${randomUUID()}`,
      value: { type: 'fileUpload', action: 'accept', context: { kind: 'everything' }, uploadInfo },
    });
    assert.equal(forged.status, 200);
    assert.equal(connector.uploads.length, 1);
  });

  it('report <department> works case-insensitively for its manager', async () => {
    const { replies } = await askReport(mona.from, `report ${dept.toUpperCase()}`);
    const card = cardOf(replies[0].activity)!;
    assert.equal(elements(card, 'ColumnSet').length, 4);
    assert.deepEqual(replies[2].activity.attachments[0].content.acceptContext, { kind: 'report_csv', department: dept.toUpperCase() });
  });

  it('report of another department, as a manager: refused politely, with their own progress instead', async () => {
    const { replies } = await askReport(oscar.from, `report ${dept}`);
    const card = cardOf(replies[0].activity)!;
    const text = readable(card);
    assert.match(text, new RegExp(`your own department \\(“${otherDept}”\\) only`));
    assert.match(text, new RegExp(`Learning progress: ${oscar.name}`));
    assert.match(text, /Overall progress: 40%/);
    for (const name of [alice.name, bob.name, mona.name, erin.name])
      assert.doesNotMatch(JSON.stringify(replies.map((r) => r.activity)), new RegExp(name));
    assert.deepEqual(
      replies.at(-1)!.activity.attachments[0].content.acceptContext,
      { kind: 'report_csv', userId: oscar.userId },
      'the CSV is of what the card shows',
    );
  });

  it('report as an employee: their own progress; a department report is refused with their own progress', async () => {
    const own = await askReport(alice.from, 'report');
    const text = readable(cardOf(own.replies[0].activity));
    assert.match(text, new RegExp(`Learning progress: ${alice.name}`));
    assert.match(text, /Overall progress: 75%/);
    assert.match(text, /Courses completed: 1 of 1/);
    // one person's one-bar chart is small enough to go in the card itself
    assert.equal(own.replies.length, 2);
    assert.equal(elements(cardOf(own.replies[0].activity)!, 'Image').length, 1);
    assert.deepEqual(chartPng(own.replies)!.subarray(0, 8), PNG_SIGNATURE);
    await bot.settle();
    connector.reset();

    const refused = await askReport(alice.from, `report ${dept}`);
    const refusedText = readable(cardOf(refused.replies[0].activity));
    assert.match(refusedText, /department reports are for managers/);
    assert.match(refusedText, /Overall progress: 75%/);
    assert.doesNotMatch(JSON.stringify(refused.replies.map((r) => r.activity)), new RegExp(bob.name));
  });

  it('report @person in a channel: the mentioned person, resolved by their Entra id, sent to the asker’s 1:1 chat', async () => {
    connector.addMember(alice.from.id, { name: alice.name, email: alice.email, aadObjectId: alice.from.aadObjectId });
    const activity = channelMessage(serviceUrl, `report <at>${alice.name}</at>`, { from: mona.from });
    activity.entities.push({ type: 'mention', text: `<at>${alice.name}</at>`, mentioned: { id: alice.from.id, name: alice.name } });
    assert.equal((await bot.post(activity)).status, 200);

    const [note] = await connector.waitFor(isTextIn(activity.conversation.id));
    assert.equal(note.activity.text, REPORT_SENT_PRIVATELY);
    assert.equal(note.replyToId, activity.id, 'the note goes in the thread');
    assert.equal(connector.createdConversations.length, 1);
    const { parameters, id: privateChat } = connector.createdConversations[0];
    assert.deepEqual(
      parameters.members.map((m: Json) => m.id),
      [mona.from.id],
    );
    assert.equal(parameters.isGroup, false);
    assert.equal(parameters.tenantId, TENANT);
    const privateMessages = connector.sentTo(privateChat, 'message');
    assert.equal(privateMessages.length, 2, 'posted before the note in the thread');
    assert.equal(privateMessages[0].kind, 'send');
    const text = readable(cardOf(privateMessages[0].activity));
    assert.match(text, new RegExp(`Learning progress: ${alice.name}`));
    assert.match(text, /Overall progress: 75%/);
    assert.deepEqual(privateMessages[1].activity.attachments[0].content.acceptContext, { kind: 'report_csv', userId: alice.userId });
    assert.equal(
      connector.activities.filter((a) => a.conversationId === activity.conversation.id && cardOf(a.activity)).length,
      0,
      'no report card in the channel',
    );

    // someone in another department, @mentioned: not found among Mona's people, by name
    await bot.settle();
    connector.reset();
    connector.addMember(erin.from.id, { name: erin.name, email: erin.email, aadObjectId: erin.from.aadObjectId });
    const other = channelMessage(serviceUrl, `report <at>${erin.name}</at>`, { from: mona.from });
    other.entities.push({ type: 'mention', text: `<at>${erin.name}</at>`, mentioned: { id: erin.from.id, name: erin.name } });
    await bot.post(other);
    const [refusal] = await connector.waitFor((a) => a.conversationId !== other.conversation.id && a.activity.type === 'message');
    assert.match(refusal.activity.text, new RegExp(`couldn't find “${erin.name}” among the people in your department`));

    // someone Teams knows but we never saw: created through the IdentityService, and not in Mona's department either
    await bot.settle();
    connector.reset();
    const zed = person(`Zed ${tag}`);
    connector.addMember(zed.id, { name: zed.name, email: `zed.${tag}@example.test`, aadObjectId: zed.aadObjectId });
    const unknown = channelMessage(serviceUrl, `report <at>${zed.name}</at>`, { from: mona.from });
    unknown.entities.push({ type: 'mention', text: `<at>${zed.name}</at>`, mentioned: { id: zed.id, name: zed.name } });
    await bot.post(unknown);
    const [notFound] = await connector.waitFor((a) => a.conversationId !== unknown.conversation.id && a.activity.type === 'message');
    assert.match(notFound.activity.text, new RegExp(`couldn't find “${zed.name}”`));
    const [created] = await ds.query(
      `SELECT u.email, u.department FROM users u JOIN user_identities i ON i.user_id = u.id WHERE i.platform_user_id = $1`,
      [zed.aadObjectId],
    );
    // unauthenticated (local mode): the email the member lookup returned is not trusted to link or store
    assert.match(created.email, /@users\.invalid$/);
    assert.equal(created.department, null);

    // Teams cannot tell us who was mentioned: ask for an email instead, create nobody
    await bot.settle();
    connector.reset();
    const ghost = person(`Ghost ${tag}`);
    const lookupFails = channelMessage(serviceUrl, `report <at>${ghost.name}</at>`, { from: mona.from });
    lookupFails.entities.push({ type: 'mention', text: `<at>${ghost.name}</at>`, mentioned: { id: ghost.id, name: ghost.name } });
    await bot.post(lookupFails);
    const [askEmail] = await connector.waitFor(isTextIn(lookupFails.conversation.id));
    assert.match(askEmail.activity.text, new RegExp(`couldn't look up ${ghost.name} in Teams just now. Try their email address`));
    assert.equal(connector.createdConversations.length, 0);
    assert.equal(
      (await ds.query(`SELECT 1 FROM user_identities WHERE platform_user_id IN ($1, $2)`, [ghost.id, ghost.aadObjectId])).length,
      0,
    );
  });

  it('report in a channel when the 1:1 chat cannot be opened: says how to get it, posts nothing in public', async () => {
    connector.failCreateConversationWith = 403;
    const activity = channelMessage(serviceUrl, 'report', { from: mona.from });
    await bot.post(activity);
    const [note] = await connector.waitFor(isTextIn(activity.conversation.id));
    assert.equal(note.activity.text, REPORT_NOT_DELIVERED);
    assert.equal(connector.activities.filter((a) => cardOf(a.activity)).length, 0);
    assert.ok(log.lines.some((l) => l.level === 'warn' && /personal chat/.test(l.msg)));
  });

  // ------------------------------------------------------------------ progress

  it('progress: bars and buttons per item; the buttons record 50 % and Completed', async () => {
    const me = await member(`Pat ${tag}`);
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 10)`, [
      me.userId,
      course('Machine Learning Basics').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100)`, [
      me.userId,
      skill('Python Programming').id,
    ]);
    const { activity, replies } = await ask(me.from, 'progress');
    const card = cardOf(replies[0].activity)!;
    const text = readable(card);
    assert.match(text, /1 in progress · 1 completed · 0 not started/);
    assert.match(text, /█░░░░░░░░░ 10% · In progress/);
    assert.match(text, /██████████ 100% · ✅ Completed/);
    const buttons = submitActions(card);
    assert.deepEqual(
      buttons.map((b) => [b.title, b.data]),
      [
        ['50 %', { action: 'progress_set', itemType: 'course', itemId: course('Machine Learning Basics').id, percent: 50 }],
        ['Completed', { action: 'progress_set', itemType: 'course', itemId: course('Machine Learning Basics').id, percent: 'complete' }],
      ],
      'a completed item has no buttons',
    );

    const [half] = await click(activity, buttons[0].data);
    assert.match(half.activity.text, /Machine Learning Basics \(course\) is now at 50% \(was 10%\)/);
    const [row] = await ds.query(`SELECT progress, completed_at FROM learning_progress WHERE user_id = $1 AND course_id = $2`, [
      me.userId,
      course('Machine Learning Basics').id,
    ]);
    assert.deepEqual([row.progress, row.completed_at], [50, null]);

    const [done] = await click(activity, buttons[1].data);
    assert.match(done.activity.text, /Marked Machine Learning Basics \(course\) as completed/);
    const [after] = await ds.query(`SELECT progress, completed_at FROM learning_progress WHERE user_id = $1 AND course_id = $2`, [
      me.userId,
      course('Machine Learning Basics').id,
    ]);
    assert.equal(after.progress, 100);
    assert.ok(after.completed_at);

    // a forged button with an out-of-range percentage writes nothing
    const [bad] = await click(activity, { ...buttons[0].data, percent: 150 });
    assert.match(bad.activity.text, /can't record “150” as progress/);
    assert.equal(
      (
        await ds.query(`SELECT progress FROM learning_progress WHERE user_id = $1 AND course_id = $2`, [
          me.userId,
          course('Machine Learning Basics').id,
        ])
      )[0].progress,
      100,
    );
  });

  it('progress <item> <percent>: updates; out of range, ambiguous and unknown names say so and write nothing', async () => {
    const me = await member(`Quinn ${tag}`);
    const rows = () =>
      ds.query(`SELECT skill_id, course_id, progress FROM learning_progress WHERE user_id = $1 ORDER BY progress`, [me.userId]);

    const tooMuch = await ask(me.from, 'progress Leadership 150');
    assert.match(tooMuch.replies[0].activity.text, /I can't record “150” as progress: give a percentage from 0 to 100/);
    assert.deepEqual(await rows(), [], 'nothing written');

    await bot.settle();
    connector.reset();
    const ok = await ask(me.from, 'progress Leadership 50%');
    assert.equal(ok.replies[0].activity.text, 'Leadership (skill) is now at 50%.');
    assert.deepEqual(await rows(), [{ skill_id: skill('Leadership').id, course_id: null, progress: 50 }]);

    await bot.settle();
    connector.reset();
    const ambiguous = await ask(me.from, 'progress Python 30');
    const card = cardOf(ambiguous.replies[0].activity)!;
    assert.match(readable(card), /Which one do you mean/);
    const options = submitActions(card);
    assert.ok(options.length >= 2);
    const fundamentals = options.find((o) => o.data.itemId === course('Python Fundamentals').id)!;
    assert.deepEqual(fundamentals.data, {
      action: 'progress_set',
      itemType: 'course',
      itemId: course('Python Fundamentals').id,
      percent: 30,
    });
    assert.equal((await rows()).length, 1, 'nothing written while ambiguous');
    const [picked] = await click(ambiguous.activity, fundamentals.data);
    assert.match(picked.activity.text, /Python Fundamentals \(course\) is now at 30%/);

    await bot.settle();
    connector.reset();
    const typo = await ask(me.from, 'progress Leadershp 20');
    const typoCard = cardOf(typo.replies[0].activity);
    assert.match(
      typoCard ? readable(typoCard) : typo.replies[0].activity.text,
      /couldn't find a course or skill called “Leadershp”\. Did you mean “Leadership”/,
    );
    if (typoCard) assert.ok(submitActions(typoCard).some((a) => a.data.itemId === skill('Leadership').id && a.data.percent === 20));
    assert.deepEqual(
      (await rows()).map((r: Json) => r.progress),
      [30, 50],
    );
  });

  // ------------------------------------------------------------------ quiz

  it('quiz: the questions as radio buttons; a submission is scored and stored once; a late one is marked late', async () => {
    const me = await member(`Quiz Taker ${tag}`);
    const quiz = quizNamed('Python Fundamentals Course Quiz');
    const { activity, replies } = await ask(me.from, 'quiz python fundamentals');
    const card = cardOf(replies[0].activity)!;
    assert.match(readable(card), /Python Fundamentals Course Quiz/);
    const choiceSets = elements(card, 'Input.ChoiceSet');
    assert.equal(choiceSets.length, quiz.questions.length);
    for (const [i, cs] of choiceSets.entries()) {
      assert.equal(cs.id, `${QUIZ_INPUT_PREFIX}${quiz.questions[i].id}`);
      assert.equal(cs.style, 'expanded');
      assert.deepEqual(
        cs.choices.map((c: Json) => c.value),
        quiz.questions[i].choices.map((c) => c.id),
      );
    }
    assert.doesNotMatch(JSON.stringify(card), /explanation|"answer"/, 'no answer key in the card');
    const [submitButton] = submitActions(card);
    assert.equal(submitButton.data.action, 'quiz_submit');
    const [attempt] = await ds.query(`SELECT id FROM assessment_attempts WHERE user_id = $1 AND submitted_at IS NULL`, [me.userId]);
    assert.deepEqual(submitButton.data, { action: 'quiz_submit', attemptId: attempt.id });

    // Teams posts the button's data together with every input of the card; one answer wrong
    const wrongQ = quiz.questions[0];
    const wrongChoice = wrongQ.choices.find((c) => c.id !== wrongQ.answer)!;
    const inputs = Object.fromEntries(
      quiz.questions.map((q) => [`${QUIZ_INPUT_PREFIX}${q.id}`, q.id === wrongQ.id ? wrongChoice.id : q.answer]),
    );
    const value = { ...submitButton.data, ...inputs };
    const [result] = await click(activity, value);
    const resultCard = cardOf(result.activity)!;
    const text = readable(resultCard);
    const expected = Math.round((1000 * (quiz.questions.length - 1)) / quiz.questions.length) / 10;
    assert.match(text, new RegExp(`\\*\\*${expected}%\\*\\* · ${quiz.questions.length - 1} of ${quiz.questions.length} right · Passed ✅`));
    assert.match(text, /What you missed/);
    assert.ok(text.includes(`Right answer: ${wrongQ.choices.find((c) => c.id === wrongQ.answer)!.text}`));
    assert.ok(text.includes(wrongQ.explanation));
    const rec = submitActions(resultCard).find((a) => a.data.action === 'rec_open');
    assert.ok(rec, 'a study suggestion with a Start/Read button');

    const stored = await ds.query(`SELECT score, passed, late, attempt_id FROM assessment_results WHERE user_id = $1`, [me.userId]);
    assert.deepEqual(stored, [{ score: expected, passed: true, late: false, attempt_id: attempt.id }]);

    // the same attempt submitted again (e.g. a second click): the stored result, nothing new
    const [again] = await click(activity, {
      ...submitButton.data,
      ...Object.fromEntries(quiz.questions.map((q) => [`${QUIZ_INPUT_PREFIX}${q.id}`, q.answer])),
    });
    const againText = readable(cardOf(again.activity));
    assert.match(againText, /already submitted this quiz/);
    assert.match(againText, new RegExp(`${expected}%`));
    assert.equal((await ds.query(`SELECT 1 FROM assessment_results WHERE user_id = $1`, [me.userId])).length, 1);

    // a late submission: recorded, marked late, not a pass
    await bot.settle();
    connector.reset();
    const second = await ask(me.from, 'quiz communication');
    const lateCard = cardOf(second.replies[0].activity)!;
    const lateSubmit = submitActions(lateCard)[0];
    await ds.query(
      `UPDATE assessment_attempts SET started_at = now() - interval '30 minutes', expires_at = now() - interval '20 minutes' WHERE id = $1`,
      [lateSubmit.data.attemptId],
    );
    const comm = quizNamed('Communication Quiz');
    const [late] = await click(second.activity, {
      ...lateSubmit.data,
      ...Object.fromEntries(comm.questions.map((q) => [`${QUIZ_INPUT_PREFIX}${q.id}`, q.answer])),
    });
    const lateText = readable(cardOf(late.activity));
    assert.match(lateText, /Late: recorded, but not a pass/);
    assert.match(lateText, /recorded as late/);
    const [lateRow] = await ds.query(`SELECT score, passed, late FROM assessment_results WHERE attempt_id = $1`, [
      lateSubmit.data.attemptId,
    ]);
    assert.deepEqual(lateRow, { score: 100, passed: false, late: true });
    assert.ok(submitActions(cardOf(late.activity)!).some((a) => a.title === 'Try again' && a.data.action === 'quiz_start'));

    // an attempt that is not there (or someone else's)
    const [unknown] = await click(activity, { action: 'quiz_submit', attemptId: randomUUID() });
    assert.match(unknown.activity.text, /can't find that quiz attempt/);
    const [notMine] = await click(activity, value, person('Mallory'));
    assert.match(notMine.activity.text, /can't find that quiz attempt/);
  });

  // ------------------------------------------------------------------ recommend, dashboard, help

  it('recommend: fresh recommendations as cards with Start buttons that work', async () => {
    const me = await member(`Rec Seeker ${tag}`);
    const { activity, replies } = await ask(me.from, 'recommend');
    const card = cardOf(replies[0].activity)!;
    assert.match(readable(card), /Recommended for you/);
    const starts = submitActions(card).filter((a) => a.data.action === 'rec_open');
    assert.ok(starts.length >= 1);
    const stored = await ds.query(`SELECT id FROM recommendations WHERE user_id = $1`, [me.userId]);
    assert.deepEqual(new Set(stored.map((r: Json) => r.id)), new Set(starts.map((s) => s.data.recommendationId)));
    const [ok] = await click(activity, starts[0].data);
    assert.match(ok.activity.text, /learning progress|Enjoy the read/);
  });

  it('dashboard: totals, progress, recent quizzes and recommendations in one card', async () => {
    const me = await member(`Dash ${tag}`);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 30), ($1, $3, 100)`, [
      me.userId,
      skill('Leadership').id,
      skill('Communication').id,
    ]);
    const { replies } = await ask(me.from, 'dashboard');
    const text = readable(cardOf(replies[0].activity));
    assert.match(text, /Your learning dashboard/);
    assert.match(text, /Overall progress: ███████░░░ 65%/);
    assert.match(text, /Skills completed: 1 of 2/);
    assert.match(text, /Leadership · Skill/);
    assert.match(text, /No quizzes yet/);
  });

  it('help (and the @mention spelling in a channel) lists every command with an example', async () => {
    const { replies } = await ask(alice.from, 'help');
    const text = readable(cardOf(replies[0].activity));
    for (const c of LEARNING_COMMANDS) assert.ok(text.includes(`“${c.teams.example}”`), c.id);
    const inChannel = channelMessage(serviceUrl, 'help');
    await bot.post(inChannel);
    const [reply] = await connector.waitFor(isCardIn(inChannel.conversation.id));
    assert.match(readable(cardOf(reply.activity)), /@mention me/);
    assert.equal(BOT.id, inChannel.recipient.id);
  });

  it('a command @mentioned in a channel is answered in the thread; other text stays a question', async () => {
    const activity = channelMessage(serviceUrl, 'progress', { from: alice.from });
    await bot.post(activity);
    const [reply] = await connector.waitFor(isCardIn(activity.conversation.id));
    assert.equal(reply.replyToId, activity.id);
    assert.match(readable(cardOf(reply.activity)), /Your learning progress/);
    assert.equal(
      (await ds.query(`SELECT 1 FROM chat_messages WHERE platform_message_id = $1`, [activity.id])).length,
      0,
      'commands are not logged as questions',
    );

    const question = channelMessage(serviceUrl, 'progress bars in CSS?', { from: alice.from });
    await bot.post(question);
    await connector.waitFor(isCardIn(question.conversation.id));
    assert.equal(
      (await ds.query(`SELECT 1 FROM chat_messages WHERE platform_message_id = $1`, [question.id])).length,
      1,
      'a question, answered by the conversation service',
    );
  });
});
