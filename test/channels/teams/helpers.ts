import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTeamsChannel, type TeamsChannel, type TeamsChannelDeps } from '../../../src/channels/teams';
import type { ConversationService } from '../../../src/core/conversation-service';
import { IdentityService } from '../../../src/core/identity-service';
import { InteractionService } from '../../../src/core/interaction-service';
import { createLearningLoop } from '../../../src/core/learning';
import type { AppDataSource } from '../../../src/db/data-source';
import { createLogger, type Logger } from '../../../src/observability/logger';
import { createServer } from '../../../src/server';
import { localProvider, makeService } from '../../helpers/conversation';
import type { Backend } from '../../helpers/databases';
import { FakeBotConnector } from '../../helpers/fake-bot-connector';
import { startTestQueue } from '../../helpers/queue';

export const TENANT = 'tenant-0000-test';
export const BOT = { id: '28:bot-app-id', name: 'Learning Assistant' };

/** A logger that keeps its lines, to assert that nothing failed silently. */
export function capturingLogger(): { logger: Logger; lines: Array<{ level: string; msg: string; [k: string]: unknown }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const sink = (l: string) => {
    lines.push(JSON.parse(l));
    if (process.env.TEST_LOG) process.stderr.write(`${l}\n`);
  };
  return { logger: createLogger('debug', {}, sink), lines };
}

export interface RunningBot {
  url: string;
  channel: TeamsChannel;
  post(body: unknown, init?: { headers?: Record<string, string>; raw?: string }): Promise<{ status: number; text: string; ms: number }>;
  /** resolves when every accepted message has been answered (the workers run after the HTTP response) */
  settle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Our real express server with the Teams route mounted, on 127.0.0.1 and a random port. */
export async function startBot(
  ds: AppDataSource,
  conversation: ConversationService,
  over: Partial<TeamsChannelDeps> = {},
): Promise<RunningBot> {
  const logger = over.logger ?? capturingLogger().logger;
  const queue = over.queue ?? (await startTestQueue(ds, { logger }));
  const created = createTeamsChannel({
    // no app id: the local mode (the fake Bot Connector is on 127.0.0.1)
    config: { NODE_ENV: 'test', MICROSOFT_APP_TYPE: 'MultiTenant', TEAMS_ALLOW_UNAUTHENTICATED: true, ...over.config },
    conversation,
    interactions: over.interactions ?? new InteractionService(ds),
    identities: over.identities ?? new IdentityService(ds),
    learning: over.learning ?? createLearningLoop({ ds, provider: localProvider() }),
    queue,
    logger,
    options: over.options,
  });
  if (!created) throw new Error('Teams channel is off');
  const channel = created;
  await channel.start();
  const app = createServer({ ds, logger, mount: [(a) => channel.mount(a)] });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    channel,
    async post(body, init = {}) {
      const started = Date.now();
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers },
        body: init.raw ?? JSON.stringify(body),
      });
      return { status: res.status, text: await res.text(), ms: Date.now() - started };
    },
    async settle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await queue.pending('teams')) > 0) {
        if (Date.now() > deadline) throw new Error('the Teams queue did not settle');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      if (!over.queue) await queue.stop(2000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What an HTTP suite of the Teams channel shares: the connector and log at once, the rest once its `before` hook ran. */
export interface TeamsBotSuite {
  readonly connector: FakeBotConnector;
  readonly log: ReturnType<typeof capturingLogger>;
  ds: AppDataSource;
  /** the fake Bot Connector's URL, the serviceUrl of the activities the suite posts */
  serviceUrl: string;
  bot: RunningBot;
}

/**
 * The mocha hooks every HTTP suite of the Teams channel needs: the suite's database (`prepare` runs on it first,
 * e.g. to add the content questions are answered from), the fake Bot Connector, a capturing logger, and our server
 * with the real ConversationService; closed after the suite. Before each test the connector and the log start empty
 * (with `settle`, after the bot's queue has drained: a suite whose tests leave answers running).
 * Call it first in the suite, so its `before` runs before the suite's own hooks.
 */
export function useTeamsBot(
  backend: Backend,
  opts: { prepare?: (ds: AppDataSource) => Promise<unknown>; settle?: boolean } = {},
): TeamsBotSuite {
  const suite = { connector: new FakeBotConnector(), log: capturingLogger() } as TeamsBotSuite;
  before(async () => {
    suite.ds = await backend.dataSource();
    await opts.prepare?.(suite.ds);
    suite.serviceUrl = (await suite.connector.start()).url;
    suite.bot = await startBot(suite.ds, makeService(suite.ds), { logger: suite.log.logger });
  });
  after(async () => {
    await suite.bot?.close();
    await suite.connector.stop();
  });
  beforeEach(async () => {
    if (opts.settle) await suite.bot.settle();
    suite.connector.reset();
    suite.log.lines.length = 0;
  });
  return suite;
}

export type Json = Record<string, any>;

export interface Person {
  id: string;
  aadObjectId: string;
  name: string;
}
export const person = (name = 'Ada Lovelace'): Person => ({ id: `29:${randomUUID()}`, aadObjectId: randomUUID(), name });

/** A 1:1 (personal) chat message as Teams posts it. */
export function personalMessage(
  serviceUrl: string,
  text: string,
  over: { from?: Person; conversationId?: string; id?: string } = {},
): Json {
  const from = over.from ?? person();
  return {
    type: 'message',
    id: over.id ?? `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from,
    recipient: BOT,
    conversation: { id: over.conversationId ?? `a:${randomUUID()}`, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    locale: 'en-US',
    textFormat: 'plain',
    text,
  };
}

/**
 * A channel post @mentioning the bot: Teams puts `<at>Name</at>` in the text with a mention entity, and
 * the reply-chain root in the conversation id (`;messageid=`).
 */
export function channelMessage(
  serviceUrl: string,
  question: string,
  over: { from?: Person; mention?: boolean; root?: string; id?: string; channelId?: string } = {},
): Json {
  const from = over.from ?? person();
  const id = over.id ?? `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const root = over.root ?? id;
  const base = over.channelId ?? `19:${randomUUID().replace(/-/g, '')}@thread.tacv2`;
  const mention = over.mention ?? true;
  return {
    type: 'message',
    id,
    ...(root !== id ? { replyToId: root } : {}),
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from,
    recipient: BOT,
    conversation: { id: `${base};messageid=${root}`, conversationType: 'channel', isGroup: true, tenantId: TENANT },
    channelData: { tenant: { id: TENANT }, team: { id: `19:team-${base.slice(3, 11)}@thread.tacv2` }, channel: { id: base } },
    locale: 'en-US',
    textFormat: 'plain',
    text: mention ? `<at>${BOT.name}</at> ${question}` : question,
    entities: mention ? [{ type: 'mention', text: `<at>${BOT.name}</at>`, mentioned: BOT }] : [],
  };
}

/** An Action.Submit click: a message activity whose value is the button's data, no text. */
export function submit(source: Json, value: unknown, from: Person = source.from): Json {
  return { ...source, id: `${Date.now()}${Math.floor(Math.random() * 1e6)}`, text: undefined, entities: undefined, from, value };
}

/** Every Action.Submit in a card (body and actions, nested containers included). */
export function submitActions(cardContent: Json): Json[] {
  const out: Json[] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Json;
      if (o.type === 'Action.Submit') out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(cardContent);
  return out;
}

export const cardOf = (activity: Json): Json | undefined =>
  activity.attachments?.find((a: Json) => a.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
