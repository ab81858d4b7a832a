import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createSlackChannel, type SlackChannelDeps, withTrailingSlash } from '../../../src/channels/slack';
import { loadConfig } from '../../../src/config';
import { IdentityService } from '../../../src/core/identity-service';
import { InteractionService } from '../../../src/core/interaction-service';
import { createLearningLoop } from '../../../src/core/learning';
import type { AppDataSource } from '../../../src/db/data-source';
import { isAppError } from '../../../src/errors';
import type { JobQueue } from '../../../src/jobs/job-queue';
import { createLogger } from '../../../src/observability/logger';
import { localProvider, makeService } from '../../helpers/conversation';
import { forEachBackend } from '../../helpers/databases';
import { FakeSlackApi } from '../../helpers/fake-slack-api';
import { startTestQueue } from '../../helpers/queue';
import { envelope, messageEvent, newId, SlackSender, slashCommand } from './slack-requests';

interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

function capture(): { logs: LogLine[]; logger: ReturnType<typeof createLogger> } {
  const logs: LogLine[] = [];
  return {
    logs,
    logger: createLogger('debug', {}, (l) => {
      logs.push(JSON.parse(l));
    }),
  };
}

describe('createSlackChannel without Slack settings', () => {
  const services = {} as Pick<SlackChannelDeps, 'conversation' | 'interactions' | 'identities'>;

  for (const [label, env] of [
    ['nothing', {}],
    ['only the token', { SLACK_BOT_TOKEN: 'xoxb-1' }],
    ['only the signing secret', { SLACK_SIGNING_SECRET: 's' }],
  ] as const) {
    it(`returns null with one info line naming both variables (${label} set)`, () => {
      const { logs, logger } = capture();
      assert.equal(createSlackChannel({ ...services, config: loadConfig(env), logger } as SlackChannelDeps), null);
      assert.equal(logs.length, 1);
      assert.equal(logs[0].level, 'info');
      assert.match(logs[0].msg, /SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/);
    });
  }

  it('normalises SLACK_API_URL to end with a slash', () => {
    assert.equal(withTrailingSlash('http://127.0.0.1:1/api'), 'http://127.0.0.1:1/api/');
    assert.equal(withTrailingSlash('http://127.0.0.1:1/api/'), 'http://127.0.0.1:1/api/');
  });
});

forEachBackend('createSlackChannel', (backend) => {
  let ds: AppDataSource;
  let fake: FakeSlackApi;
  let queue: JobQueue;
  before(async () => {
    ds = await backend.dataSource();
    fake = new FakeSlackApi();
    await fake.start();
    queue = await startTestQueue(ds);
  });
  after(async () => {
    await queue?.stop(2000);
    await fake?.stop();
  });

  const deps = (env: Record<string, string>, logger = capture().logger): SlackChannelDeps => ({
    config: loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-t',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: fake.apiUrl,
      LOG_LEVEL: 'debug',
      ...env,
    }),
    conversation: makeService(ds),
    interactions: new InteractionService(ds),
    identities: new IdentityService(ds),
    learning: createLearningLoop({ ds, provider: localProvider() }),
    queue,
    logger,
  });

  it('HTTP mode: checks the token on start and says where it listens', async () => {
    const { logs, logger } = capture();
    const channel = createSlackChannel(deps({}, logger))!;
    assert.equal(channel.mode, 'http');
    await channel.start();
    assert.equal(fake.callsOf('auth.test').at(-1)?.headers.authorization, 'Bearer xoxb-t');
    assert.ok(logs.some((l) => /Slack connected: listening .* at POST \/slack\/events/.test(l.msg) && l.botUserId === 'UBOT0001'));
    await channel.stop();
  });

  it('refuses to start with a token Slack rejects, naming SLACK_BOT_TOKEN', async () => {
    fake.enqueue('auth.test', { error: 'invalid_auth' });
    const channel = createSlackChannel(deps({}))!;
    await assert.rejects(channel.start(), (e) => isAppError(e, 'CONFIG_INVALID') && /SLACK_BOT_TOKEN \(invalid_auth\)/.test(e.message));
  });

  it('HTTP mode starts when Slack is unreachable, and checks the token again on the first event', async () => {
    const { logs, logger } = capture();
    fake.enqueue('auth.test', { status: 503 });
    const channel = createSlackChannel(deps({}, logger), { retryConfig: { retries: 0 } })!;
    await channel.start();
    assert.ok(logs.some((l) => l.level === 'warn' && /could not reach Slack/.test(l.msg)));

    const app = express();
    channel.mount(app);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const before = fake.callsOf('auth.test').length;
      const dm = newId('D');
      const sender = new SlackSender(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, 'secret');
      assert.equal(
        (await sender.event(envelope(messageEvent({ channel: dm, user: newId('U'), text: 'What is a retrospective?' })))).status,
        200,
      );
      await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm);
      assert.equal(fake.callsOf('auth.test').length, before + 1, 'one auth.test on the first event, then cached');
    } finally {
      server.close();
      await channel.stop();
    }
  });

  it('mount adds POST /slack/events only once', () => {
    const channel = createSlackChannel(deps({}))!;
    const app = express();
    channel.mount(app);
    assert.throws(() => channel.mount(app), /already mounted/);
  });

  it('Socket Mode with SLACK_APP_TOKEN: mount does nothing, start connects, events are acked and answered', async function () {
    this.timeout(20_000);
    const { logger } = capture();
    const channel = createSlackChannel(deps({ SLACK_APP_TOKEN: 'xapp-1-test' }, logger))!;
    assert.equal(channel.mode, 'socket');
    const app = express();
    channel.mount(app);
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 404, 'no HTTP endpoint in Socket Mode');
    } finally {
      server.close();
    }

    await channel.start();
    try {
      const open = fake.callsOf('apps.connections.open').at(-1);
      assert.equal(open?.headers.authorization, 'Bearer xapp-1-test');
      assert.equal(fake.socketClients, 1);

      const dm = newId('D');
      const ack = await fake.socketSend(
        'events_api',
        envelope(messageEvent({ channel: dm, user: newId('U'), text: 'What is a retrospective?' })),
      );
      assert.deepEqual(ack ?? {}, {}, 'events are acked without a payload');
      const [post] = await fake.waitFor('chat.postMessage', (c) => c.body.channel === dm);
      assert.ok(Array.isArray(post.body.blocks));

      const usage = (await fake.socketSend(
        'slash_commands',
        slashCommand({ text: '', user: newId('U'), channel: dm, responseUrl: fake.responseUrl() }),
      )) as { text: string };
      assert.match(usage.text, /^Usage: `\/learn <question>`/);
    } finally {
      await channel.stop();
    }
    const deadline = Date.now() + 5000;
    while (fake.socketClients > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.socketClients, 0, 'stop disconnects');
  });
});
