import assert from 'node:assert/strict';
import { createWebConsole } from '../../../src/channels/web';
import { localPath } from '../../../src/channels/web/auth/local-path';
import { loadConfig } from '../../../src/config';
import type { AppDataSource } from '../../../src/db/data-source';
import { isAppError } from '../../../src/errors';
import { forEachBackend } from '../../helpers/databases';
import { startOidcProvider } from '../../helpers/oidc-provider';
import { capturingLogger, freePort } from './auth-helpers';
import { startWebServer } from './web-server';

const OIDC = {
  OIDC_ISSUER: 'https://login.example.com',
  OIDC_CLIENT_ID: 'console',
  OIDC_CLIENT_SECRET: 'client-secret-for-config-tests',
  PUBLIC_URL: 'https://learning.example.com',
  SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
};

describe('the way back after sign-in (localPath)', () => {
  it('keeps paths on this site, turns everything else into /', () => {
    for (const ok of ['/', '/admin', '/admin?from=2026-01-01&to=2026-03-31', '/a/b#c']) assert.equal(localPath(ok), ok);
    for (const bad of [
      'https://evil.example/',
      '//evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      'admin',
      '/a\nb',
      '',
      undefined,
      ['/x'],
      '/'.padEnd(3000, 'a'),
    ])
      assert.equal(localPath(bad), '/', String(bad));
  });
});

describe('sign-in configuration (config.ts)', () => {
  const invalid = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => isAppError(err, 'CONFIG_INVALID') && pattern.test((err as Error).message),
    );

  it('takes all three OIDC settings with PUBLIC_URL, or none', () => {
    assert.equal(loadConfig({ ...OIDC, NODE_ENV: 'production' }).OIDC_ISSUER, OIDC.OIDC_ISSUER);
    assert.equal(loadConfig({ NODE_ENV: 'production' }).OIDC_ISSUER, undefined);
    invalid({ OIDC_ISSUER: OIDC.OIDC_ISSUER, PUBLIC_URL: OIDC.PUBLIC_URL }, /OIDC_CLIENT_ID, OIDC_CLIENT_SECRET/);
    invalid({ OIDC_CLIENT_SECRET: 'x-secret-value' }, /set all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/);
    invalid({ ...OIDC, PUBLIC_URL: '' }, /PUBLIC_URL: required with OIDC_ISSUER/);
  });

  it('needs SESSION_SECRET (32+ characters) and an https provider in production', () => {
    invalid({ ...OIDC, SESSION_SECRET: '', NODE_ENV: 'production' }, /SESSION_SECRET: required in production/);
    invalid({ ...OIDC, SESSION_SECRET: 'short' }, /SESSION_SECRET/);
    invalid({ ...OIDC, OIDC_ISSUER: 'http://login.example.com', NODE_ENV: 'production' }, /OIDC_ISSUER: must be https/);
    // development may go without (a random per-process secret) and use a provider on this machine
    assert.equal(loadConfig({ ...OIDC, SESSION_SECRET: '', OIDC_ISSUER: 'http://127.0.0.1:9000' }).SESSION_SECRET, undefined);
  });
});

forEachBackend('web console modes', (backend) => {
  let ds: AppDataSource;
  before(async () => {
    ds = await backend.dataSource();
  });

  it('production without a provider: no console at all (only health, metrics and the platforms)', async () => {
    const web = await startWebServer(ds, { env: { NODE_ENV: 'production' } });
    try {
      assert.equal(createWebConsole(web.deps), null);
      assert.equal((await fetch(`${web.baseUrl}/auth/login`, { redirect: 'manual' })).status, 404);
      assert.equal((await fetch(`${web.baseUrl}/assets/pico.min.css`)).status, 404);
      assert.equal((await fetch(`${web.baseUrl}/healthz`)).status, 200);
    } finally {
      await web.close();
    }
  });

  it('production with a provider: the console is on, in oidc mode', async () => {
    const web = await startWebServer(ds, { env: { ...OIDC, NODE_ENV: 'production' } });
    try {
      assert.equal(createWebConsole(web.deps)?.mode, 'oidc');
    } finally {
      await web.close();
    }
  });

  it('a provider that is down gives a clear 503 page, and sign-in works once it is up (discovery is retried)', async () => {
    const providerPort = await freePort();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const log = capturingLogger();
    const web = await startWebServer(ds, {
      port,
      logger: log.logger,
      env: {
        OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
        OIDC_CLIENT_ID: 'learning-console',
        OIDC_CLIENT_SECRET: 'oidc-client-secret-for-tests-0123456789',
        PUBLIC_URL: base,
      },
    });
    let provider: Awaited<ReturnType<typeof startOidcProvider>> | undefined;
    try {
      const down = await fetch(`${base}/auth/login`, { redirect: 'manual' });
      assert.equal(down.status, 503);
      assert.ok((await down.text()).includes('Sign-in provider unreachable'));
      const lines = log.lines();
      assert.deepEqual(
        lines.map((l) => [l.level, l.msg]),
        [
          ['warn', 'SESSION_SECRET is not set: sessions are sealed with a random secret and end when this process stops'],
          ['warn', 'web console sign-in provider unreachable'],
        ],
      );
      assert.match(String(lines[1].reason), /AUTH_PROVIDER_UNREACHABLE/);

      provider = await startOidcProvider({ port: providerPort, redirectUri: `${base}/auth/callback`, accounts: [] });
      const up = await fetch(`${base}/auth/login`, { redirect: 'manual' });
      assert.equal(up.status, 302);
      assert.ok(String(up.headers.get('location')).startsWith(`${provider.issuer}/`));
    } finally {
      await web.close();
      await provider?.close();
    }
  });
});
