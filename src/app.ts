import { createAnswerer } from './ai/answer-chain';
import { createChatModel } from './ai/chat-model';
import { createEmbeddingProvider, type EmbeddingProvider } from './ai/embedding-provider';
import { HybridRetriever, tuningFor } from './ai/hybrid-retriever';
import type { Config } from './config';
import { ConversationService } from './core/conversation-service';
import { IdentityService } from './core/identity-service';
import { InteractionService } from './core/interaction-service';
import { createLearningLoop, type LearningLoop } from './core/learning';
import { Recommender } from './core/recommender';
import { AppDataSource } from './db/data-source';
import { assertEmbedderMatches } from './db/embedder-guard';
import { hasSearchableContent } from './db/health';
import { AppError } from './errors';
import { seedLearningContent } from './ingest/seed-learning-content';
import { JobQueue } from './jobs/job-queue';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';

/** The composition root: the one place that builds concrete classes and wires them together. */
export interface App {
  config: Config;
  logger: Logger;
  ds: AppDataSource;
  provider: EmbeddingProvider;
  conversation: ConversationService;
  interactions: InteractionService;
  identities: IdentityService;
  /** progress, reports, quizzes, dashboard: rendered by every channel */
  learning: LearningLoop;
  /** the durable queue (pg-boss): adapters accept into it, their workers answer from it */
  queue: JobQueue;
  metrics: Metrics;
  close(): Promise<void>;
}

export async function buildApp(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<App> {
  const ds = new AppDataSource({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
    poolSize: config.DB_POOL_SIZE,
    logger,
  });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info({ migrations: applied.map((m) => m.name) }, 'database migrated');

    const provider = createEmbeddingProvider(config, (msg) => logger.warn({}, msg));
    await assertEmbedderMatches(ds, provider.id);
    if (config.SEED_ON_EMPTY && !(await hasSearchableContent(ds))) {
      logger.info({}, 'no embedded learning content yet: loading the sample corpus (set SEED_ON_EMPTY=false to skip)');
      await seedLearningContent(ds, provider, { logger });
    }

    const model = createChatModel({
      apiKey: config.OPENAI_API_KEY,
      baseUrl: config.OPENAI_BASE_URL,
      model: config.OPENAI_CHAT_MODEL,
      timeoutMs: config.LLM_TIMEOUT_MS,
    });
    const retriever = new HybridRetriever(provider, tuningFor(provider.id));
    const recommender = new Recommender();
    const conversation = new ConversationService({
      ds,
      retriever,
      answerer: createAnswerer({ model, timeoutMs: config.LLM_TIMEOUT_MS, logger }),
      recommender,
      logger,
    });
    logger.info(
      { embedder: provider.id, answers: model ? `model ${config.OPENAI_CHAT_MODEL}` : 'offline extractive' },
      'conversation service ready',
    );
    const metrics = createMetrics();
    const queue = new JobQueue({
      ds,
      connectionString: ds.connectionUrl,
      concurrency: config.WORKER_CONCURRENCY,
      embedded: ds.backend === 'embedded',
      logger,
      metrics,
    });
    await startQueue(queue);
    return {
      config,
      logger,
      ds,
      provider,
      conversation,
      queue,
      metrics,
      interactions: new InteractionService(ds),
      identities: new IdentityService(ds),
      learning: createLearningLoop({ ds, provider, retriever, recommender, logger }),
      close: async () => {
        await queue.stop(config.SHUTDOWN_TIMEOUT_MS);
        await ds.destroy();
      },
    };
  } catch (err) {
    await ds.destroy();
    throw err;
  }
}

async function startQueue(queue: JobQueue): Promise<void> {
  try {
    await queue.start();
  } catch (err) {
    throw new AppError(
      'DB_UNREACHABLE',
      `Could not start the job queue (pg-boss, schema "pgboss"): ${(err as Error).message}. The database user needs CREATE on the database the first time (pg-boss creates its schema); check DATABASE_URL.`,
      { cause: err },
    );
  }
}
