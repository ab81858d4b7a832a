import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import type { Browser } from 'playwright-core';
import type { AppDataSource } from '../../../src/db/data-source';
import { launchBrowser, newContext, saveScreenshot } from '../../helpers/browser';
import { forEachBackend } from '../../helpers/databases';
import { type InsightsDataset, makeInsightsDataset } from './admin-dataset';
import { stubAccess } from './stub-access';
import { type RunningWeb, startWebServer } from './web-server';

forEachBackend('web: /admin insights in Chromium', (backend) => {
  let ds: AppDataSource;
  let set: InsightsDataset;
  let web: RunningWeb;
  let browser: Browser;
  before(async function () {
    this.timeout(180_000);
    ds = await backend.dataSource();
    set = await makeInsightsDataset(ds, 2023);
    web = await startWebServer(ds, {
      access: stubAccess({ userId: set.users.a1, name: 'Ada Admin', email: null, role: 'admin', via: 'loopback' }),
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await web?.close();
  });

  it('draws every chart with Chart.js, shows the questions, passes axe, under the CSP', async function () {
    this.timeout(60_000);
    const context = await newContext(browser);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`console error: ${msg.text()}`);
    });
    // Failed loads are reported with their URL here (the browser's own favicon request is not ours).
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    try {
      const res = await page.goto(`${web.baseUrl}/admin?from=${set.from}&to=${set.to}`);
      assert.equal(res?.status(), 200);
      const ids = ['chart-per-day', 'chart-confidence', 'chart-feedback', 'chart-adoption'];
      for (const id of ids) await page.waitForSelector(`canvas#${id}`);
      // Chart.getChart(canvas) is Chart.js's registry: an instance exists only if admin.js ran and drew it.
      const charts = await page.evaluate(
        (list) =>
          list.map((id) => {
            const page = globalThis as any;
            const chart = page.Chart?.getChart(page.document.getElementById(id));
            return chart ? { id, type: chart.config.type, datasets: chart.data.datasets.length, width: chart.width } : { id };
          }),
        ids,
      );
      assert.deepEqual(
        charts.map((c: any) => [c.id, c.type, c.datasets]),
        [
          ['chart-per-day', 'bar', 3],
          ['chart-confidence', 'bar', 1],
          ['chart-feedback', 'bar', 1],
          ['chart-adoption', 'bar', 2],
        ],
      );
      assert.ok(
        charts.every((c: any) => c.width > 0),
        'drawn with a size',
      );
      const perDay = await page.evaluate(() => {
        const w = globalThis as any;
        return w.Chart.getChart(w.document.getElementById('chart-per-day')).data.datasets[0].data;
      });
      assert.deepEqual(perDay, [1, 2, 1], 'Slack questions per day');

      await page.getByText(set.questions.parking).waitFor();
      assert.equal(await page.getByText(set.questions.garage).count(), 1);
      assert.match((await page.locator('#feedback-summary').textContent()) ?? '', /66\.7 %/);

      // The numbers behind a chart open from the keyboard.
      await page.locator('summary', { hasText: 'Questions per day as a table' }).focus();
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('details:has(summary:text("Questions per day as a table"))').getAttribute('open'), '');

      const axe = await new AxeBuilder({ page }).analyze();
      const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        [],
      );
      await saveScreenshot(page, 'insights');
      assert.deepEqual(problems, [], 'no script errors and no CSP refusals');
    } finally {
      await context.close();
    }
  });
});
