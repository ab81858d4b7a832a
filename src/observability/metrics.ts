import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one process (GET /metrics). One registry per process, made in the
 * composition root and passed down, so tests can build as many apps as they like.
 */
export interface Metrics {
  registry: Registry;
  /** jobs per queue and state (created, retry, active, failed), refreshed when /metrics is read */
  queueDepth: Gauge<'queue' | 'state'>;
  /** seconds from accept to a worker starting the job */
  jobWait: Histogram<'queue'>;
  /** seconds a worker spent on a job */
  jobRun: Histogram<'queue' | 'outcome'>;
  /** messages answered, by channel and outcome (answer, help, command, apology, skipped, duplicate) */
  answers: Counter<'channel' | 'outcome'>;
  /** failed attempts that will be retried */
  retries: Counter<'queue'>;
  /** jobs given up on (apology sent) or dead-lettered */
  failures: Counter<'queue' | 'reason'>;
  /** deliveries refused at accept time because the database or queue was unreachable */
  acceptFailures: Counter<'channel'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    queueDepth: new Gauge({
      name: 'la_queue_jobs',
      help: 'Jobs in the durable queue by state',
      labelNames: ['queue', 'state'],
      registers: r,
    }),
    jobWait: new Histogram({
      name: 'la_job_wait_seconds',
      help: 'Time from accepting a message to a worker starting on it',
      labelNames: ['queue'],
      buckets: SECONDS,
      registers: r,
    }),
    jobRun: new Histogram({
      name: 'la_job_run_seconds',
      help: 'Time a worker spent on one job attempt',
      labelNames: ['queue', 'outcome'],
      buckets: SECONDS,
      registers: r,
    }),
    answers: new Counter({
      name: 'la_answers_total',
      help: 'Messages handled by the workers, by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers: r,
    }),
    retries: new Counter({
      name: 'la_job_retries_total',
      help: 'Job attempts that failed transiently and will be retried',
      labelNames: ['queue'],
      registers: r,
    }),
    failures: new Counter({
      name: 'la_job_failures_total',
      help: 'Jobs given up on (the person got an apology) or dead-lettered',
      labelNames: ['queue', 'reason'],
      registers: r,
    }),
    acceptFailures: new Counter({
      name: 'la_accept_failures_total',
      help: 'Deliveries refused because they could not be persisted (the platform retries)',
      labelNames: ['channel'],
      registers: r,
    }),
    httpDuration: new Histogram({
      name: 'la_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS,
      registers: r,
    }),
  };
}
