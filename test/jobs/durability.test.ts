import assert from 'node:assert/strict';
import type { Client } from 'pg';
import { envelope, messageEvent, newId, SlackSender } from '../channels/slack/slack-requests';
import { cardOf, personalMessage } from '../channels/teams/helpers';
import { backends } from '../helpers/databases';
import { FakeBotConnector } from '../helpers/fake-bot-connector';
import { FakeOpenAIServer } from '../helpers/fake-openai-server';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { childDatabase, freePort, ServerProcess, sleep } from '../helpers/server-process';

/**
 * Nothing acknowledged is lost: the server runs as `npm start` does, in a child process, against a
 * fake Slack Web API / Bot Connector / OpenAI on 127.0.0.1, and is killed (-9) or stopped (SIGTERM)
 * while it works. Every message Slack or Teams got a 2xx for is answered exactly once, after restarts.
 */
const SECRET = 'durability-signing-secret';
const QUESTION = 'How do I handle exceptions in Python?';
const APOLOGY = /Sorry, something went wrong/;

for (const backend of backends()) {
  describe(`durable delivery, server killed and restarted [${backend.name}]`, function () {
    this.timeout(300_000);
    let fake: FakeSlackApi;
    let db: Awaited<ReturnType<typeof childDatabase>>;
    const servers: ServerProcess[] = [];

    before(async () => {
      fake = new FakeSlackApi();
      await fake.start();
      db = await childDatabase(backend.name);
    });
    // Each test starts from no running server: a leftover one would take the next test's jobs.
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.stop('SIGTERM');
    });
    after(async () => {
      await fake?.stop();
      await db?.cleanup();
    });

    async function startServer(env: Record<string, string> = {}, port?: number): Promise<ServerProcess> {
      const server = new ServerProcess(port ?? (await freePort()), {
        ...db.env,
        SLACK_BOT_TOKEN: 'xoxb-durable',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        TEAMS_ENABLED: 'false',
        ...env,
      });
      servers.push(server);
      await server.start();
      return server;
    }

    /** Sends one DM per new channel, all at once; resolves when every ack (HTTP 200) has arrived. */
    async function sendDms(server: ServerProcess, n: number): Promise<string[]> {
      const slack = new SlackSender(`${server.url}/slack/events`, SECRET);
      const channels = Array.from({ length: n }, () => newId('D'));
      const results = await Promise.all(
        channels.map((channel) => slack.event(envelope(messageEvent({ channel, user: newId('U'), text: QUESTION })))),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        channels.map(() => 200),
        'every DM acknowledged',
      );
      return channels;
    }

    const postsTo = (channel: string) => fake.callsOf('chat.postMessage', (c) => c.body.channel === channel && c.status === 200);

    async function waitAnswered(channels: string[], timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const missing = channels.filter((c) => postsTo(c).length === 0);
        if (!missing.length) return;
        if (Date.now() > deadline)
          throw new Error(`${missing.length} of ${channels.length} acknowledged messages never answered: ${await jobStates(missing)}`);
        await sleep(200);
      }
    }

    /** What the queue knows about the deliveries to these channels (for the failure message). */
    async function jobStates(channels: string[]): Promise<string> {
      try {
        const client = await db.connect();
        try {
          const { rows } = await client.query(
            `SELECT e.event_id, e.reply_ref, j.state, j.retry_count, j.output, j.heartbeat_on, j.heartbeat_seconds, j.started_on, now() AS now, (SELECT count(*) FROM pgboss.job WHERE state = 'active') AS active_all FROM processed_events e LEFT JOIN pgboss.job j ON j.id::text = e.job_id
            WHERE e.event_id LIKE ANY($1)`,
            [channels.map((c) => `${c}:%`)],
          );
          return JSON.stringify(rows);
        } finally {
          await client.end();
        }
      } catch (err) {
        return `(could not read the queue: ${(err as Error).message})`;
      }
    }

    async function chatRows(client: Client, channels: string[]): Promise<Map<string, number>> {
      const { rows } = await client.query(
        `SELECT conversation_id, count(*)::int AS n FROM chat_messages WHERE channel = 'slack' AND conversation_id = ANY($1) GROUP BY 1`,
        [channels],
      );
      return new Map(rows.map((r: { conversation_id: string; n: number }) => [r.conversation_id, r.n]));
    }

    it('kill -9 at 0, 50, 200 and 1000 ms after the last ack: after restarts all 120 DMs are answered exactly once, one chat_messages row each', async () => {
      let server = await startServer();
      const all: string[] = [];
      for (const offset of [0, 50, 200, 1000]) {
        all.push(...(await sendDms(server, 30)));
        await sleep(offset);
        const ended = await server.stop('SIGKILL');
        assert.equal(ended.signal, 'SIGKILL');
        server = await startServer();
      }
      // jobs a dead worker held come back after its heartbeat lapses (10 s) and a supervise pass (5 s)
      await waitAnswered(all, 90_000);
      await sleep(1500); // a duplicate post would show up now
      const twice = all.filter((c) => postsTo(c).length !== 1);
      assert.deepEqual(twice, [], 'no DM is answered twice');
      assert.ok(
        all.every((c) => !APOLOGY.test(postsTo(c)[0].body.text)),
        'answers, not apologies',
      );
      const client = await db.connect();
      try {
        const rows = await chatRows(client, all);
        assert.deepEqual(
          all.filter((c) => rows.get(c) !== 1),
          [],
          'one chat_messages row per DM',
        );
      } finally {
        await client.end();
      }
    });

    it('SIGTERM with a slow model: exits 0 within the shutdown timeout, and what was handed back is answered after the restart, once', async () => {
      const openai = new FakeOpenAIServer({ defaultReply: 'Use try/except around the risky call [1].' });
      const { url } = await openai.start();
      try {
        for (let i = 0; i < 40; i++) openai.enqueue({ reply: 'Use try/except around the risky call [1].', delayMs: 2500 });
        // The model only answers; the embeddings stay local so this database's content keeps matching.
        const env = {
          OPENAI_API_KEY: 'sk-test',
          OPENAI_BASE_URL: url,
          EMBEDDING_PROVIDER: 'local',
          SHUTDOWN_TIMEOUT_MS: '1500',
          WORKER_CONCURRENCY: '4',
        };
        let server = await startServer(env);
        const channels = await sendDms(server, 20);
        await sleep(200);
        const t0 = Date.now();
        const ended = await server.stop('SIGTERM');
        const took = Date.now() - t0;
        assert.equal(ended.code, 0, 'exit 0');
        assert.ok(took < 10_000, `stopped in ${took} ms`);
        assert.ok(server.logs.some((l) => /shutting down/.test(l.msg)));
        const answeredBefore = channels.filter((c) => postsTo(c).length > 0).length;
        assert.ok(answeredBefore < channels.length, `some answers were still to come at SIGTERM (${answeredBefore} of 20 done)`);

        server = await startServer(env);
        await waitAnswered(channels, 120_000);
        await sleep(1500);
        assert.deepEqual(
          channels.filter((c) => postsTo(c).length !== 1),
          [],
          'each answered exactly once',
        );
        const notModel = channels.filter((c) => !/try\/except/.test(postsTo(c)[0].body.text)).map((c) => postsTo(c)[0].body.text);
        assert.deepEqual(notModel, [], 'the model answered every one');
      } finally {
        await openai.stop();
      }
    });

    it('Teams: kill -9 with turns in flight, restart, Teams redelivers: every message answered exactly once', async () => {
      const connector = new FakeBotConnector();
      const serviceUrl = (await connector.start()).url;
      try {
        const env = { TEAMS_ENABLED: 'true', TEAMS_ALLOW_UNAUTHENTICATED: 'true' };
        let server = await startServer(env);
        const activities = Array.from({ length: 10 }, () => personalMessage(serviceUrl, QUESTION));
        const post = (s: ServerProcess, a: object) =>
          fetch(`${s.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a) });
        const first = await Promise.all(activities.map((a) => post(server, a)));
        assert.deepEqual(
          first.map((r) => r.status),
          activities.map(() => 200),
        );
        await server.stop('SIGKILL');
        server = await startServer(env);
        // Teams redelivers what it is unsure of; the accepted ones are recognised and not answered again
        const again = await Promise.all(activities.map((a) => post(server, a)));
        assert.deepEqual(
          again.map((r) => r.status),
          activities.map(() => 200),
        );
        const cards = (id: string) =>
          connector.activities.filter((r) => r.conversationId === id && r.activity.type === 'message' && cardOf(r.activity));
        const deadline = Date.now() + 90_000;
        while (activities.some((a) => cards(a.conversation.id).length === 0)) {
          if (Date.now() > deadline) throw new Error('some Teams messages were never answered');
          await sleep(200);
        }
        await sleep(1500);
        assert.deepEqual(
          activities.map((a) => cards(a.conversation.id).length),
          activities.map(() => 1),
          'one answer card per message',
        );
        assert.ok(
          activities.every((a) => cards(a.conversation.id)[0].replyToId === a.id),
          'in reply to the message',
        );
      } finally {
        await connector.stop();
      }
    });

    if (backend.name === 'postgres') {
      it('two instances on one database, one killed mid-burst: the other answers everything', async () => {
        const a = await startServer();
        const b = await startServer();
        const [fromA, fromB] = await Promise.all([sendDms(a, 15), sendDms(b, 15)]);
        await a.stop('SIGKILL');
        const t0 = Date.now();
        await waitAnswered([...fromA, ...fromB], 60_000);
        const took = Date.now() - t0;
        await sleep(1500);
        assert.deepEqual(
          [...fromA, ...fromB].filter((c) => postsTo(c).length !== 1),
          [],
          'each answered exactly once',
        );
        assert.ok(took < 60_000, `the survivor answered within ${took} ms`);
        await b.stop('SIGTERM');
      });

      it('database connections terminated mid-run: answered after a retry, not with an apology', async () => {
        const openai = new FakeOpenAIServer({ defaultReply: 'Wrap it in try/except [1].' });
        const { url } = await openai.start();
        try {
          for (let i = 0; i < 60; i++) openai.enqueue({ reply: 'Wrap it in try/except [1].', delayMs: 300 });
          const server = await startServer({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: url, EMBEDDING_PROVIDER: 'local' });
          const channels = await sendDms(server, 30);
          const admin = await db.connect();
          let terminated = 0;
          try {
            for (let i = 0; i < 5; i++) {
              await sleep(150);
              const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'learning-assistant'`);
              terminated += rows.filter((r: { t: boolean }) => r.t).length;
            }
          } finally {
            await admin.end();
          }
          assert.ok(terminated > 0, 'connections were terminated');
          await waitAnswered(channels, 90_000);
          const apologies = channels.filter((c) => APOLOGY.test(postsTo(c)[0].body.text));
          assert.deepEqual(
            apologies,
            [],
            `no apology; errors: ${JSON.stringify(server.logs.filter((l) => l.level === 'error').slice(0, 3))}`,
          );
          assert.ok(server.logs.some((l) => /will be retried/.test(l.msg)) || terminated > 0);
          await server.stop('SIGTERM');
        } finally {
          await openai.stop();
        }
      });

      it('Slack: the database down at ack time answers 5xx, and the retry delivered later is answered', async () => {
        const server = await startServer();
        const admin = await db.admin();
        const dbName = db.name!;
        const slack = new SlackSender(`${server.url}/slack/events`, SECRET);
        const channel = newId('D');
        const event = envelope(messageEvent({ channel, user: newId('U'), text: QUESTION }));
        try {
          await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
          await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [
            dbName,
          ]);
          const down = await slack.event(event);
          assert.ok(down.status >= 500, `answered ${down.status}`);
          const ready = await fetch(`${server.url}/readyz`);
          assert.equal(ready.status, 503, 'not ready while the database is down');
        } finally {
          await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`).catch(() => {});
          await admin.end().catch(() => {});
        }
        await sleep(500);
        const retry = await slack.event(event, { retryNum: 1 });
        assert.equal(retry.status, 200);
        await waitAnswered([channel], 30_000);
        await sleep(1000);
        assert.equal(postsTo(channel).length, 1);
        await server.stop('SIGTERM');
      });
    }
  });
}
