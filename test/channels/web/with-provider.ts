import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppDataSource } from '../../../src/db/data-source';
import { newContext } from '../../helpers/browser';
import { type RunningProvider, startOidcProvider, type TestAccount } from '../../helpers/oidc-provider';
import { freePort } from './auth-helpers';
import { type RunningWeb, startWebServer } from './web-server';

export interface ConsoleWithProvider {
  web: RunningWeb;
  provider: RunningProvider;
  /** http://127.0.0.1:<port>, the PUBLIC_URL */
  base: string;
  close(): Promise<void>;
}

/**
 * Our server in OIDC mode with a real OpenID provider on 127.0.0.1 whose one client calls back to it
 * (PUBLIC_URL must name the port before either starts). `opts` goes to startWebServer.
 */
export async function startConsoleWithProvider(
  ds: AppDataSource,
  accounts: TestAccount[],
  opts: Omit<NonNullable<Parameters<typeof startWebServer>[1]>, 'port' | 'env'> & { sessionSecret?: string } = {},
): Promise<ConsoleWithProvider> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startOidcProvider({ redirectUri: `${base}/auth/callback`, accounts });
  const { sessionSecret = 'session-secret-for-web-tests-0123456789', ...rest } = opts;
  const web = await startWebServer(ds, {
    ...rest,
    port,
    env: {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      PUBLIC_URL: base,
      SESSION_SECRET: sessionSecret,
    },
  });
  return {
    web,
    provider,
    base,
    close: async () => {
      await web.close();
      await provider.close();
    },
  };
}

/** In a new browser context: opens `path` without a session, signs in at the provider's login form as `accountId`. */
export async function signInWithBrowser(
  browser: Browser,
  site: ConsoleWithProvider,
  path: string,
  accountId: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext(browser);
  const page = await context.newPage();
  page.setDefaultTimeout(90_000); // answers take seconds on a busy machine
  await page.goto(`${site.base}${path}`);
  assert.ok(page.url().startsWith(`${site.provider.issuer}/interaction/`), `sent to the provider, not ${page.url()}`);
  await page.fill('input[name="login"]', accountId);
  await page.fill('input[name="password"]', 'any password');
  await Promise.all([page.waitForURL((u) => u.origin === site.base), page.click('button[type="submit"]')]);
  return { context, page };
}
