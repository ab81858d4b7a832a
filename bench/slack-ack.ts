/**
 * Slack: how fast signed events are acknowledged while answers are being worked out, and how many
 * answers per second come out end to end.
 *
 *   npx ts-node --transpile-only bench/slack-ack.ts [--events=600] [--concurrency=50] [--mode=bursts,closed]
 *       [--rate=8] [--workload=noop,ignored,mentions] [--warmup=30] [--database=embedded|postgres]
 *       [--answers=N] [--no-ack-first] [--profile] [--write] [--baseline=<git ref>]
 *
 * The server runs in a child process exactly as `npm start` builds it (buildApp: embedded PGlite in
 * memory with the sample corpus, the offline embedder and the offline extractive answerer; or a scratch
 * PostgreSQL database with --database=postgres, BENCH_DATABASE_URL) with the Slack channel mounted on
 * the project's express server. This process plays Slack: it signs events (v0 HMAC-SHA256), sends them
 * over HTTP, and runs the fake Web API (FakeSlackApi on 127.0.0.1) where the answers arrive.
 *
 *   --mode=bursts   `--concurrency` requests at once, a new burst every concurrency/rate seconds
 *   --mode=closed   `--concurrency` requests in flight all the time (saturation)
 *   --workload      mentions: app_mention events, all answered; ignored: channel messages the bot drops
 *                   (the ack path alone); noop: a route that only answers 200 (the harness floor)
 *   --answers=N     answers worked on at once (default: the channel's default)
 *   --no-ack-first  turn the ack-first gate off (for comparison)
 *   --profile       print the server's event-loop delay and PGlite's synchronous execution time
 *   --write         put the results in bench/README.md under "## Slack" (only that section is touched)
 *   --baseline=REF  first run the same workload against the server of git ref REF (checked out in a
 *                   temporary worktree sharing this node_modules), then against this working tree
 *
 *   server ack  request reaching express → response finished (our code's share)
 *   client ack  sending → whole response received (what Slack would see, minus the network)
 *   answer      sending the event → the chat.postMessage that answers it (in its thread)
 *   answers/s   events / (last answer − first event sent)
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import 'reflect-metadata';
import { arg, createScratchDatabase, DEFAULT_BENCH_URL, f, flag, now, quantile, replaceSection, table } from './lib';

const SECRET = 'bench-signing-secret';
const QUESTIONS = [
  'How do I handle exceptions in Python?',
  'What is the difference between precision and recall?',
  'How should I run a retrospective?',
  'What is the critical path of a project?',
  'How do I give feedback with the SBI model?',
  'How does k-means clustering work?',
  'How do I group rows with pandas groupby?',
  'How should I present to executives?',
  'What is psychological safety?',
  'How do I handle missing values when cleaning data?',
  'How should I run a one-on-one?',
  'What is overfitting and how does regularisation help?',
];

// ---------------------------------------------------------------------------------------------
// Child: the real server.

async function serve(): Promise<void> {
  const { buildApp } = require('../src/app') as typeof import('../src/app');
  const { loadConfig } = require('../src/config') as typeof import('../src/config');
  const { createSlackChannel } = require('../src/channels/slack') as typeof import('../src/channels/slack');
  const { IdentityService } = require('../src/core/identity-service') as typeof import('../src/core/identity-service');
  const { InteractionService } = require('../src/core/interaction-service') as typeof import('../src/core/interaction-service');
  const { createLogger } = require('../src/observability/logger') as typeof import('../src/observability/logger');
  const { createServer } = require('../src/server') as typeof import('../src/server');
  const { IN_MEMORY } = require('../src/db/embedded-postgres') as typeof import('../src/db/embedded-postgres');

  const config = loadConfig({
    PGLITE_DATA_DIR: IN_MEMORY,
    DATABASE_URL: process.env.BENCH_SERVER_DATABASE_URL,
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY,
    LOG_LEVEL: 'warn',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: process.env.BENCH_SLACK_API_URL,
  });
  const logger = createLogger(config.LOG_LEVEL);
  const profile = process.env.BENCH_PROFILE === '1' ? await startProfile() : undefined;
  const app = await buildApp(config, logger);
  const channel = createSlackChannel(
    {
      config,
      conversation: app.conversation,
      interactions: new InteractionService(app.ds),
      identities: new IdentityService(app.ds),
      queue: app.queue,
      logger,
    },
    { ackFirst: process.env.BENCH_ACK_FIRST !== '0' },
  );
  if (!channel) throw new Error('Slack channel not configured');
  await channel.start();
  // Server-side ack time: request received → response finished (without the client's own overhead).
  let serverAck: number[] = [];
  const timing = (a: import('express').Express) =>
    a.use('/slack/events', (_req, res, next) => {
      const t0 = performance.now();
      res.on('finish', () => serverAck.push(performance.now() - t0));
      next();
    });
  // The harness floor (--workload=noop): same server process and HTTP stack, no Slack, no Bolt.
  const noop = (a: import('express').Express) =>
    a.post('/bench-noop', (req, res) => {
      req.resume();
      req.on('end', () => res.status(200).end());
    });
  const server = createServer({ ds: app.ds, logger, mount: [timing, noop, (a) => channel.mount(a)] }).listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.send!({ port });
  });
  process.on('message', async (m: { stop?: boolean; resetProfile?: boolean; serverAck?: boolean }) => {
    if (m.resetProfile) {
      profile?.reset();
      serverAck = [];
      return;
    }
    if (m.serverAck) {
      process.send!({ serverAck });
      return;
    }
    if (!m.stop) return;
    if (profile) process.send!({ profile: profile.report() });
    server.close();
    await channel.stop();
    await app.close();
    process.exit(0);
  });
}

/**
 * --profile: where the server's event loop goes. PGlite executes every query synchronously on the
 * thread that owns it (execProtocolRawSync), so the time spent there is time no ack can be sent.
 */
async function startProfile() {
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const { PGlite } = await import('@electric-sql/pglite');
  const proto = PGlite.prototype as unknown as { execProtocolRawSync: (...a: unknown[]) => unknown };
  const original = proto.execProtocolRawSync;
  let sql: number[] = [];
  proto.execProtocolRawSync = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    try {
      return original.apply(this, a);
    } finally {
      sql.push(performance.now() - t0);
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let since = performance.now();
  return {
    reset() {
      sql = [];
      loop.reset();
      since = performance.now();
    },
    report() {
      const sorted = [...sql].sort((a, b) => a - b);
      const total = sql.reduce((x, y) => x + y, 0);
      return {
        wallMs: performance.now() - since,
        loopDelayP50: loop.percentile(50) / 1e6,
        loopDelayP99: loop.percentile(99) / 1e6,
        loopDelayMax: loop.max / 1e6,
        pgliteCalls: sql.length,
        pgliteTotalMs: total,
        pgliteP50: quantile(sorted, 0.5),
        pgliteP99: quantile(sorted, 0.99),
        pgliteMax: sorted[sorted.length - 1] ?? 0,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parent: Slack.

interface Run {
  code: string;
  workload: string;
  mode: string;
  load: number;
  concurrency: number;
  events: number;
  ack: number[];
  serverAck: number[];
  answer: number[];
  seconds: number;
  non200: number;
}

async function main(): Promise<void> {
  const { FakeSlackApi, BOT_USER_ID } = require('../test/helpers/fake-slack-api') as typeof import('../test/helpers/fake-slack-api');
  const { envelope, mentionEvent, messageEvent, newId, newTs, signature } =
    require('../test/channels/slack/slack-requests') as typeof import('../test/channels/slack/slack-requests');
  const workloads = arg('workload', 'mentions').split(',');
  let workload = workloads[0];
  const modes = arg('mode', 'bursts,closed').split(',');
  const rate = Number(arg('rate', '8'));
  const events = Number(arg('events', '600'));
  const levels = arg('concurrency', '50').split(',').map(Number);
  const warmup = Number(arg('warmup', '30'));

  const fake = new FakeSlackApi();
  await fake.start();
  const users = Array.from({ length: Math.max(...levels) }, (_, i) => {
    const id = newId('U');
    fake.users.set(id, { name: `Bench Person ${i}`, email: `${id.toLowerCase()}@example.test` });
    return id;
  });
  const channels = Array.from({ length: 10 }, () => newId('C'));

  const database = arg('database', 'embedded');
  const answersAtOnce = arg('answers', '');
  const baseline = arg('baseline', '');
  const runs: Run[] = [];
  for (const code of baseline ? [baseline, 'this tree'] : ['this tree']) {
    const dir = code === 'this tree' ? path.resolve(__dirname, '..') : checkout(code);
    try {
      runs.push(...(await measure(dir, code)));
    } finally {
      if (dir !== path.resolve(__dirname, '..')) removeCheckout(dir);
    }
  }
  report(runs, { events, warmup, levels, modes, rate, workloads });
  await fake.stop();

  /** Starts the server of the code in `dir` (a fresh database), runs every workload, stops it. */
  async function measure(dir: string, code: string): Promise<Run[]> {
    fake.calls.length = 0;
    const scratch =
      database === 'postgres' ? await createScratchDatabase(process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL, 'slack') : undefined;
    const startedChild = Date.now();
    const child = fork(path.join(dir, 'bench/slack-ack.ts'), ['--serve'], {
      cwd: dir,
      execArgv: [
        '-r',
        'ts-node/register/transpile-only',
        ...(process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []),
      ],
      env: {
        ...process.env,
        BENCH_SLACK_API_URL: fake.apiUrl,
        BENCH_PROFILE: flag('profile') ? '1' : '0',
        BENCH_SERVER_DATABASE_URL: scratch?.url ?? '',
        // the knob is called WORKER_CONCURRENCY since the durable queue, BENCH_ANSWERS before it
        WORKER_CONCURRENCY: answersAtOnce,
        BENCH_ANSWERS: answersAtOnce,
        BENCH_ACK_FIRST: flag('no-ack-first') ? '0' : '1',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    process.stderr.write(
      `${code}: server up in ${((Date.now() - startedChild) / 1000).toFixed(1)} s (${database} database, sample corpus seeded)\n`,
    );
    let agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...levels) });

    /**
     * Sends `n` events and resolves when every one of them is answered.
     * bursts: `concurrency` events at once, a new burst every concurrency/rate seconds (open loop).
     * closed: `concurrency` requests in flight all the time until `n` were sent (saturation).
     */
    async function run(n: number, concurrency: number, mode: string): Promise<Run> {
      const sent = new Map<string, number>();
      const ack: number[] = [];
      let non200 = 0;
      let next = 0;
      const first = Date.now();
      /** Builds and signs the next event (outside the timed part). */
      const prepare = (w: number) => {
        const i = next++;
        const channel = channels[i % channels.length];
        const ts = newTs();
        const event =
          workload !== 'mentions'
            ? // a channel message without a mention: acknowledged and dropped by the listener (the ack path alone)
              messageEvent({ channel, user: users[w % users.length], text: QUESTIONS[i % QUESTIONS.length], ts })
            : mentionEvent({ channel, user: users[w % users.length], text: `<@${BOT_USER_ID}> ${QUESTIONS[i % QUESTIONS.length]}`, ts });
        const body = JSON.stringify(envelope(event));
        const timestamp = Math.floor(Date.now() / 1000);
        return {
          key: `${channel}:${ts}`,
          body,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'x-slack-request-timestamp': String(timestamp),
            'x-slack-signature': signature(SECRET, timestamp, body),
          },
        };
      };
      const send = (req: ReturnType<typeof prepare>) =>
        new Promise<void>((resolve, reject) => {
          sent.set(req.key, Date.now());
          const t0 = now();
          const r = http.request(
            {
              host: '127.0.0.1',
              port,
              path: workload === 'noop' ? '/bench-noop' : '/slack/events',
              method: 'POST',
              headers: req.headers,
              agent,
            },
            (res) => {
              res.resume();
              res.on('end', () => {
                ack.push(now() - t0);
                if (res.statusCode !== 200) non200++;
                resolve();
              });
            },
          );
          r.on('error', reject);
          r.end(req.body);
        });
      const sendOne = (w: number) => send(prepare(w));
      if (mode === 'closed') {
        await Promise.all(
          Array.from({ length: concurrency }, async (_, w) => {
            while (next < n) await sendOne(w);
          }),
        );
      } else {
        const intervalMs = (concurrency / rate) * 1000;
        for (let b = 0; next < n; b++) {
          const due = first + b * intervalMs;
          if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
          const burst = Array.from({ length: Math.min(concurrency, n - next) }, (_, w) => prepare(w));
          // Fresh connections per burst: the server closes idle keep-alive sockets after 5 s anyway.
          agent.destroy();
          agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
          await Promise.all(burst.map(send));
        }
      }
      const answers = new Map<string, number>();
      if (workload !== 'mentions')
        return {
          code,
          workload,
          mode,
          load: os.loadavg()[0],
          concurrency,
          events: n,
          ack,
          serverAck: [],
          answer: [],
          seconds: (Date.now() - first) / 1000,
          non200,
        };
      const deadline = Date.now() + 10 * 60_000;
      let scanned = 0;
      while (answers.size < n) {
        for (; scanned < fake.calls.length; scanned++) {
          const c = fake.calls[scanned];
          const key = `${c.body?.channel}:${c.body?.thread_ts}`;
          if (c.method === 'chat.postMessage' && c.status === 200 && sent.has(key)) answers.set(key, c.at);
        }
        if (Date.now() > deadline) throw new Error(`only ${answers.size}/${n} answers arrived`);
        if (answers.size < n) await new Promise((r) => setTimeout(r, 20));
      }
      const answer = [...answers].map(([k, at]) => at - sent.get(k)!);
      const last = Math.max(...answers.values());
      return {
        code,
        workload,
        mode,
        load: os.loadavg()[0],
        concurrency,
        events: n,
        ack,
        serverAck: [],
        answer,
        seconds: (last - first) / 1000,
        non200,
      };
    }

    try {
      if (warmup > 0) {
        workload = 'mentions'; // warm the whole answer path, whatever is measured
        await run(warmup, Math.min(5, warmup), 'closed');
      }
      const runs: Run[] = [];
      for (const w of workloads)
        for (const mode of modes)
          for (const c of levels) {
            workload = w;
            fake.calls.length = 0;
            child.send({ resetProfile: true });
            const r = await run(events, c, mode);
            r.serverAck = await new Promise<number[]>((resolve) => {
              const onMessage = (m: { serverAck?: number[] }) => {
                if (m.serverAck) {
                  child.off('message', onMessage);
                  resolve(m.serverAck);
                }
              };
              child.on('message', onMessage);
              child.send({ serverAck: true });
            });
            runs.push(r);
            process.stderr.write(`${code} ${w} ${mode} ${c}: done in ${r.seconds.toFixed(1)} s\n`);
          }
      return runs;
    } finally {
      child.on('message', (m: { profile?: Record<string, number> }) => {
        if (m.profile)
          process.stderr.write(
            `server profile (last run): ${Object.entries(m.profile)
              .map(([k, v]) => `${k}=${f(v, 1)}`)
              .join(' ')}\n`,
          );
      });
      child.send({ stop: true });
      await new Promise((r) => {
        child.once('exit', r);
        setTimeout(r, 15_000);
      });
      if (child.exitCode === null) (child as ChildProcess).kill('SIGKILL');
      agent.destroy();
      await scratch?.drop();
    }
  }
}

/** A detached worktree of `ref` beside this one, sharing node_modules (the old code needs a subset). */
function checkout(ref: string): string {
  const root = path.resolve(__dirname, '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'la-baseline-'));
  execFileSync('git', ['worktree', 'add', '--detach', '--force', dir, ref], { cwd: root, stdio: 'ignore' });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function removeCheckout(dir: string): void {
  execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: path.resolve(__dirname, '..'), stdio: 'ignore' });
}

function report(
  runs: Run[],
  opts: { events: number; warmup: number; levels: number[]; modes: string[]; rate: number; workloads: string[] },
): void {
  const q = (xs: number[], p: number) =>
    quantile(
      [...xs].sort((a, b) => a - b),
      p,
    );
  const label = (r: Run) =>
    r.mode === 'closed' ? `${r.concurrency} in flight, closed loop` : `bursts of ${r.concurrency}, ${opts.rate} events/s`;
  const what: Record<string, string> = { mentions: 'app_mention, answered', ignored: 'ack path only', noop: 'harness floor' };
  const rows = runs.map((r) => [
    r.code,
    what[r.workload] ?? r.workload,
    label(r),
    r.events,
    r.non200,
    f(r.load, 1),
    r.serverAck.length ? f(q(r.serverAck, 0.5)) : '-',
    r.serverAck.length ? f(q(r.serverAck, 0.99)) : '-',
    f(q(r.ack, 0.5)),
    f(q(r.ack, 0.99)),
    f(Math.max(...r.ack)),
    r.answer.length ? f(q(r.answer, 0.5) / 1000) : '-',
    r.answer.length ? f(q(r.answer, 0.99) / 1000) : '-',
    r.answer.length ? f(r.events / r.seconds, 1) : '-',
  ]);
  const cmd = `npx ts-node --transpile-only bench/slack-ack.ts${arg('baseline', '') ? ` --baseline=${arg('baseline', '')}` : ''} --events=${opts.events} --concurrency=${opts.levels.join(',')} --mode=${opts.modes.join(',')} --rate=${opts.rate} --warmup=${opts.warmup}${opts.workloads.join(',') !== 'mentions' ? ` --workload=${opts.workloads.join(',')}` : ''}${flag('no-ack-first') ? ' --no-ack-first' : ''}${arg('answers', '') ? ` --answers=${arg('answers', '')}` : ''}${arg('database', 'embedded') !== 'embedded' ? ` --database=${arg('database', '')}` : ''}`;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const body = [
    `Machine: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}; shared with other work, so the 1-minute load average at the end of each run is in the table. Server: one process built by \`buildApp\` (${arg('database', 'embedded') === 'embedded' ? 'embedded PGlite in memory' : 'PostgreSQL'} with the sample corpus, offline embedder, offline extractive answers), Slack channel in HTTP mode on the project's express server with its default settings. Load generator and fake Slack Web API: a second process on the same machine.`,
    '',
    '```sh',
    cmd,
    '```',
    '',
    `Workloads: *app_mention, answered*: signed \`app_mention\` events, ${QUESTIONS.length} questions about the sample corpus in rotation, 10 channels, one user per concurrent sender; every event is answered (reaction added, users.info the first time per person, core turn, chat.postMessage in the thread, reaction removed). *ack path only*: signed channel messages without a mention, acknowledged and then ignored by the listener. *harness floor*: the same requests to a route on the same express server that only reads the body and answers 200 (what the load generator and Node's HTTP stack cost by themselves). ${opts.warmup} warm-up events first. *Bursts*: ${opts.levels.join('/')} requests sent at once over fresh connections, a new burst every ${opts.levels.map((c) => (c / opts.rate).toFixed(2)).join('/')} s (Slack delivers at most 30,000 events an hour per workspace, 8.3/s). *Closed loop*: that many requests in flight all the time until all are sent (saturation, far beyond what Slack delivers).`,
    '',
    'Server ack: from the request reaching express to the response finished. Client ack: from sending to the whole response received (includes connection set-up and waiting until the server reads the request). Answer: from sending the event to the chat.postMessage that answers it, including the wait in the answer queue.',
    '',
    table(
      [
        'code',
        'workload',
        'load',
        'events',
        'non-200',
        'load avg',
        'server ack p50 ms',
        'server ack p99 ms',
        'client ack p50 ms',
        'client ack p99 ms',
        'client ack max ms',
        'answer p50 s',
        'answer p99 s',
        'answers/s',
      ],
      rows,
    ),
  ].join('\n');
  const title = `Slack acks and answers (${arg('database', 'embedded')}${arg('baseline', '') ? `, this tree vs ${arg('baseline', '')}` : ''})`;
  process.stdout.write(`\n## ${title}\n\n${body}\n`);
  if (flag('write')) {
    const file = path.join(__dirname, 'README.md');
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
    fs.writeFileSync(file, replaceSection(current, title, body));
    process.stderr.write(`wrote the "${title}" section of ${file}\n`);
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((err) => {
    process.stderr.write(`bench server failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
