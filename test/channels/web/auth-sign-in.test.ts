import assert from 'node:assert/strict';
import { sealData, unsealData } from 'iron-session';
import { createAccess } from '../../../src/channels/web/auth/create-access';
import type { WebAccess } from '../../../src/channels/web/web-access';
import type { AppDataSource } from '../../../src/db/data-source';
import { forEachBackend } from '../../helpers/databases';
import { CookieJar, type RunningProvider } from '../../helpers/oidc-provider';
import { capturingLogger, countPeople, makeUser, probeRoutes } from './auth-helpers';
import { type ConsoleWithProvider, startConsoleWithProvider } from './with-provider';

const SESSION_SECRET = 'session-secret-for-sign-in-tests-0123456789';
const HOUR = 3600_000;

forEachBackend('web console sign-in with OpenID Connect', (backend) => {
  let ds: AppDataSource;
  let provider: RunningProvider;
  let site: ConsoleWithProvider;
  let base: string;
  let log: ReturnType<typeof capturingLogger>;
  let clock = Date.now();
  let admin: { id: string; email: string };
  let employee: { id: string; email: string };

  before(async function () {
    // the first suite of a process migrates the database; slow on a busy machine
    this.timeout(180_000);
    ds = await backend.dataSource();
    admin = await makeUser(ds, 'Ada Admin', 'admin');
    employee = await makeUser(ds, 'Eve Employee', null);
    log = capturingLogger();
    let access: WebAccess | undefined;
    site = await startConsoleWithProvider(
      ds,
      [
        // The provider spells the address differently from users.email: matched case-insensitively.
        { id: 'ada', email: admin.email.toUpperCase(), emailVerified: true, name: 'Ada' },
        { id: 'eve', email: employee.email, emailVerified: true },
        { id: 'unverified', email: admin.email, emailVerified: false },
        { id: 'stranger', email: 'stranger@elsewhere.example', emailVerified: true },
        { id: 'no-email' },
        // Entra ID work accounts: no email_verified, the optional xms_edov claim instead
        { id: 'entra', email: employee.email, xmsEdov: true },
        { id: 'entra-unverified-domain', email: employee.email, xmsEdov: false },
        { id: 'verified-false-edov-true', email: employee.email, emailVerified: false, xmsEdov: true },
      ],
      {
        logger: log.logger,
        sessionSecret: SESSION_SECRET,
        access: (deps) => {
          access = createAccess(deps, { now: () => clock });
          return access;
        },
        mount: [(app) => app.use(probeRoutes(access!))],
      },
    );
    ({ provider, base } = site);
  });

  after(async () => {
    await site?.close();
  });

  beforeEach(() => {
    clock = Date.now();
  });

  /** Starts sign-in at our server, signs in at the provider, and returns the provider's redirect to our callback. */
  async function startSignIn(accountId: string, returnTo = '/probe/admin') {
    const jar = new CookieJar();
    const login = await jar.fetch(`${base}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    assert.equal(login.status, 302);
    const authorize = login.headers.get('location')!;
    assert.equal(authorize.startsWith(`${provider.issuer}/`), true);
    const callback = await provider.signIn(authorize, accountId);
    assert.equal(`${callback.origin}${callback.pathname}`, `${base}/auth/callback`);
    return { jar, callback };
  }

  async function signIn(accountId: string, returnTo = '/probe/admin') {
    const { jar, callback } = await startSignIn(accountId, returnTo);
    const res = await jar.fetch(callback);
    return { jar, res };
  }

  const newLines = (from: number) => log.lines().slice(from);

  it('signs an admin in with PKCE, state and nonce, and brings them back where they were going', async () => {
    const { jar, res } = await signIn('ada', '/probe/admin?range=90');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/probe/admin?range=90');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('la-session='))!;
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.doesNotMatch(cookie, /Secure/i); // PUBLIC_URL is http here
    assert.equal(jar.get(base, 'la-signin'), undefined); // the transaction is used once
    const page = await jar.fetch(`${base}/probe/admin`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), 'admin page for Ada Admin');
    const me = (await (await jar.fetch(`${base}/probe/page`)).json()) as { viewer: Record<string, unknown> };
    assert.deepEqual({ ...me.viewer, ...{ userId: admin.id, role: 'admin', via: 'oidc', email: admin.email } }, me.viewer);
  });

  it('the authorization request carries PKCE (S256), state, nonce and the configured callback', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${base}/auth/login`);
    const url = new URL(login.headers.get('location')!);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(String(url.searchParams.get('code_challenge')), /^[\w-]{43}$/);
    assert.match(String(url.searchParams.get('state')), /^[\w-]{20,}$/);
    assert.match(String(url.searchParams.get('nonce')), /^[\w-]{20,}$/);
    assert.equal(url.searchParams.get('redirect_uri'), `${base}/auth/callback`);
    assert.equal(url.searchParams.get('scope'), 'openid email profile');
  });

  it('an employee signs in but gets no admin page or admin API', async () => {
    const { jar, res } = await signIn('eve', '/probe/page');
    assert.equal(res.status, 303);
    assert.equal((await jar.fetch(`${base}/probe/page`)).status, 200);
    const from = log.lines().length;
    const page = await jar.fetch(`${base}/probe/admin`);
    assert.equal(page.status, 403);
    assert.match(String(page.headers.get('content-type')), /text\/html/);
    assert.ok((await page.text()).includes('Admins only'));
    const api = await jar.fetch(`${base}/probe/admin-api`);
    assert.equal(api.status, 403);
    assert.ok(((await api.json()) as { error: string }).error.includes('Admins only'));
    assert.deepEqual(
      newLines(from).map((l) => l.msg),
      ['web console refused a non-admin', 'web console refused a non-admin'],
    );
  });

  it('without a session, pages redirect to sign-in (with the way back) and APIs answer 401', async () => {
    const page = await fetch(`${base}/probe/admin?x=1`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), `/auth/login?returnTo=${encodeURIComponent('/probe/admin?x=1')}`);
    const api = await fetch(`${base}/probe/api`);
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as Record<string, unknown>).signIn, '/auth/login');
  });

  it('returnTo must be a path on this site (no open redirect)', async () => {
    for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const { jar, callback } = await startSignIn('ada', target);
      const res = await jar.fetch(callback);
      assert.equal(res.status, 303, target);
      assert.equal(res.headers.get('location'), '/', target);
    }
  });

  it('refuses a callback whose state does not match, writing nothing and logging once', async () => {
    const before = await countPeople(ds);
    const { jar, callback } = await startSignIn('ada');
    callback.searchParams.set('state', 'forged-state-value');
    const from = log.lines().length;
    const res = await jar.fetch(callback);
    assert.equal(res.status, 400);
    assert.ok((await res.text()).includes('Sign-in failed'));
    assert.equal(
      res.headers.getSetCookie().some((c) => c.startsWith('la-session=')),
      false,
    );
    assert.deepEqual(await countPeople(ds), before);
    const lines = newLines(from);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['web console sign-in callback refused'],
    );
    assert.match(String(lines[0].reason), /state/i);
  });

  it('refuses an id token whose nonce does not match the transaction', async () => {
    const before = await countPeople(ds);
    const { jar, callback } = await startSignIn('ada');
    // Someone who could change the sealed transaction (here: knowing the secret) swaps the nonce.
    const tx = await unsealData<Record<string, string>>(jar.get(base, 'la-signin')!, { password: SESSION_SECRET, ttl: 600 });
    jar.set(base, 'la-signin', await sealData({ ...tx, nonce: 'another-nonce-value-0123456789' }, { password: SESSION_SECRET, ttl: 600 }));
    const from = log.lines().length;
    const res = await jar.fetch(callback);
    assert.equal(res.status, 400);
    assert.deepEqual(await countPeople(ds), before);
    const lines = newLines(from);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['web console sign-in callback refused'],
    );
    assert.match(String(lines[0].reason), /nonce/i);
  });

  it('refuses a callback without the sign-in cookie (started elsewhere), or with a forged one', async () => {
    const { callback } = await startSignIn('ada');
    const from = log.lines().length;
    const bare = await fetch(callback, { redirect: 'manual' });
    assert.equal(bare.status, 400);
    assert.ok((await bare.text()).includes('Sign-in expired'));
    const forged = await fetch(callback, { redirect: 'manual', headers: { cookie: 'la-signin=Fe26.2**forged' } });
    assert.equal(forged.status, 400);
    assert.deepEqual(
      newLines(from).map((l) => l.msg),
      ['web console sign-in callback without a sign-in cookie', 'web console sign-in callback without a valid sign-in cookie'],
    );
  });

  for (const [account, why] of [
    ['unverified', 'the email is not verified by the provider'],
    ['stranger', 'no user has this email'],
    ['no-email', 'the id token has no email claim'],
    ['entra-unverified-domain', 'the email is not verified by the provider'],
    ['verified-false-edov-true', 'the email is not verified by the provider'],
  ] as const) {
    it(`refuses an id token for account "${account}" (${why}): 403 "ask your admin", nothing written, logged once`, async () => {
      const before = await countPeople(ds);
      const { jar, callback } = await startSignIn(account);
      const from = log.lines().length;
      const res = await jar.fetch(callback);
      assert.equal(res.status, 403);
      assert.ok((await res.text()).includes('Ask your admin to add you'));
      assert.equal(
        res.headers.getSetCookie().some((c) => c.startsWith('la-session=')),
        false,
      );
      assert.deepEqual(await countPeople(ds), before);
      assert.deepEqual(
        newLines(from).map((l) => l.msg),
        [`web console sign-in refused: ${why}`],
      );
      assert.equal((await jar.fetch(`${base}/probe/api`)).status, 401);
    });
  }

  it('accepts Entra ID’s xms_edov claim when the token has no email_verified', async () => {
    const { jar, res } = await signIn('entra', '/probe/api');
    assert.equal(res.status, 303);
    assert.equal(((await (await jar.fetch(`${base}/probe/api`)).json()) as { userId: string }).userId, employee.id);
  });

  it('a forged session cookie counts as no session, logged once at info', async () => {
    const from = log.lines().length;
    const page = await fetch(`${base}/probe/admin`, { redirect: 'manual', headers: { cookie: 'la-session=Fe26.2**0123**abc' } });
    assert.equal(page.status, 302);
    assert.match(String(page.headers.get('location')), /^\/auth\/login\?returnTo=/);
    // sealed with another secret: just as forged
    const other = await sealData(
      { uid: admin.id, sid: 'x', exp: Date.now() + HOUR },
      { password: 'another-secret-another-secret-0123456789', ttl: 8 * 3600 },
    );
    const api = await fetch(`${base}/probe/api`, { headers: { cookie: `la-session=${other}` } });
    assert.equal(api.status, 401);
    const lines = newLines(from);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        ['info', 'web console session cookie not sealed by us (forged, or sealed with another key), treated as signed out'],
        ['info', 'web console session cookie not sealed by us (forged, or sealed with another key), treated as signed out'],
      ],
    );
  });

  it('a session ends after 8 hours', async () => {
    const { jar } = await signIn('ada');
    clock += 8 * HOUR - 60_000;
    assert.equal((await jar.fetch(`${base}/probe/admin`)).status, 200);
    clock += 2 * 60_000;
    const from = log.lines().length;
    const page = await jar.fetch(`${base}/probe/admin`);
    assert.equal(page.status, 302);
    assert.deepEqual(
      newLines(from).map((l) => [l.level, l.msg]),
      [['info', 'web console session cookie expired, treated as signed out']],
    );
    assert.equal(jar.get(base, 'la-session'), undefined); // cleared
  });

  it('reads the user on every request: a role change applies at once, a deleted user is refused', async () => {
    const temp = await makeUser(ds, 'Tim Temp', null);
    provider.accounts.set('tim', { id: 'tim', email: temp.email, emailVerified: true });
    const { jar } = await signIn('tim');
    assert.equal((await jar.fetch(`${base}/probe/admin`)).status, 403);
    await ds.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [temp.id]);
    assert.equal((await jar.fetch(`${base}/probe/admin`)).status, 200);
    await ds.query(`DELETE FROM users WHERE id = $1`, [temp.id]);
    const from = log.lines().length;
    assert.equal((await jar.fetch(`${base}/probe/api`)).status, 401);
    assert.deepEqual(
      newLines(from).map((l) => l.msg),
      ['web console session of a deleted user refused'],
    );
  });

  it('unsafe requests need the session’s CSRF token (header for scripts, _csrf for forms)', async () => {
    const { jar } = await signIn('eve', '/probe/page');
    const { csrf } = (await (await jar.fetch(`${base}/probe/page`)).json()) as { csrf: string };
    assert.ok(typeof csrf === 'string' && csrf.length > 20);
    const from = log.lines().length;
    const missing = await jar.fetch(`${base}/probe/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    assert.equal(missing.status, 403);
    assert.ok(((await missing.json()) as { error: string }).error.includes('CSRF token'));
    const wrong = await jar.fetch(`${base}/probe/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': `${csrf.slice(0, -2)}00` },
      body: '{"a":1}',
    });
    assert.equal(wrong.status, 403);
    const formMissing = await jar.fetch(`${base}/probe/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'note=hi',
    });
    assert.equal(formMissing.status, 403);
    assert.ok((await formMissing.text()).includes('Missing or wrong security token'));
    assert.deepEqual(
      newLines(from).map((l) => l.msg),
      Array(3).fill('web console refused an unsafe request without a valid CSRF token'),
    );

    const ok = await jar.fetch(`${base}/probe/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: '{"a":1}',
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { changed: true, body: { a: 1 } });
    const form = await jar.fetch(`${base}/probe/form`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ note: 'hello', _csrf: csrf }).toString(),
    });
    assert.equal(form.status, 200);
    assert.equal(await form.text(), 'saved hello');
  });

  it('a CSRF token of one session does not work in another', async () => {
    const eve = await signIn('eve', '/probe/page');
    const ada = await signIn('ada', '/probe/page');
    const { csrf } = (await (await eve.jar.fetch(`${base}/probe/page`)).json()) as { csrf: string };
    // Ada's browser with Eve's token (and Eve's CSRF cookie): bound to Eve's session, refused.
    ada.jar.set(base, 'la-csrf', eve.jar.get(base, 'la-csrf')!);
    const res = await ada.jar.fetch(`${base}/probe/api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: '{}',
    });
    assert.equal(res.status, 403);
  });

  it('sign-out needs the CSRF token and ends the session', async () => {
    const { jar } = await signIn('ada', '/probe/page');
    const { csrf } = (await (await jar.fetch(`${base}/probe/page`)).json()) as { csrf: string };
    const forged = await jar.fetch(`${base}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(forged.status, 403);
    assert.equal((await jar.fetch(`${base}/probe/admin`)).status, 200);
    const out = await jar.fetch(`${base}/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    assert.equal(out.status, 200);
    assert.ok((await out.text()).includes('Signed out'));
    assert.equal(jar.get(base, 'la-session'), undefined);
    assert.equal((await jar.fetch(`${base}/probe/admin`)).status, 302);
  });

  it('never logs tokens, codes or secrets', async () => {
    const { jar, callback } = await startSignIn('ada');
    await jar.fetch(callback);
    const code = callback.searchParams.get('code')!;
    for (const line of log.lines().map((l) => JSON.stringify(l))) {
      assert.ok(!line.includes(code));
      assert.doesNotMatch(line, /eyJ[\w-]{10,}/); // a JWT
      assert.ok(!line.includes(SESSION_SECRET));
      assert.ok(!line.includes(provider.clientSecret));
      assert.ok(!line.includes('Fe26.2*')); // a sealed cookie
    }
  });
});
