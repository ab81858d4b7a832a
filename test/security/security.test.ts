import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AppDataSource } from '../../src/db/data-source';
import { envelope, messageEvent, newId, SlackSender } from '../channels/slack/slack-requests';
import { type RunningSlack, startSlackServer } from '../channels/slack/slack-server';
import { person, personalMessage, type RunningBot, startBot } from '../channels/teams/helpers';
import { makeService } from '../helpers/conversation';
import { forEachBackend } from '../helpers/databases';
import { FakeBotConnector } from '../helpers/fake-bot-connector';
import { FakeOpenAIServer } from '../helpers/fake-openai-server';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { freePort, ServerProcess, sleep } from '../helpers/server-process';

/** Attacks tried through real HTTP against our server, with fakes of Slack and the Bot Connector on 127.0.0.1. */
const SECRET = 'security-signing-secret';

describe('security: the server as npm start runs it', function () {
  this.timeout(120_000);

  it('with only Slack configured, POST /api/messages is 404 and start-up says how to turn Teams on', async () => {
    const fake = new FakeSlackApi();
    await fake.start();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-sec-'));
    const server = new ServerProcess(await freePort(), {
      PGLITE_DATA_DIR: path.join(dir, 'pglite'),
      SLACK_BOT_TOKEN: 'xoxb-sec',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
    });
    try {
      await server.start();
      const res = await fetch(`${server.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(personalMessage('http://127.0.0.1:9/', 'hi')),
      });
      assert.equal(res.status, 404);
      assert.ok(server.logs.some((l) => /Teams is off: set MICROSOFT_APP_ID/.test(l.msg)));
    } finally {
      await server.stop('SIGTERM');
      await fake.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('security: logs', function () {
  this.timeout(120_000);

  it('are JSON lines only, keep stack traces, log a refused Teams request once, and never contain a configured secret', async () => {
    const tag = randomUUID().slice(0, 8);
    const secrets = {
      SLACK_BOT_TOKEN: `xoxb-audit-${tag}-bot`,
      SLACK_SIGNING_SECRET: `audit-signing-${tag}`,
      OPENAI_API_KEY: `sk-audit-${tag}-key`,
      MICROSOFT_APP_PASSWORD: `audit~app.password_${tag}`,
    };
    const fake = new FakeSlackApi();
    await fake.start();
    // A gateway that echoes the credentials it was given in its error text.
    const openai = new FakeOpenAIServer();
    const { url: openaiUrl } = await openai.start();
    openai.enqueue({
      status: 401,
      message: `Incorrect API key provided: ${secrets.OPENAI_API_KEY}. You sent Authorization: Bearer ${secrets.OPENAI_API_KEY}`,
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-sec-log-'));
    const server = new ServerProcess(await freePort(), {
      ...secrets,
      PGLITE_DATA_DIR: path.join(dir, 'pglite'),
      SLACK_API_URL: fake.apiUrl,
      LOG_LEVEL: 'debug',
      OPENAI_BASE_URL: openaiUrl,
      EMBEDDING_PROVIDER: 'local',
      MICROSOFT_APP_ID: randomUUID(),
      MICROSOFT_APP_TENANT_ID: randomUUID(),
    });
    try {
      await server.start();
      const slack = new SlackSender(`${server.url}/slack/events`, secrets.SLACK_SIGNING_SECRET);
      // A question whose model call fails with the echo; it is still answered (extractive fallback).
      const dm = newId('D');
      assert.equal(
        (await slack.event(envelope(messageEvent({ channel: dm, user: newId('U'), text: 'How do I give feedback?' })))).status,
        200,
      );
      await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm, { timeoutMs: 30_000 });
      // A forged Slack request.
      assert.equal(
        (await slack.event(envelope(messageEvent({ channel: dm, user: newId('U'), text: 'forged' })), { secret: 'wrong-secret' })).status,
        401,
      );

      // Refused Teams requests: no token, and the app password offered as a token.
      await sleep(500);
      const before = server.logs.length;
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(personalMessage('http://127.0.0.1:9/', 'hi')),
        });
      assert.equal((await post({})).status, 401);
      assert.equal((await post({ authorization: `Bearer ${secrets.MICROSOFT_APP_PASSWORD}` })).status, 401);
      await sleep(500);
      const teamsLines = server.logs.slice(before).filter((l) => l.level !== 'debug');
      assert.deepEqual(
        teamsLines.map((l) => [l.level, l.msg]),
        [
          ['warn', 'refused a Teams request that failed authentication'],
          ['warn', 'refused a Teams request that failed authentication'],
        ],
        JSON.stringify(server.logs.slice(before)),
      );

      const raw = server.logs.filter((l) => l.level === 'raw');
      assert.deepEqual(raw, [], 'every line on stderr is JSON');
      const modelFailure = server.logs.find((l) => l.msg === 'Answer model failed; using extractive fallback') as
        | { err?: { stack?: string; message?: string } }
        | undefined;
      assert.ok(modelFailure?.err?.stack?.includes('\n    at '), 'the stack trace is kept');
      assert.match(modelFailure!.err!.message ?? '', /Incorrect API key provided: \[redacted\]/);
      assert.ok(
        server.logs.some((l) => l.level === 'warn' && /signature/i.test(l.msg)),
        'the forged Slack request is logged',
      );
      const text = server.logs.map((l) => JSON.stringify(l)).join('\n');
      for (const [name, value] of Object.entries(secrets)) assert.ok(!text.includes(value), `${name} appears in the log`);
    } finally {
      await server.stop('SIGTERM');
      await fake.stop();
      await openai.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('security: the embedded database is closed to other local users', () => {
  it('listens on no TCP port but on a Unix socket in a 0700 directory; data directory 0700, server file 0600', async function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-sec-db-'));
    const dataDir = path.join(dir, 'pglite');
    const ds = new AppDataSource({ pgliteDataDir: dataDir, poolSize: 2 });
    await ds.initialize();
    try {
      const mode = (p: string) => fs.statSync(p).mode & 0o777;
      const held = JSON.parse(fs.readFileSync(`${dataDir}.server.json`, 'utf8')) as { socketDir: string; port?: number };
      assert.equal(mode(dataDir), 0o700);
      assert.equal(mode(`${dataDir}.server.json`), 0o600);
      assert.equal(mode(held.socketDir), 0o700);
      assert.equal(held.port, undefined, 'no TCP port is advertised');
      assert.ok(fs.statSync(path.join(held.socketDir, '.s.PGSQL.5432')).isSocket());
      assert.equal((await ds.query('SELECT 1 AS one'))[0].one, 1, 'the owner connects through the socket');
      if (process.getuid?.() === 0) {
        // another OS user (nobody) cannot even reach the socket
        const script = `require('net').connect({ path: ${JSON.stringify(path.join(held.socketDir, '.s.PGSQL.5432'))} }).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); });`;
        const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 10_000 });
        assert.equal(r.stdout.trim(), 'EACCES');
      }
    } finally {
      await ds.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachBackend('security: Slack', (backend) => {
  let ds: AppDataSource;
  let running: RunningSlack;
  let fake: FakeSlackApi;
  let server: Server;
  let slack: SlackSender;

  before(async () => {
    ds = await backend.dataSource();
    running = await startSlackServer(ds, { secret: SECRET });
    ({ fake, server, slack } = running);
  });
  after(async () => running?.close());

  const accepted = async (channelId: string) =>
    (await ds.query(`SELECT 1 FROM processed_events WHERE platform = 'slack' AND event_id LIKE $1`, [`${channelId}:%`])).length;

  it('refuses correctly signed requests dated more than five minutes ahead or behind with 401, processing nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now + 600, now + 86_400, now - 600]) {
      const dm = newId('D');
      const res = await slack.event(envelope(messageEvent({ channel: dm, user: newId('U'), text: 'replayed' })), { timestamp });
      assert.equal(res.status, 401, `timestamp ${timestamp - now} s from now`);
      assert.equal(await accepted(dm), 0);
    }
    const dm = newId('D');
    assert.equal(
      (await slack.event(envelope(messageEvent({ channel: dm, user: newId('U'), text: 'fresh' })), { timestamp: now + 60 })).status,
      200,
      'a minute of clock skew is fine',
    );
  });

  it('answers a person whose Slack name contains NUL, and stores the name without it', async () => {
    const dm = newId('D');
    const user = newId('U');
    fake.users.set(user, { name: 'Eve\u0000 Null', email: `${user.toLowerCase()}@example.test` });
    await slack.event(envelope(messageEvent({ channel: dm, user, text: 'How do I handle exceptions in Python?' })));
    const [post] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm, { timeoutMs: 15_000 });
    assert.doesNotMatch(post.body.text, /Sorry, something went wrong/);
    const [row] = await ds.query(
      `SELECT u.name FROM users u JOIN user_identities i ON i.user_id = u.id WHERE i.platform = 'slack' AND i.platform_user_id = $1`,
      [user],
    );
    assert.equal(row.name, 'Eve Null');
  });

  it('stores a very long message capped at 16,000 characters with a marker (the answer uses the first 4,000)', async () => {
    const dm = newId('D');
    const text = `How do I handle exceptions in Python? ${'x'.repeat(200_000)}`;
    assert.equal((await slack.event(envelope(messageEvent({ channel: dm, user: newId('U'), text })))).status, 200);
    await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm, { timeoutMs: 15_000 });
    const [row] = await ds.query(`SELECT message FROM chat_messages WHERE channel = 'slack' AND conversation_id = $1`, [dm]);
    assert.ok(row.message.length < 16_100, `stored ${row.message.length} characters`);
    assert.match(row.message, /more characters not stored\]$/);
  });

  it('closes requests that never finish sending, and answers real messages meanwhile', async function () {
    this.timeout(40_000);
    const { port } = server.address() as AddressInfo;
    const stalled = Array.from({ length: 30 }, () => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      socket.write(
        `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"type":`,
      );
      // the server's request timeout answers 408 (and is done with the request); the client then hangs up
      return new Promise<number>((resolve) => {
        const t0 = Date.now();
        socket.on('data', (d) => {
          if (/^HTTP\/1\.1 408/.test(String(d))) {
            resolve(Date.now() - t0);
            socket.destroy();
          }
        });
        socket.on('close', () => resolve(Date.now() - t0));
      });
    });
    const dms = Array.from({ length: 10 }, () => newId('D'));
    const acks = await Promise.all(
      dms.map((dm) => slack.event(envelope(messageEvent({ channel: dm, user: newId('U'), text: 'How should I run a retrospective?' })))),
    );
    assert.deepEqual(
      acks.map((a) => a.status),
      dms.map(() => 200),
    );
    for (const dm of dms) await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm, { timeoutMs: 20_000 });
    const endedAfter = await Promise.all(stalled);
    assert.ok(
      endedAfter.every((ms) => ms < 30_000),
      'every stalled request was ended by the server (408)',
    );
  });
});

forEachBackend('security: Teams without an app id (local mode)', (backend) => {
  let ds: AppDataSource;
  let connector: FakeBotConnector;
  let serviceUrl: string;
  let bot: RunningBot;

  before(async () => {
    ds = await backend.dataSource();
    connector = new FakeBotConnector();
    serviceUrl = (await connector.start()).url;
    bot = await startBot(ds, makeService(ds));
  });
  after(async () => {
    await bot?.close();
    await connector?.stop();
  });

  it('refuses an activity whose serviceUrl is not on this machine (403), accepting nothing and calling out nowhere', async () => {
    for (const url of [
      'http://10.1.2.3:9/',
      'https://smba.trafficmanager.net/emea/',
      'http://169.254.169.254/latest/',
      'file:///etc/passwd',
      'http://127.0.0.1.evil.example/',
    ]) {
      const activity = personalMessage(url, 'hi');
      const res = await bot.post(activity);
      assert.ok(res.status === 403 || (res.status === 400 && !url.startsWith('http')), `${url}: ${res.status}`);
      assert.equal((await ds.query(`SELECT 1 FROM processed_events WHERE platform = 'teams' AND event_id = $1`, [activity.id])).length, 0);
    }
    assert.equal(connector.activities.length, 0);
  });

  it('never links an identity to an existing account by an email the caller controls', async () => {
    const [victim] = await ds.query(`INSERT INTO users (email, name) VALUES ($1, 'Ada Victim') RETURNING id`, [
      `ada.${Date.now()}@example.test`,
    ]);
    const [{ email }] = await ds.query(`SELECT email FROM users WHERE id = $1`, [victim.id]);
    const attacker = person('Not Ada');
    connector.addMember(attacker.id, { name: 'Ada Victim', email, aadObjectId: attacker.aadObjectId });
    await bot.post(personalMessage(serviceUrl, 'What is my progress?', { from: attacker }));
    await bot.settle();
    const [linked] = await ds.query(`SELECT user_id FROM user_identities WHERE platform = 'teams' AND platform_user_id = $1`, [
      attacker.aadObjectId,
    ]);
    assert.ok(linked, 'the caller got an identity of their own');
    assert.notEqual(linked.user_id, victim.id, 'not the account that owns the email');
  });
});
