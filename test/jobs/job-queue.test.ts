import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isTransient } from '../../src/core/transient-errors';
import type { AppDataSource } from '../../src/db/data-source';
import type { JobContext, JobHandlers, JobQueue } from '../../src/jobs/job-queue';
import { createLogger } from '../../src/observability/logger';
import { forEachBackend } from '../helpers/databases';
import { startTestQueue } from '../helpers/queue';

interface Payload {
  n: number;
}
interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

const until = async (cond: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

forEachBackend('JobQueue (pg-boss)', (backend) => {
  let ds: AppDataSource;
  let queue: JobQueue;
  const logs: LogLine[] = [];
  const ran: Array<{ n: number; attempt: number }> = [];
  const gaveUp: number[] = [];
  let behaviour: (p: Payload, ctx: JobContext) => Promise<void> = async () => {};

  before(async () => {
    ds = await backend.dataSource();
    queue = await startTestQueue(ds, { logger: createLogger('debug', {}, (l) => logs.push(JSON.parse(l))) });
    const handlers: JobHandlers<Payload> = {
      isValid: (d): d is Payload => typeof (d as Payload)?.n === 'number',
      run: async (p, ctx) => {
        ran.push({ n: p.n, attempt: ctx.attempt });
        await behaviour(p, ctx);
      },
      giveUp: async (p) => {
        gaveUp.push(p.n);
      },
    };
    await queue.work('slack', handlers);
  });
  after(async () => queue?.stop(2000));
  beforeEach(() => {
    ran.length = 0;
    gaveUp.length = 0;
    logs.length = 0;
    behaviour = async () => {};
  });

  const key = () => `test:${randomUUID()}`;
  const jobState = async (k: string) => {
    const [row] = await ds.query(
      `SELECT e.reply_ref, j.state, j.retry_count FROM processed_events e JOIN ${queue.schema}.job j ON j.id::text = e.job_id WHERE e.event_id = $1`,
      [k],
    );
    return row as { reply_ref: string | null; state: string; retry_count: number } | undefined;
  };

  it('accepts a key once: a redelivery is a duplicate and the job runs once', async () => {
    const k = key();
    assert.equal(await queue.accept('slack', k, { n: 1 }), 'accepted');
    assert.equal(await queue.accept('slack', k, { n: 1 }), 'duplicate');
    await until(async () => (await jobState(k))?.state === 'completed');
    assert.deepEqual(
      ran.filter((r) => r.n === 1),
      [{ n: 1, attempt: 1 }],
    );
  });

  it('retries a transient failure with backoff, and the retry sees the reply an earlier attempt recorded', async () => {
    const k = key();
    const seen: Array<string | null> = [];
    behaviour = async (_p, ctx) => {
      seen.push(await ctx.recordedReply());
      if (ctx.attempt === 1) {
        await ctx.recordReply('1700000000.000100');
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
      }
    };
    await queue.accept('slack', k, { n: 2 });
    await until(async () => (await jobState(k))?.state === 'completed');
    assert.deepEqual(
      ran.filter((r) => r.n === 2).map((r) => r.attempt),
      [1, 2],
    );
    assert.deepEqual(seen, [null, '1700000000.000100']);
    assert.equal(gaveUp.length, 0, 'no apology for a failure that went away');
    assert.ok(logs.some((l) => l.level === 'warn' && /will be retried/.test(l.msg)));
  });

  it('gives up at once on a failure a retry cannot fix: one apology, the job in the failed state, logged with its id', async () => {
    const k = key();
    behaviour = async () => {
      throw new Error('a bug');
    };
    await queue.accept('slack', k, { n: 3 });
    await until(async () => (await jobState(k))?.state === 'failed');
    assert.deepEqual(gaveUp, [3]);
    assert.equal(ran.length, 1);
    const line = logs.find((l) => l.level === 'error' && /apologising/.test(l.msg));
    assert.ok(line && typeof line.jobId === 'string');
  });

  it('moves a payload it cannot read to the failed state with one log line, and keeps working', async () => {
    const bad = key();
    await queue.accept('slack', bad, { something: 'else' });
    const good = key();
    await queue.accept('slack', good, { n: 4 });
    await until(async () => (await jobState(bad))?.state === 'failed' && (await jobState(good))?.state === 'completed');
    assert.equal(logs.filter((l) => /cannot be read/.test(l.msg)).length, 1);
    assert.deepEqual(gaveUp, [], 'nobody to apologise to');
  });

  it('refuses to accept once stopped (the adapter then answers 5xx and the platform retries)', async () => {
    const other = await startTestQueue(ds);
    await other.stop(1000);
    await assert.rejects(other.accept('slack', key(), { n: 5 }), /shutting down/);
  });
});

describe('isTransient', () => {
  it('retries dropped connections, 429/5xx, network errors and timeouts; not bugs or 4xx', () => {
    const yes = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('y'), { code: '08006' }) }),
      Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error' }),
      Object.assign(new Error('bad gateway'), { statusCode: 502 }),
      Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('z'), { status: 429 }) }),
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      new Error('Connection terminated unexpectedly'),
    ];
    const no = [
      new Error('a bug'),
      Object.assign(new Error('forbidden'), { statusCode: 403 }),
      Object.assign(new Error('unique'), { code: '23505' }),
      null,
      'text',
    ];
    assert.deepEqual(
      yes.map(isTransient),
      yes.map(() => true),
    );
    assert.deepEqual(
      no.map(isTransient),
      no.map(() => false),
    );
  });
});
