import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { boltLogger } from '../../src/channels/slack/bolt-logger';
import { collectConsole } from '../../src/observability/console';
import { createLogger } from '../../src/observability/logger';
import { redactSecrets, registerSecrets } from '../../src/observability/redact';

type Line = { level: string; msg: string; time: string; [k: string]: unknown };
function capture(level: 'debug' | 'info' = 'debug') {
  const lines: Line[] = [];
  return { lines, logger: createLogger(level, { app: 'test' }, (l) => lines.push(JSON.parse(l))) };
}

describe('logger (pino)', () => {
  it('writes one JSON line per event with the level as a word, an ISO time, bindings and fields', () => {
    const { lines, logger } = capture('info');
    logger.debug({}, 'below the level');
    logger.child({ channel: 'slack' }).info({ userId: 'u1' }, 'answered');
    assert.equal(lines.length, 1);
    assert.equal(lines[0].level, 'info');
    assert.equal(lines[0].msg, 'answered');
    assert.equal(lines[0].app, 'test');
    assert.equal(lines[0].channel, 'slack');
    assert.equal(lines[0].userId, 'u1');
    assert.ok(!Number.isNaN(Date.parse(lines[0].time)));
  });

  it('keeps the stack, code and cause of errors, under err and under any other key', () => {
    const { lines, logger } = capture();
    const cause = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    logger.error({ err: new Error('could not answer', { cause }), failure: new TypeError('bad') }, 'failed');
    const err = lines[0].err as { type: string; message: string; stack: string; cause: { message: string; code: string } };
    assert.equal(err.type, 'Error');
    assert.match(err.stack, /could not answer\n\s+at /);
    assert.equal(err.cause.code, 'ECONNREFUSED');
    assert.match(err.cause.message, /connection refused/);
    assert.equal((lines[0].failure as { type: string; message: string }).type, 'TypeError');
  });

  it("passes Bolt's free-text lines through as structured ones", () => {
    const { lines, logger } = capture();
    const bolt = boltLogger(logger);
    bolt.setName('bolt-app');
    bolt.warn('Request verification failed', new Error('Signature mismatch'));
    assert.equal(lines[0].level, 'warn');
    assert.equal(lines[0].source, 'bolt-app');
    assert.equal(lines[0].msg, 'Request verification failed Signature mismatch');
    assert.match((lines[0].err as { stack: string }).stack, /Signature mismatch/);
  });
});

describe('secret redaction', () => {
  it('removes registered secrets as written, JSON-escaped and URL-encoded, wherever they appear', () => {
    const secret = 'p"a\\ss word/with:odd=chars';
    registerSecrets([secret, 'short']);
    const { lines, logger } = capture();
    logger.error({ err: new Error(`upstream echoed ${secret}`), url: `https://x.test/?k=${encodeURIComponent(secret)}` }, `sent ${secret}`);
    const text = JSON.stringify(lines[0]);
    assert.ok(!text.includes('a\\\\ss word'), text);
    assert.ok(!text.includes(encodeURIComponent(secret)), text);
    assert.match(String(lines[0].msg), /^sent \[redacted\]$/);
    assert.equal(redactSecrets('a short word'), 'a short word', 'values under 8 characters are not treated as secrets');
  });

  it('removes credential-shaped strings it was never told about', () => {
    const cases: Array<[string, RegExp]> = [
      ['Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl', /Bearer \[redacted\]/],
      ['token xoxb-1234567890-abcdefghij used', /token \[redacted\] used/],
      ['app token xapp-1-A0123-456-abcdef', /app token \[redacted\]/],
      ['Incorrect API key provided: sk-proj-abcdefghijklmnop1234', /provided: \[redacted\]/],
      ['connect postgres://app:hunter2hunter2@db.internal:5432/learning failed', /postgres:\/\/app:\[redacted\]@db\.internal/],
      ['GET /v1?api_key=abcd1234efgh&x=1', /api_key=\[redacted\]&x=1/],
      ['{"client_secret":"abc123def456"}', /"client_secret":"\[redacted\]"/],
    ];
    for (const [input, expected] of cases) assert.match(redactSecrets(input), expected, input);
    assert.equal(redactSecrets('asked about tokens and secrets in 3 courses'), 'asked about tokens and secrets in 3 courses');
  });
});

describe('console output of libraries', () => {
  it('is collected, not printed, while a request runs (for its one log line)', async () => {
    const written: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let result: Awaited<ReturnType<typeof collectConsole>>;
    try {
      result = await collectConsole(async () => {
        console.error(new Error('Unauthorized Access'));
        console.warn('BadRequest: Missing activity');
        throw new Error('refused');
      });
    } finally {
      process.stderr.write = original;
    }
    assert.deepEqual(result.printed, ['Error: Unauthorized Access', 'BadRequest: Missing activity']);
    assert.match(String((result.error as Error).message), /refused/);
    assert.deepEqual(written, []);
  });

  it('becomes JSON lines in the server process once routed', () => {
    const script = `
      const { routeConsoleToLogger } = require('./src/observability/console');
      const { createLogger } = require('./src/observability/logger');
      routeConsoleToLogger(createLogger('info'));
      console.error(new Error('boom'));
      console.log('plain', { a: 1 });`;
    const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.level, l.source, l.msg]),
      [
        ['error', 'console', 'boom'],
        ['info', 'console', 'plain { a: 1 }'],
      ],
    );
    assert.match(lines[0].err.stack, /boom\n\s+at /);
    assert.equal(run.stdout, '');
  });
});
