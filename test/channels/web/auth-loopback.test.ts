import assert from 'node:assert/strict';
import os from 'node:os';
import { createAccess } from '../../../src/channels/web/auth/create-access';
import { isLoopbackAddress } from '../../../src/channels/web/auth/loopback-address';
import type { WebAccess } from '../../../src/channels/web/web-access';
import type { AppDataSource } from '../../../src/db/data-source';
import { forEachBackend } from '../../helpers/databases';
import { capturingLogger, countPeople, probeRoutes } from './auth-helpers';
import { type RunningWeb, startWebServer } from './web-server';

/** An address of this machine that is not loopback (connecting to it gives the server a non-loopback peer). */
function nonLoopbackAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

describe('isLoopbackAddress', () => {
  it('accepts 127.0.0.0/8, ::1 and IPv4-mapped loopback, nothing else', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.9.9.9', '0:0:0:0:0:0:0:1'])
      assert.equal(isLoopbackAddress(a), true, a);
    for (const a of ['10.0.0.1', '192.0.2.2', '::ffff:10.0.0.1', 'fd00::2', '::', '0.0.0.0', '128.0.0.1', 'localhost', '', undefined])
      assert.equal(isLoopbackAddress(a), false, String(a));
  });
});

forEachBackend('web console without a provider in development (loopback)', (backend) => {
  let ds: AppDataSource;
  let web: RunningWeb;
  let log: ReturnType<typeof capturingLogger>;
  const outside = nonLoopbackAddress();

  before(async function () {
    // the first suite of a process migrates the database; slow on a busy machine
    this.timeout(180_000);
    ds = await backend.dataSource();
    log = capturingLogger();
    let access: WebAccess | undefined;
    web = await startWebServer(ds, {
      // every interface, so the suite can also connect through a non-loopback address
      host: '0.0.0.0',
      logger: log.logger,
      access: (deps) => {
        access = createAccess(deps);
        return access;
      },
      mount: [(app) => app.use(probeRoutes(access!))],
    });
  });

  after(async () => {
    await web?.close();
  });

  it('is in loopback mode', () => {
    assert.equal(createAccess(web.deps).mode, 'loopback');
  });

  it('from 127.0.0.1 the viewer is the local developer, an admin (one users row, one web identity)', async () => {
    const res = await fetch(`${web.baseUrl}/probe/page`);
    assert.equal(res.status, 200);
    const { viewer } = (await res.json()) as { viewer: Record<string, unknown> };
    assert.equal(viewer.name, 'Local developer');
    assert.equal(viewer.role, 'admin');
    assert.equal(viewer.via, 'loopback');
    const [identity] = await ds.query(
      `SELECT u.id, u.role FROM user_identities i JOIN users u ON u.id = i.user_id
       WHERE i.platform = 'web' AND i.tenant_id = 'local' AND i.platform_user_id = 'local-developer'`,
    );
    assert.equal(identity.id, viewer.userId);
    assert.equal(identity.role, 'admin');
    const before = await countPeople(ds);
    assert.equal((await fetch(`${web.baseUrl}/probe/admin`)).status, 200);
    assert.equal((await fetch(`${web.baseUrl}/probe/admin-api`)).status, 200);
    assert.deepEqual(await countPeople(ds), before);
  });

  it('unsafe requests still need the CSRF token', async () => {
    const res = await fetch(`${web.baseUrl}/probe/page`);
    const cookie = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('la-csrf='))!
      .split(';')[0];
    const { csrf } = (await res.json()) as { csrf: string };
    const missing = await fetch(`${web.baseUrl}/probe/api`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(missing.status, 403);
    const ok = await fetch(`${web.baseUrl}/probe/api`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: '{"x":2}',
    });
    assert.equal(ok.status, 200);
  });

  it('refuses a connection through a non-loopback address, whatever X-Forwarded-For says', async function () {
    if (!outside) this.skip(); // no non-loopback interface on this machine: isLoopbackAddress above covers the rule
    const port = new URL(web.baseUrl).port;
    const from = log.lines().length;
    const page = await fetch(`http://${outside}:${port}/probe/page`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    assert.equal(page.status, 403);
    assert.match(String(page.headers.get('content-type')), /text\/html/);
    const html = await page.text();
    assert.ok(html.includes('This console is open to this machine only'));
    assert.ok(html.includes('OIDC_ISSUER'));
    const api = await fetch(`http://${outside}:${port}/probe/api`);
    assert.equal(api.status, 403);
    assert.ok(((await api.json()) as { error: string }).error.includes('docs/web-console-sign-in.md'));
    const lines = log.lines().slice(from);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.remote]),
      [
        ['warn', 'web console refused a non-loopback connection (no sign-in provider configured)', outside],
        ['warn', 'web console refused a non-loopback connection (no sign-in provider configured)', outside],
      ],
    );
  });
});
