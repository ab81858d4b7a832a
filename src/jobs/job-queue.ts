import { randomUUID } from 'node:crypto';
import { type JobResult, type JobWithMetadata, PgBoss } from 'pg-boss';
import type { DataSource, QueryRunner } from 'typeorm';
import { isTransient } from '../core/transient-errors';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { SerializedDb } from './serialized-db';

/** The platforms whose deliveries go through the queue; one queue (one pipeline) each ('web': the console's Try it). */
export type QueuedPlatform = 'slack' | 'teams' | 'web';
export const QUEUE_NAMES: Record<QueuedPlatform, string> = { slack: 'slack-turns', teams: 'teams-turns', web: 'web-turns' };

export interface JobQueueOptions {
  ds: DataSource;
  /** the same database the DataSource uses (for the embedded one: its socket URL) */
  connectionString: string;
  /** jobs worked on at once per queue in this process (WORKER_CONCURRENCY) */
  concurrency: number;
  /** The embedded database (PGlite behind its socket): pg-boss's statements serialized (see SerializedDb). */
  embedded: boolean;
  logger: Logger;
  metrics?: Metrics;
  /** attempts after the first (default 4: 1 s, 2 s, 4 s, 8 s apart, with jitter) */
  retryLimit?: number;
  /** a worker that stops sending heartbeats this long (it died) loses the job to any instance (default 10 s, pg-boss's minimum) */
  heartbeatSeconds?: number;
  /** how often an instance looks for jobs whose worker died (default 5 s) */
  superviseSeconds?: number;
  /** idle polling (default 0.5 s; NOTIFY and local nudges usually start a job sooner) */
  pollingSeconds?: number;
  /** pg-boss's schema (default 'pgboss'; tests give each suite its own) */
  schema?: string;
}

/** What a worker knows about the job it runs. */
export interface JobContext {
  jobId: string;
  /** 1 for the first attempt */
  attempt: number;
  /** the de-duplication key the delivery was accepted under */
  key: string;
  /** aborted when the process shuts down and the grace period is over */
  signal: AbortSignal;
  /** the reply an earlier attempt recorded as posted (Slack ts, Teams activity id), if any */
  recordedReply(): Promise<string | null>;
  /** Records the posted reply against the delivery, before the job completes: a retry will not post again. */
  recordReply(ref: string): Promise<void>;
}

export interface JobHandlers<T> {
  /** false for a payload this version cannot read: the job goes to the failed state, logged, and never blocks the queue */
  isValid(data: unknown): data is T;
  /** Does the work: answer and post. Throws to retry (transient failures) or give up (anything else). */
  run(data: T, ctx: JobContext): Promise<void>;
  /** After the last attempt, or a failure that will not get better: tell the person, briefly and honestly. */
  giveUp(data: T, ctx: JobContext, err: unknown): Promise<void>;
}

interface Envelope {
  key: string;
  payload: unknown;
}

/**
 * The durable queue (pg-boss 12 in the same PostgreSQL, schema `pgboss`, created and migrated by
 * pg-boss on start). A delivery is *accepted* when one transaction has stored its de-duplication key
 * (processed_events) and its job; only then does the adapter acknowledge it. Workers in any instance
 * take the jobs; a worker that dies stops sending heartbeats and its job goes back to the queue.
 */
export class JobQueue {
  private boss?: PgBoss;
  private serialDb?: SerializedDb;
  private readonly workerIds = new Map<QueuedPlatform, string[]>();
  private stopping = false;
  private readonly retryLimit: number;

  /** pg-boss's schema */
  readonly schema: string;

  constructor(private readonly opts: JobQueueOptions) {
    this.retryLimit = opts.retryLimit ?? 4;
    this.schema = opts.schema ?? 'pgboss';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.schema)) throw new Error(`invalid queue schema name: ${this.schema}`);
  }

  async start(): Promise<void> {
    const { opts } = this;
    const max = Math.max(4, opts.concurrency * 2 + 2);
    this.serialDb = opts.embedded ? new SerializedDb(opts.connectionString, max) : undefined;
    const boss = new PgBoss({
      ...(this.serialDb ? { db: { executeSql: this.serialDb.executeSql } } : { connectionString: opts.connectionString, max }),
      schema: this.schema,
      application_name: 'learning-assistant-queue',
      // No LISTEN/NOTIFY: a transaction that NOTIFYs takes a database-wide lock at commit, so every
      // accept would commit one after another (50 at once: 270 ms p50 instead of a few ms). The
      // instance that accepts a job wakes its own workers (nudge); the others poll every 0.5 s.
      useListenNotify: false,
      superviseIntervalSeconds: opts.superviseSeconds ?? 5,
      monitorIntervalSeconds: opts.superviseSeconds ?? 5,
      queueCacheIntervalSeconds: opts.superviseSeconds ?? 5,
      instanceName: `learning-assistant-${process.pid}`,
    });
    boss.on('error', (err: Error) => opts.logger.error({ err, component: 'queue' }, 'job queue error'));
    boss.on('warning', (w: { message?: string }) => opts.logger.warn({ component: 'queue', warning: w.message }, 'job queue warning'));
    try {
      await boss.start();
      for (const name of Object.values(QUEUE_NAMES)) {
        const options = {
          retryLimit: this.retryLimit,
          retryDelay: 1,
          retryBackoff: true,
          retryDelayMax: 30,
          heartbeatSeconds: opts.heartbeatSeconds ?? 10,
          expireInSeconds: 15 * 60,
          // keep finished jobs a day for inspection; the de-duplication rows are kept as long
          deleteAfterSeconds: 24 * 3600,
          notify: false,
        };
        if (await boss.getQueue(name)) await boss.updateQueue(name, options);
        else await boss.createQueue(name, options);
      }
    } catch (err) {
      await boss.stop({ graceful: false, timeout: 1000 }).catch(() => {});
      await this.serialDb?.close().catch(() => {});
      throw err;
    }
    this.boss = boss;
  }

  /**
   * Accepts a delivery: stores `key` and the job in one transaction. 'duplicate' when the key was
   * accepted before (a platform retry, the other event of a Slack mention, another instance): do
   * nothing then. Throws when the database is unreachable: the adapter must not acknowledge (5xx), so
   * the platform delivers again later.
   */
  async accept(platform: QueuedPlatform, key: string, payload: object): Promise<'accepted' | 'duplicate'> {
    const boss = this.requireBoss();
    const jobId = randomUUID();
    const qr = this.opts.ds.createQueryRunner();
    try {
      await qr.connect();
      await qr.startTransaction();
      const inserted = await qr.query(
        `INSERT INTO processed_events (platform, event_id, job_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id`,
        [platform, key, jobId],
      );
      if (!inserted.length) {
        await qr.rollbackTransaction();
        return 'duplicate';
      }
      const envelope: Envelope = { key, payload };
      const db = transactionDb(qr);
      const send = () => boss.send(QUEUE_NAMES[platform], envelope, { id: jobId, db });
      // embedded: whatever else pg-boss runs during send() joins this transaction too (see SerializedDb)
      await (this.serialDb ? this.serialDb.withTransaction(db.executeSql, send) : send());
      await qr.commitTransaction();
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => {});
      throw err;
    } finally {
      await qr.release();
    }
    this.nudge(platform);
    return 'accepted';
  }

  /** Starts this process's workers for one platform's queue. */
  async work<T>(platform: QueuedPlatform, handlers: JobHandlers<T>): Promise<void> {
    const boss = this.requireBoss();
    const queue = QUEUE_NAMES[platform];
    const ids: string[] = [];
    this.workerIds.set(platform, ids);
    // One pg-boss worker per slot, so each can be woken on its own when it finishes (see below).
    for (let i = 0; i < this.opts.concurrency; i++) {
      let myId = '';
      const id = await boss.work<Envelope>(
        queue,
        {
          includeMetadata: true,
          batchSize: 1,
          perJobResults: true,
          pollingIntervalSeconds: this.opts.pollingSeconds ?? 0.5,
        },
        async (jobs): Promise<JobResult[]> => {
          try {
            const out: JobResult[] = [];
            // includeMetadata: true, so each job carries createdOn and retryLimit
            for (const job of jobs) out.push(await this.runOne(platform, job as JobWithMetadata<Envelope>, handlers));
            return out;
          } finally {
            // pg-boss waits a polling interval after every job; with a backlog, fetch the next one now.
            if (myId) boss.notifyWorker(myId);
          }
        },
      );
      myId = id;
      ids.push(id);
    }
  }

  private async runOne<T>(platform: QueuedPlatform, job: JobWithMetadata<Envelope>, handlers: JobHandlers<T>): Promise<JobResult> {
    const queue = QUEUE_NAMES[platform];
    const { metrics } = this.opts;
    const started = Date.now();
    const attempt = job.retryCount + 1;
    const log = this.opts.logger.child({ component: 'queue', queue, jobId: job.id, attempt });
    if (attempt === 1) metrics?.jobWait.observe({ queue }, Math.max(0, started - new Date(job.createdOn).getTime()) / 1000);
    const data = job.data as Partial<Envelope> | null;
    if (!data || typeof data.key !== 'string' || !handlers.isValid(data.payload)) {
      log.error({}, 'job payload cannot be read by this version: moved to the failed state');
      metrics?.failures.inc({ queue, reason: 'unreadable' });
      return { id: job.id, status: 'deadletter', output: { error: 'unreadable payload' } };
    }
    const key = data.key;
    const ctx: JobContext = {
      jobId: job.id,
      attempt,
      key,
      signal: job.signal,
      recordedReply: async () => {
        if (attempt === 1) return null; // nothing can have been recorded before the first attempt
        const [row] = await this.opts.ds.query(`SELECT reply_ref FROM processed_events WHERE platform = $1 AND event_id = $2`, [
          platform,
          key,
        ]);
        return row?.reply_ref ?? null;
      },
      recordReply: async (ref) => {
        await this.opts.ds.query(`UPDATE processed_events SET reply_ref = $3, replied_at = now() WHERE platform = $1 AND event_id = $2`, [
          platform,
          key,
          ref,
        ]);
      },
    };
    const observe = (outcome: string) => metrics?.jobRun.observe({ queue, outcome }, (Date.now() - started) / 1000);
    try {
      await handlers.run(data.payload, ctx);
      observe('completed');
      return { id: job.id, status: 'completed' };
    } catch (err) {
      const last = job.retryCount >= (job.retryLimit ?? this.retryLimit);
      if (isTransient(err) && !last && !this.stopping) {
        log.warn({ err }, 'job failed transiently: it will be retried');
        metrics?.retries.inc({ queue });
        observe('retry');
        return { id: job.id, status: 'failed', output: { error: errorText(err) } };
      }
      if (isTransient(err) && this.stopping) {
        // Shutting down: hand it back for another instance or the next start instead of apologising.
        log.warn({ err }, 'job failed while shutting down: handed back to the queue');
        observe('retry');
        return { id: job.id, status: 'failed', output: { error: errorText(err) } };
      }
      log.error(
        { err, transient: isTransient(err) },
        last ? 'job failed on its last attempt: apologising' : 'job failed and will not succeed on a retry: apologising',
      );
      metrics?.failures.inc({ queue, reason: last ? 'retries_exhausted' : 'permanent' });
      try {
        await handlers.giveUp(data.payload, ctx, err);
      } catch (err2) {
        log.error({ err: err2 }, 'could not deliver the apology either');
      }
      observe('failed');
      return { id: job.id, status: 'deadletter', output: { error: errorText(err) } };
    }
  }

  /** Wakes this process's idle workers of a queue: a job accepted here starts without waiting for a poll. */
  private nudge(platform: QueuedPlatform): void {
    for (const id of this.workerIds.get(platform) ?? []) this.boss?.notifyWorker(id);
  }

  /** Reachable and not shutting down (GET /readyz). */
  async ready(): Promise<boolean> {
    if (!this.boss || this.stopping) return false;
    await this.opts.ds.query(`SELECT 1 FROM ${this.schema}.version LIMIT 1`);
    return true;
  }

  /** Jobs accepted and not finished yet (waiting, running or waiting for a retry), in every instance. */
  async pending(platform?: QueuedPlatform): Promise<number> {
    const names = platform ? [QUEUE_NAMES[platform]] : Object.values(QUEUE_NAMES);
    const [row] = await this.opts.ds.query(
      `SELECT count(*)::int AS n FROM ${this.schema}.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`,
      [names],
    );
    return row.n;
  }

  /** Jobs per queue and state, into the queue-depth gauge (pg-boss's counts, refreshed every supervise interval). */
  async collectDepth(): Promise<void> {
    const { metrics } = this.opts;
    if (!this.boss || !metrics) return;
    const queues = await this.boss.getQueues(Object.values(QUEUE_NAMES));
    for (const q of queues) {
      metrics.queueDepth.set({ queue: q.name, state: 'queued' }, q.queuedCount ?? 0);
      metrics.queueDepth.set({ queue: q.name, state: 'active' }, q.activeCount ?? 0);
      metrics.queueDepth.set({ queue: q.name, state: 'failed' }, q.failedCount ?? 0);
      metrics.queueDepth.set({ queue: q.name, state: 'total' }, q.totalCount ?? 0);
    }
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `timeoutMs`, then hands the rest back to the
   * queue (pg-boss fails them into retry), and closes the queue's pool.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const boss = this.boss;
    this.boss = undefined;
    if (boss) await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
    await this.serialDb?.close();
    this.serialDb = undefined;
  }

  private requireBoss(): PgBoss {
    if (!this.boss)
      throw Object.assign(new Error(this.stopping ? 'the job queue is shutting down' : 'the job queue is not started'), {
        code: 'QUEUE_UNAVAILABLE',
      });
    return this.boss;
  }
}

/** pg-boss statements inside our transaction (TypeORM's query runner), so the job commits with the key. */
function transactionDb(qr: QueryRunner) {
  return {
    executeSql: async (text: string, values?: unknown[]) => ({
      rows: (await qr.query(text, values as unknown[], true)).records as unknown[],
    }),
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 500) : String(err).slice(0, 500);
}
