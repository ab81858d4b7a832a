import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppDataSource } from '../../../src/db/data-source';
import { launchBrowser, newContext, saveScreenshot } from '../../helpers/browser';
import { forOneBackend } from '../../helpers/databases';
import { makeUser } from './auth-helpers';
import { seedChatContent } from './chat-helpers';
import { type ConsoleWithProvider, signInWithBrowser, startConsoleWithProvider } from './with-provider';

/**
 * The whole console as people use it, with nothing stubbed: the real access rules signing in through a
 * real OpenID provider, the console page, Try it answering through the durable queue, and the insights.
 */
forOneBackend('web console journey in a browser (headless Chromium, real sign-in)', (backend) => {
  let ds: AppDataSource;
  let site: ConsoleWithProvider;
  let base: string;
  let browser: Browser;
  let admin: { id: string; email: string };

  before(async function () {
    this.timeout(180_000);
    ds = await backend.dataSource();
    await seedChatContent(ds);
    admin = await makeUser(ds, 'Ada Journey', 'admin');
    const employee = await makeUser(ds, 'Eve Journey', 'employee');
    site = await startConsoleWithProvider(ds, [
      { id: 'ada', email: admin.email, emailVerified: true },
      { id: 'eve', email: employee.email, emailVerified: true },
    ]);
    base = site.base;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  /** Opens `path` without a session, signs in at the provider as `accountId`, and is back on `path`. */
  async function signIn(path: string, accountId: string): Promise<{ context: BrowserContext; page: Page }> {
    const signedIn = await signInWithBrowser(browser, site, path, accountId);
    assert.equal(new URL(signedIn.page.url()).pathname, path);
    return signedIn;
  }

  it('an admin signs in, asks in Try it, gets a cited answer with cards, gives 👎 and finds the question in the insights', async function () {
    this.timeout(240_000);
    const { context, page } = await signIn('/', 'ada');
    try {
      assert.equal(await page.locator('h1').textContent(), 'Learning assistant console');
      const question = 'How long do pots dry before glazing in the Vornelli kiln?';
      await page.getByLabel('Your question').fill(question);
      await page.getByRole('button', { name: 'Ask', exact: true }).click();
      const turn = page.locator('.chat-turn').last();
      await turn.locator('.chat-text').waitFor();
      assert.match((await turn.locator('.chat-text').textContent()) ?? '', /two days/);
      assert.ok((await turn.locator('ol.chat-sources li').count()) >= 1, 'numbered sources');
      assert.match((await turn.locator('ol.chat-sources').textContent()) ?? '', /Glazing the Vornelli kiln/);
      assert.ok((await turn.locator('.chat-card').count()) >= 1, 'recommendation cards');
      await saveScreenshot(page, 'console-journey-answer');

      await turn.getByRole('button', { name: 'Not helpful', exact: true }).click();
      await turn.locator('button[aria-label="Not helpful"][aria-pressed="true"]').waitFor();
      const [turnRow] = await ds.query(`SELECT channel, feedback, user_id FROM chat_messages WHERE message = $1`, [question]);
      assert.deepEqual(turnRow, { channel: 'web', feedback: -1, user_id: admin.id });

      // The nav shows Insights to admins; the 👎 makes the question a content gap, with the question as an example.
      await Promise.all([page.waitForURL(`${base}/admin`), page.getByRole('link', { name: 'Insights' }).click()]);
      const gaps = page.locator('section', { has: page.locator('#gaps-heading') });
      await gaps.getByText(question).first().waitFor();
      await saveScreenshot(page, 'console-journey-insights');
    } finally {
      await context.close();
    }
  });

  it('an employee signs in to the console and gets no insights', async function () {
    this.timeout(120_000);
    const { context, page } = await signIn('/', 'eve');
    try {
      assert.equal(await page.getByRole('link', { name: 'Insights' }).count(), 0, 'no Insights link for employees');
      const res = await page.goto(`${base}/admin`);
      assert.equal(res?.status(), 403);
      assert.equal(await page.locator('h1').textContent(), 'Admins only');
    } finally {
      await context.close();
    }
  });

  it('without a session, /admin sends the browser to sign in', async () => {
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      await page.goto(`${base}/admin`);
      assert.ok(page.url().startsWith(`${site.provider.issuer}/interaction/`), page.url());
    } finally {
      await context.close();
    }
  });
});
