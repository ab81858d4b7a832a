import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createEmbeddingProvider } from '../../../src/ai/embedding-provider';
import { createWebConsole } from '../../../src/channels/web';
import type { WebAccess } from '../../../src/channels/web/web-access';
import type { WebDeps } from '../../../src/channels/web/web-deps';
import { type Config, loadConfig } from '../../../src/config';
import type { ConversationService } from '../../../src/core/conversation-service';
import { IdentityService } from '../../../src/core/identity-service';
import { InteractionService } from '../../../src/core/interaction-service';
import { createLearningLoop } from '../../../src/core/learning';
import type { AppDataSource } from '../../../src/db/data-source';
import type { JobQueue } from '../../../src/jobs/job-queue';
import { createLogger, type Logger } from '../../../src/observability/logger';
import { createServer, listen } from '../../../src/server';
import { localProvider, makeService } from '../../helpers/conversation';
import { startTestQueue } from '../../helpers/queue';

export interface RunningWeb {
  server: Server;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  config: Config;
  deps: WebDeps;
  queue: JobQueue;
  close(): Promise<void>;
}

/**
 * Our real server with only the web console mounted, on `host` (default 127.0.0.1, a loopback client),
 * over the suite's database: what the web console suites share. `env` adds to the configuration.
 */
export async function startWebServer(
  ds: AppDataSource,
  opts: {
    env?: Record<string, string>;
    logger?: Logger;
    host?: string;
    /** wraps the real conversation service (e.g. to slow it down or make it fail) */
    conversation?: (real: ConversationService) => ConversationService;
    platforms?: WebDeps['platforms'];
    /** replaces the real access rules (sign-in, loopback) with a stub, e.g. a fixed viewer */
    access?: (deps: WebDeps) => WebAccess;
    /** a fixed port (e.g. one PUBLIC_URL already names); default any free port */
    port?: number;
    /** more routes after the console's (e.g. a suite's own routes behind the access rules) */
    mount?: Array<(app: Express) => void>;
  } = {},
): Promise<RunningWeb> {
  const logger = opts.logger ?? createLogger('silent');
  const config = loadConfig({ NODE_ENV: 'development', ...opts.env });
  const queue = await startTestQueue(ds, { logger });
  const real = makeService(ds);
  const deps: WebDeps = {
    config,
    logger,
    ds,
    conversation: opts.conversation ? opts.conversation(real) : real,
    interactions: new InteractionService(ds),
    identities: new IdentityService(ds),
    learning: createLearningLoop({ ds, provider: localProvider() }),
    queue,
    // what src/app.ts runs for this configuration (OpenAI when OPENAI_API_KEY is set, else the local embedder)
    embedderId: createEmbeddingProvider(config).id,
    platforms: opts.platforms ?? { slack: false, teams: false },
  };
  const web = createWebConsole(deps, opts.access?.(deps));
  await web?.start();
  const app = createServer({ ds, logger, mount: [...(web ? [(a: Express) => web.mount(a)] : []), ...(opts.mount ?? [])] });
  const server = await new Promise<Server>((resolve) => {
    const s = listen(app, opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    baseUrl,
    config,
    deps,
    queue,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.stop(5_000);
    },
  };
}
