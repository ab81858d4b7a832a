import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackChannel, type SlackChannel, type SlackChannelOptions } from '../../../src/channels/slack';
import { loadConfig } from '../../../src/config';
import type { ConversationService } from '../../../src/core/conversation-service';
import { IdentityService } from '../../../src/core/identity-service';
import { InteractionService } from '../../../src/core/interaction-service';
import { createLearningLoop } from '../../../src/core/learning';
import type { AppDataSource } from '../../../src/db/data-source';
import type { JobQueue } from '../../../src/jobs/job-queue';
import { createLogger, type Logger } from '../../../src/observability/logger';
import { createServer, listen } from '../../../src/server';
import { localProvider, makeService } from '../../helpers/conversation';
import { FakeSlackApi } from '../../helpers/fake-slack-api';
import { startTestQueue } from '../../helpers/queue';
import { SlackSender } from './slack-requests';

export interface RunningSlack {
  fake: FakeSlackApi;
  channel: SlackChannel;
  queue: JobQueue;
  server: Server;
  baseUrl: string;
  /** signs and sends requests to POST /slack/events */
  slack: SlackSender;
  close(): Promise<void>;
}

/**
 * Our real server with the Slack channel (HTTP mode) on 127.0.0.1, talking to a fake Slack Web API,
 * with its own job queue and workers: what the Slack suites share. `env` adds to the configuration.
 */
export async function startSlackServer(
  ds: AppDataSource,
  opts: {
    secret: string;
    logger?: Logger;
    env?: (fake: FakeSlackApi) => Record<string, string>;
    /** the fake workspace has agent messaging (streaming, assistant status, suggested prompts) */
    agentFeatures?: boolean;
    /** wraps the real conversation service (e.g. to report the answer text in many chunks) */
    conversation?: (real: ConversationService) => ConversationService;
    options?: SlackChannelOptions;
  },
): Promise<RunningSlack> {
  const logger = opts.logger ?? createLogger('silent');
  const fake = new FakeSlackApi();
  await fake.start();
  fake.agentFeatures = opts.agentFeatures ?? false;
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: opts.secret,
    SLACK_API_URL: fake.apiUrl,
    ...opts.env?.(fake),
  });
  const queue = await startTestQueue(ds, { logger });
  const real = makeService(ds);
  const channel = createSlackChannel(
    {
      config,
      conversation: opts.conversation ? opts.conversation(real) : real,
      interactions: new InteractionService(ds),
      identities: new IdentityService(ds),
      learning: createLearningLoop({ ds, provider: localProvider() }),
      queue,
      logger,
    },
    opts.options,
  );
  if (!channel) throw new Error('the Slack channel is off');
  const app = createServer({ ds, logger, mount: [(a) => channel.mount(a)] });
  const server = await new Promise<Server>((resolve) => {
    const s = listen(app, 0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await channel.start();
  return {
    fake,
    channel,
    queue,
    server,
    baseUrl,
    slack: new SlackSender(`${baseUrl}/slack/events`, opts.secret),
    async close() {
      await channel.stop();
      await queue.stop(2000);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await fake.stop();
    },
  };
}
