import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { escapeMrkdwn } from '../../../src/channels/slack/blocks/mrkdwn';
import { REPORT_FILES_SENT } from '../../../src/channels/slack/learning';
import { LEARNING_COMMANDS } from '../../../src/core/learning';
import type { AppDataSource } from '../../../src/db/data-source';
import { insertSeedAssessments, SEED_ASSESSMENTS } from '../../../src/db/seed-assessments';
import { SEED_COURSES, SEED_SKILLS } from '../../../src/db/seed-rows';
import { createLogger } from '../../../src/observability/logger';
import { forEachBackend } from '../../helpers/databases';
import { type FakeSlackApi, type RecordedCall, TEAM_ID } from '../../helpers/fake-slack-api';
import { makeUser } from '../../helpers/fixtures';
import { blockActions, envelope, messageEvent, newId, type SlackSender, slashCommand } from './slack-requests';
import { type RunningSlack, startSlackServer } from './slack-server';

const SECRET = 'test-signing-secret-learning';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const course = (title: string) => SEED_COURSES.find((c) => c.title === title)!;
const skill = (name: string) => SEED_SKILLS.find((s) => s.name === name)!;
const quizNamed = (title: string) => SEED_ASSESSMENTS.find((a) => a.title === title)!;

type Json = any;
interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

/** Every text a person reads in some blocks (section text and fields, context, header, button labels). */
function readable(blocks: Json[]): string {
  const out: string[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Json;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(blocks);
  return out.join('\n');
}

const buttons = (blocks: Json[], pattern: RegExp): Json[] => {
  const out: Json[] = [];
  for (const b of blocks) {
    if (b.accessory?.type === 'button' && pattern.test(b.accessory.action_id)) out.push(b.accessory);
    for (const e of b.elements ?? []) if (e.type === 'button' && pattern.test(e.action_id)) out.push(e);
  }
  return out;
};

forEachBackend('Slack channel: the learning loop over HTTP', (backend) => {
  let ds: AppDataSource;
  let fake: FakeSlackApi;
  let running: RunningSlack;
  let slack: SlackSender;
  const logs: LogLine[] = [];
  const tag = randomUUID().slice(0, 8);
  const dept = `Sales ${tag}`;
  const otherDept = `Ops ${tag}`;
  interface Member {
    userId: string;
    slackId: string;
    name: string;
  }
  let mona: Member, alice: Member, bob: Member, oscar: Member, erin: Member;

  async function member(name: string, fields: { department?: string; role?: string } = {}): Promise<Member> {
    const userId = await makeUser(ds, { name, ...fields });
    const slackId = newId('U');
    fake.users.set(slackId, { name, email: `${userId}@example.test` });
    await ds.query(`INSERT INTO user_identities (user_id, platform, tenant_id, platform_user_id) VALUES ($1, 'slack', $2, $3)`, [
      userId,
      TEAM_ID,
      slackId,
    ]);
    return { userId, slackId, name };
  }

  before(async () => {
    ds = await backend.dataSource();
    await insertSeedAssessments((sql, p) => ds.query(sql, p));
    const logger = createLogger('debug', {}, (line) => {
      logs.push(JSON.parse(line));
    });
    running = await startSlackServer(ds, { secret: SECRET, logger, env: () => ({ LOG_LEVEL: 'debug' }) });
    ({ fake, slack } = running);

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

  after(async () => running?.close());

  beforeEach(() => {
    fake.reset();
    logs.length = 0;
  });
  afterEach(() => {
    assert.deepEqual(
      logs.filter((l) => l.level === 'error').map((l) => l.msg),
      [],
      'nothing failed on the way',
    );
  });

  const dmOf = (m: Member) => `D${m.slackId.slice(1)}`;

  /** A signed slash command; resolves with the HTTP ack and the response_url id its replies go to. */
  async function command(who: Member, name: string, text: string, channelId = newId('C')) {
    const responseId = randomUUID();
    const res = await slack.command(
      slashCommand({ command: name, text, user: who.slackId, channel: channelId, responseUrl: fake.responseUrl(responseId) }),
    );
    assert.equal(res.status, 200, res.text);
    return { res, responseId, channelId };
  }
  const responses = (id: string) => (c: RecordedCall) => c.body.response_url_id === id;
  async function reply(id: string, count = 1): Promise<RecordedCall> {
    const calls = await fake.waitFor('response_url', responses(id), { count });
    return calls[count - 1];
  }
  async function click(
    who: Member,
    actionId: string,
    value: string,
    extra: { channel?: string; stateValues?: Record<string, unknown> } = {},
  ): Promise<string> {
    const responseId = randomUUID();
    const res = await slack.interaction(
      blockActions({
        user: who.slackId,
        channel: extra.channel ?? newId('D'),
        actionId,
        value,
        responseUrl: fake.responseUrl(responseId),
        stateValues: extra.stateValues,
      }),
    );
    assert.equal(res.status, 200);
    return responseId;
  }

  // ------------------------------------------------------------------ report

  it('/learning-report as the manager: totals and one section per person; chart PNG and CSV uploaded to the DM with files.uploadV2', async () => {
    const { res, responseId } = await command(mona, '/learning-report', '');
    assert.equal(res.text, '', 'acknowledged at once, with nothing');
    const answer = await reply(responseId);
    assert.equal(answer.body.response_type, 'ephemeral');
    const blocks: Json[] = answer.body.blocks;
    assert.ok(blocks.length <= 50);
    assert.equal(blocks[0].type, 'header');
    assert.equal(blocks[0].text.text, `Learning report: ${dept}`);
    const fields = readable(blocks.filter((b) => b.fields));
    assert.match(fields, /\*People\*\n3/);
    assert.match(fields, /\*Courses completed\*\n1/);
    const people = blocks.filter((b) => b.type === 'section' && /^\*.+\* {2}[█░]{10}/.test(b.text?.text ?? ''));
    assert.deepEqual(
      people.map((b) => /^\*(.+?)\*/.exec(b.text.text)![1]),
      [alice.name, bob.name, mona.name],
      'best progress first',
    );
    assert.match(people[0].text.text, /75%\nCourses 1\/1 · Skills 0\/1 · Last active today/);
    assert.doesNotMatch(JSON.stringify(blocks), new RegExp(oscar.name));
    assert.ok(readable(blocks).includes(REPORT_FILES_SENT.replace(/’/g, '’')), 'says where the files went');

    // files.uploadV2: the DM is opened, two upload URLs asked for, the bytes posted, the upload completed in the DM
    const [open] = fake.callsOf('conversations.open');
    assert.equal(open.body.users, mona.slackId);
    const urls = fake.callsOf('files.getUploadURLExternal');
    assert.deepEqual(
      urls.map((c) => c.body.filename).sort(),
      [
        `learning-report-sales-${tag}-${new Date().toISOString().slice(0, 10)}.csv`,
        `learning-report-sales-${tag}-${new Date().toISOString().slice(0, 10)}.png`,
      ].sort(),
    );
    const uploads = fake.callsOf('files.upload_url');
    assert.equal(uploads.length, 2);
    const png = uploads.find((u) => /\.png$/.test(u.body.filename))!.body.data as Buffer;
    const csv = (uploads.find((u) => /\.csv$/.test(u.body.filename))!.body.data as Buffer).toString('utf8');
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE, 'a PNG');
    assert.ok(csv.startsWith('\ufeffname,email,department,courses_completed'), 'a CSV, with a BOM for Excel');
    assert.ok(csv.includes(`${alice.name},${alice.userId}@example.test,${dept},1,1,0,1,75,`));
    const [complete] = fake.callsOf('files.completeUploadExternal');
    assert.equal(complete.body.channel_id, dmOf(mona), 'uploaded to the DM, not the channel of the command');
    assert.equal(complete.body.files.length, 2);
    assert.match(complete.body.initial_comment, /Learning report/);
  });

  it('/learning-report @person resolves the Slack mention; another department is refused with the manager’s own progress', async () => {
    const { responseId } = await command(mona, '/learning-report', `<@${alice.slackId}|${alice.name.split(' ')[0]}>`);
    const own = await reply(responseId);
    assert.equal(own.body.blocks[0].text.text, `Learning progress: ${alice.name}`);
    assert.match(readable(own.body.blocks), /75%/);

    fake.reset();
    const refused = await command(oscar, '/learning-report', dept);
    const answer = await reply(refused.responseId);
    const text = readable(answer.body.blocks);
    assert.match(text, new RegExp(`your own department \\(“${otherDept}”\\) only`));
    assert.equal(answer.body.blocks[0].text.text, `Learning progress: ${oscar.name}`);
    assert.match(text, /40%/);
    for (const name of [alice.name, bob.name, mona.name, erin.name]) assert.doesNotMatch(JSON.stringify(answer.body), new RegExp(name));
    const csv = (await fake.waitFor('files.upload_url', (c) => /\.csv$/.test(c.body.filename)))[0].body.data.toString('utf8');
    assert.equal(csv.trim().split('\r\n').length, 2, 'the CSV is of what the message shows: the manager alone');
  });

  it('/learning-report as an employee: their own progress; a department report is refused politely with their own', async () => {
    const own = await reply((await command(alice, '/learning-report', '')).responseId);
    assert.equal(own.body.blocks[0].text.text, `Learning progress: ${alice.name}`);
    assert.match(readable(own.body.blocks), /Courses completed\*\n1 of 1/);

    const refused = await reply((await command(alice, '/learning-report', dept)).responseId);
    const text = readable(refused.body.blocks);
    assert.match(text, /department reports are for managers/);
    assert.match(text, /75%/);
    assert.doesNotMatch(JSON.stringify(refused.body), new RegExp(bob.name));
  });

  // ------------------------------------------------------------------ progress

  it('/progress: bars and buttons per item; the buttons record 50 % and Completed', async () => {
    const me = await member(`Pat ${tag}`);
    await ds.query(`INSERT INTO learning_progress (user_id, course_id, progress) VALUES ($1, $2, 10)`, [
      me.userId,
      course('Machine Learning Basics').id,
    ]);
    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 100)`, [
      me.userId,
      skill('Python Programming').id,
    ]);
    const answer = await reply((await command(me, '/progress', '')).responseId);
    const text = readable(answer.body.blocks);
    assert.match(text, /1 in progress · 1 completed · 0 not started/);
    assert.match(text, /`█░░░░░░░░░` 10% · In progress/);
    assert.match(text, /`██████████` 100% · :white_check_mark: Completed/);
    const found = buttons(answer.body.blocks, /^progress_set/);
    const ml = course('Machine Learning Basics').id;
    assert.deepEqual(
      found.map((b) => [b.text.text, b.action_id, JSON.parse(b.value)]),
      [
        ['50 %', 'progress_set', { itemType: 'course', itemId: ml, percent: 50 }],
        ['Completed', 'progress_set:1', { itemType: 'course', itemId: ml, percent: 'complete' }],
      ],
      'a completed item has no buttons',
    );

    const half = await reply(await click(me, found[0].action_id, found[0].value));
    assert.match(half.body.text, /Machine Learning Basics \(course\) is now at 50% \(was 10%\)/);
    const row = async () =>
      (await ds.query(`SELECT progress, completed_at FROM learning_progress WHERE user_id = $1 AND course_id = $2`, [me.userId, ml]))[0];
    assert.equal((await row()).progress, 50);
    const done = await reply(await click(me, found[1].action_id, found[1].value));
    assert.match(done.body.text, /Marked Machine Learning Basics \(course\) as completed/);
    assert.ok((await row()).completed_at);

    // a forged button with an out-of-range percentage writes nothing
    const bad = await reply(await click(me, 'progress_set', JSON.stringify({ itemType: 'course', itemId: ml, percent: 150 })));
    assert.match(bad.body.text, /can't record “150” as progress/);
    assert.equal((await row()).progress, 100);
  });

  it('/progress <item> <percent>: updates; out of range, ambiguous and unknown names say so and write nothing', async () => {
    const me = await member(`Quinn ${tag}`);
    const rows = () =>
      ds.query(`SELECT skill_id, course_id, progress FROM learning_progress WHERE user_id = $1 ORDER BY progress`, [me.userId]);

    const tooMuch = await reply((await command(me, '/progress', 'Leadership 150')).responseId);
    assert.match(tooMuch.body.text, /I can't record “150” as progress: give a percentage from 0 to 100/);
    assert.deepEqual(await rows(), [], 'nothing written');

    const ok = await reply((await command(me, '/progress', 'Leadership 50')).responseId);
    assert.equal(ok.body.text, 'Leadership (skill) is now at 50%.');
    assert.deepEqual(await rows(), [{ skill_id: skill('Leadership').id, course_id: null, progress: 50 }]);

    const ambiguous = await reply((await command(me, '/progress', 'Python 30')).responseId);
    assert.match(readable(ambiguous.body.blocks), /Which one do you mean/);
    const options = buttons(ambiguous.body.blocks, /^progress_set/);
    assert.ok(options.length >= 2);
    assert.equal(new Set(options.map((o) => o.action_id)).size, options.length, 'action ids unique in the block');
    const fundamentals = options.find((o) => JSON.parse(o.value).itemId === course('Python Fundamentals').id)!;
    assert.deepEqual(JSON.parse(fundamentals.value), { itemType: 'course', itemId: course('Python Fundamentals').id, percent: 30 });
    assert.equal((await rows()).length, 1, 'nothing written while ambiguous');
    const picked = await reply(await click(me, fundamentals.action_id, fundamentals.value));
    assert.match(picked.body.text, /Python Fundamentals \(course\) is now at 30%/);

    const typo = await reply((await command(me, '/progress', 'Leadershp 20')).responseId);
    assert.match(readable(typo.body.blocks), /couldn't find a course or skill called “Leadershp”\. Did you mean “Leadership”/);
    assert.deepEqual(
      (await rows()).map((r: Json) => r.progress),
      [30, 50],
    );

    const usage = await command(me, '/progress', 'Leadership sometime');
    assert.match(JSON.parse(usage.res.text).text, /\/progress Python Fundamentals 50%/, 'usage right in the ack');
  });

  // ------------------------------------------------------------------ quiz

  it('/quiz: the questions as radio buttons in the DM; a submission is scored and stored once; a late one is marked late', async () => {
    const me = await member(`Quiz Taker ${tag}`);
    const quiz = quizNamed('Python Fundamentals Course Quiz');
    const started = await command(me, '/quiz', 'python fundamentals');
    const [post] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dmOf(me));
    assert.match((await reply(started.responseId)).body.text, /Your quiz is in our direct messages/);
    const blocks: Json[] = post.body.blocks;
    assert.ok(blocks.length <= 50);
    assert.equal(blocks[0].text.text, 'Python Fundamentals Course Quiz');
    const radios = blocks.filter((b) => b.accessory?.type === 'radio_buttons');
    assert.equal(radios.length, quiz.questions.length);
    for (const [i, b] of radios.entries()) {
      assert.equal(b.block_id, `quiz_q:${quiz.questions[i].id}`);
      assert.deepEqual(
        b.accessory.options.map((o: Json) => o.value),
        quiz.questions[i].choices.map((c) => c.id),
      );
    }
    assert.doesNotMatch(JSON.stringify(blocks), /explanation|"answer"/, 'no answer key in the message');
    const [submit] = buttons(blocks, /^quiz_submit$/);
    const [attempt] = await ds.query(`SELECT id FROM assessment_attempts WHERE user_id = $1 AND submitted_at IS NULL`, [me.userId]);
    assert.equal(submit.value, attempt.id);

    // choosing an option is acknowledged and nothing else
    assert.equal(
      (
        await slack.interaction(
          blockActions({ user: me.slackId, channel: dmOf(me), actionId: 'quiz_choice', value: 'a', responseUrl: fake.responseUrl() }),
        )
      ).status,
      200,
    );

    const wrongQ = quiz.questions[0];
    const wrongChoice = wrongQ.choices.find((c) => c.id !== wrongQ.answer)!;
    const state = (pick: (q: typeof wrongQ) => string) =>
      Object.fromEntries(
        quiz.questions.map((q) => [`quiz_q:${q.id}`, { quiz_choice: { type: 'radio_buttons', selected_option: { value: pick(q) } } }]),
      );
    fake.reset();
    await click(me, 'quiz_submit', attempt.id, {
      channel: dmOf(me),
      stateValues: state((q) => (q.id === wrongQ.id ? wrongChoice.id : q.answer)),
    });
    const [result] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dmOf(me));
    const text = readable(result.body.blocks);
    const expected = Math.round((1000 * (quiz.questions.length - 1)) / quiz.questions.length) / 10;
    assert.ok(
      text.includes(`*${expected}%* · ${quiz.questions.length - 1} of ${quiz.questions.length} right · Passed :white_check_mark:`),
      text,
    );
    assert.match(text, /What you missed/);
    assert.ok(text.includes(`Right answer: ${escapeMrkdwn(wrongQ.choices.find((c) => c.id === wrongQ.answer)!.text)}`), text);
    assert.ok(text.includes(escapeMrkdwn(wrongQ.explanation.replace(/\s+/g, ' ').trim())));
    assert.ok(buttons(result.body.blocks, /^rec_open$/).length === 1, 'a study suggestion with a Start/Read button');
    const stored = await ds.query(`SELECT score, passed, late, attempt_id FROM assessment_results WHERE user_id = $1`, [me.userId]);
    assert.deepEqual(stored, [{ score: expected, passed: true, late: false, attempt_id: attempt.id }]);

    // the same attempt again: the stored result, "already submitted", nothing new
    const again = await reply(await click(me, 'quiz_submit', attempt.id, { channel: dmOf(me), stateValues: state((q) => q.answer) }));
    assert.match(readable(again.body.blocks), /already submitted this quiz/);
    assert.equal((await ds.query(`SELECT 1 FROM assessment_results WHERE user_id = $1`, [me.userId])).length, 1);

    // a late one: recorded, marked late, not a pass
    fake.reset();
    await command(me, '/quiz', 'communication');
    const [lateQuiz] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dmOf(me));
    const lateAttempt = buttons(lateQuiz.body.blocks, /^quiz_submit$/)[0].value;
    await ds.query(
      `UPDATE assessment_attempts SET started_at = now() - interval '30 minutes', expires_at = now() - interval '20 minutes' WHERE id = $1`,
      [lateAttempt],
    );
    const comm = quizNamed('Communication Quiz');
    fake.reset();
    await click(me, 'quiz_submit', lateAttempt, {
      channel: dmOf(me),
      stateValues: Object.fromEntries(
        comm.questions.map((q) => [`quiz_q:${q.id}`, { quiz_choice: { type: 'radio_buttons', selected_option: { value: q.answer } } }]),
      ),
    });
    const [late] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dmOf(me));
    assert.match(readable(late.body.blocks), /Late: recorded, but not a pass/);
    const [lateRow] = await ds.query(`SELECT score, passed, late FROM assessment_results WHERE attempt_id = $1`, [lateAttempt]);
    assert.deepEqual(lateRow, { score: 100, passed: false, late: true });

    // an attempt that is not there
    const unknown = await reply(await click(me, 'quiz_submit', randomUUID(), { channel: dmOf(me) }));
    assert.match(unknown.body.text, /can't find that quiz attempt/);
  });

  // ------------------------------------------------------------------ recommend, dashboard, home, help

  it('/recommend: recommendation cards with Start buttons that are stored; /dashboard: totals and progress', async () => {
    const me = await member(`Rec Seeker ${tag}`);
    const recs = await reply((await command(me, '/recommend', '')).responseId);
    assert.equal(recs.body.blocks[0].text.text, 'Recommended for you');
    const starts = buttons(recs.body.blocks, /^rec_open$/);
    assert.ok(starts.length >= 1);
    const stored = await ds.query(`SELECT id FROM recommendations WHERE user_id = $1`, [me.userId]);
    assert.deepEqual(new Set(stored.map((r: Json) => r.id)), new Set(starts.map((s) => s.value)));

    await ds.query(`INSERT INTO learning_progress (user_id, skill_id, progress) VALUES ($1, $2, 30), ($1, $3, 100)`, [
      me.userId,
      skill('Leadership').id,
      skill('Communication').id,
    ]);
    const dash = await reply((await command(me, '/dashboard', '')).responseId);
    const text = readable(dash.body.blocks);
    assert.match(text, /Your learning dashboard/);
    assert.match(text, /`███████░░░` 65%/);
    assert.match(text, /Skills completed\*\n1 of 2/);
    assert.match(text, /No quizzes yet/);
  });

  it('app_home_opened publishes the dashboard with views.publish', async () => {
    await slack.event(
      envelope({ type: 'app_home_opened', user: alice.slackId, channel: dmOf(alice), tab: 'home', event_ts: String(Date.now() / 1000) }),
    );
    const [publish] = await fake.waitFor('views.publish');
    assert.equal(publish.body.user_id, alice.slackId);
    assert.equal(publish.body.view.type, 'home');
    assert.ok(publish.body.view.blocks.length <= 50);
    const text = readable(publish.body.view.blocks);
    assert.match(text, /Your learning dashboard/);
    assert.match(text, /Python Fundamentals/);
    assert.match(text, /\/learning-report Sales/);
  });

  it('help: `/learn help` and "help" in a DM list every command with an example; a DM command is not answered as a question', async () => {
    const learnHelp = await command(alice, '/learn', 'help');
    const ackText = readable(JSON.parse(learnHelp.res.text).blocks);
    for (const c of LEARNING_COMMANDS) assert.ok(ackText.includes(c.slack.example.replace(/^\/report/, '/learning-report')), c.id);

    const dm = dmOf(alice);
    await slack.event(envelope(messageEvent({ channel: dm, user: alice.slackId, text: 'help' })));
    const [help] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm);
    assert.match(readable(help.body.blocks), /\/quiz python/);

    fake.reset();
    const progress = messageEvent({ channel: dm, user: alice.slackId, text: 'progress' });
    await slack.event(envelope(progress));
    const [list] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm);
    assert.match(readable(list.body.blocks), /Your learning progress/);
    assert.equal(
      (await ds.query(`SELECT 1 FROM chat_messages WHERE platform_message_id = $1`, [`${dm}:${progress.ts}`])).length,
      0,
      'not logged as a question',
    );
  });
});
