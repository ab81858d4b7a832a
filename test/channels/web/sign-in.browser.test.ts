import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { createAccess } from '../../../src/channels/web/auth/create-access';
import type { WebAccess } from '../../../src/channels/web/web-access';
import type { AppDataSource } from '../../../src/db/data-source';
import { launchBrowser, saveScreenshot } from '../../helpers/browser';
import { forOneBackend } from '../../helpers/databases';
import { makeUser, probeRoutes } from './auth-helpers';
import { type ConsoleWithProvider, signInWithBrowser, startConsoleWithProvider } from './with-provider';

// One back end is enough here: the browser exercises the pages and redirects, the HTTP suites both databases.
forOneBackend('sign-in in a browser (headless Chromium)', (backend) => {
  let ds: AppDataSource;
  let site: ConsoleWithProvider;
  let base: string;
  let browser: Browser;
  let admin: { id: string; email: string };
  let employee: { id: string; email: string };

  before(async function () {
    // the first suite of a process migrates the database; slow on a busy machine
    this.timeout(180_000);
    ds = await backend.dataSource();
    admin = await makeUser(ds, 'Ada Admin', 'admin');
    employee = await makeUser(ds, 'Eve Employee', 'employee');
    let access: WebAccess | undefined;
    site = await startConsoleWithProvider(
      ds,
      [
        { id: 'ada', email: admin.email, emailVerified: true },
        { id: 'eve', email: employee.email, emailVerified: true },
        { id: 'stranger', email: 'stranger@elsewhere.example', emailVerified: true },
      ],
      {
        access: (deps) => {
          access = createAccess(deps);
          return access;
        },
        mount: [(app) => app.use(probeRoutes(access!))],
      },
    );
    base = site.base;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  /** Opens `path` without a session, lands on the provider's login form and signs in as `accountId`. */
  const signIn = (path: string, accountId: string) => signInWithBrowser(browser, site, path, accountId);

  it('an admin opens an admin page, signs in at the provider and is back on it, signed in', async () => {
    const { context, page } = await signIn('/probe/admin-page', 'ada');
    try {
      assert.equal(new URL(page.url()).pathname, '/probe/admin-page');
      assert.equal(await page.locator('h1').textContent(), 'Admin probe page');
      assert.ok((await page.locator('main').textContent())?.includes(`Signed in as Ada Admin (${admin.email})`));
      const cookies = await context.cookies(base);
      const session = cookies.find((c) => c.name === 'la-session');
      assert.ok(session?.httpOnly);
      assert.equal(session?.sameSite, 'Lax');
      await saveScreenshot(page, 'sign-in');

      // Sign out with the layout's form (it carries the CSRF token): the session is gone.
      await Promise.all([page.waitForURL(`${base}/auth/logout`), page.getByRole('button', { name: /Sign out/ }).click()]);
      assert.equal(await page.locator('h1').textContent(), 'Signed out');
      assert.equal(
        (await context.cookies(base)).find((c) => c.name === 'la-session'),
        undefined,
      );
      // This browser's requests are signed out (the provider may keep its own session: single sign-on).
      assert.equal((await context.request.get(`${base}/probe/api`)).status(), 401);
    } finally {
      await context.close();
    }
  });

  it('an employee gets a 403 page on an admin page', async () => {
    const { context, page } = await signIn('/probe/admin-page', 'eve');
    try {
      assert.equal(new URL(page.url()).pathname, '/probe/admin-page');
      assert.equal(await page.locator('h1').textContent(), 'Admins only');
    } finally {
      await context.close();
    }
  });

  it('someone the console does not know is told to ask their admin', async () => {
    const { context, page } = await signIn('/probe/admin-page', 'stranger');
    try {
      assert.equal(new URL(page.url()).pathname, '/auth/callback');
      assert.equal(await page.locator('h1').textContent(), 'You cannot use this console yet');
      await saveScreenshot(page, 'sign-in-refused');
    } finally {
      await context.close();
    }
  });
});
