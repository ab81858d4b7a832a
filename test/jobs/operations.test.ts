import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDataSource } from '../../src/db/data-source';
import { silentLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { createServer } from '../../src/server';
import { forEachBackend } from '../helpers/databases';
import { startTestQueue } from '../helpers/queue';

forEachBackend('operations endpoints: /readyz and /metrics', (backend) => {
  let ds: AppDataSource;

  it('/readyz is 200 while the queue runs and 503 once it stops; /metrics speaks Prometheus with the queue and process metrics', async () => {
    ds = await backend.dataSource();
    const metrics = createMetrics();
    const queue = await startTestQueue(ds, { metrics });
    let shuttingDown = false;
    const app = createServer({
      ds,
      logger: silentLogger,
      metrics,
      ready: async () => !shuttingDown && (await queue.ready()),
      beforeMetrics: () => queue.collectDepth(),
    });
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      metrics.answers.inc({ channel: 'slack', outcome: 'answer' });
      const res = await fetch(`${url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      for (const name of [
        'la_queue_jobs',
        'la_job_wait_seconds',
        'la_job_run_seconds',
        'la_answers_total',
        'la_job_retries_total',
        'la_job_failures_total',
        'la_accept_failures_total',
        'la_http_request_duration_seconds',
        'process_cpu_user_seconds_total',
      ]) {
        assert.ok(text.includes(`# TYPE ${name}`), `${name} is exported`);
      }
      assert.match(text, /la_answers_total\{channel="slack",outcome="answer"\} 1/);
      assert.match(text, /la_http_request_duration_seconds_count\{method="GET",route="\/readyz",status="200"\} 1/);
      shuttingDown = true;
      const draining = await fetch(`${url}/readyz`);
      assert.equal(draining.status, 503);
      assert.deepEqual(await draining.json(), { status: 'not ready', reason: 'shutting down' });
      shuttingDown = false;
      await queue.stop(1000);
      assert.equal((await fetch(`${url}/readyz`)).status, 503, 'a stopped queue is not ready');
    } finally {
      await queue.stop(1000);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
