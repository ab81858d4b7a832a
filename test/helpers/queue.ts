import type { AppDataSource } from '../../src/db/data-source';
import { JobQueue, type JobQueueOptions } from '../../src/jobs/job-queue';
import { type Logger, silentLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';

let count = 0;

/**
 * A started job queue on the test database, in a pg-boss schema of its own, so one suite's workers
 * never take another suite's jobs. Stop it in the suite's after().
 */
export async function startTestQueue(ds: AppDataSource, opts: Partial<JobQueueOptions> & { logger?: Logger } = {}): Promise<JobQueue> {
  const queue = new JobQueue({
    ds,
    connectionString: ds.connectionUrl,
    concurrency: 4,
    embedded: ds.backend === 'embedded',
    logger: silentLogger,
    metrics: createMetrics(),
    schema: `pgboss_t${process.pid}_${count++}`,
    ...opts,
  });
  await queue.start();
  return queue;
}
