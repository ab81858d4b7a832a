import express, { type Request, type Response, type Router } from 'express';
import {
  adoptionByDepartment,
  contentCitations,
  contentGaps,
  type InsightsRange,
  questionLog,
} from '../../../db/repositories/insights-repository';
import { inServiceScope } from '../../../db/user-scope';
import { adoptionCsv, contentCsv, gapsCsv, INSIGHTS_REPORTS, type InsightsReport, questionsCsv } from '../../../render/insights-csv';
import { type PageContext, renderMessage, renderPage } from '../render';
import { viewerOf } from '../viewer';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';
import { type DateRange, MAX_RANGE_DAYS, parseDateRange } from './date-range';
import { insightsView } from './insights-view';
import { loadInsights, PAGE_LIMITS } from './load-insights';

/**
 * /admin: insights for admins (questions per day, confidence, feedback, content gaps, cited content,
 * adoption) over a date range, and their CSV export. Admins see question text here and nowhere else;
 * managers and employees get the access layer's 403 (requireAdmin).
 */
export function adminRoutes(deps: WebDeps, access: WebAccess): Router {
  const router = express.Router();
  const pageOf = (req: Request, res: Response): PageContext => ({
    title: 'Insights',
    viewer: viewerOf(res),
    csrfToken: access.csrfToken(req, res),
    accessMode: access.mode,
    nav: 'admin',
  });

  router.get('/admin', access.requireViewer, access.requireAdmin, async (req, res) => {
    const page = pageOf(req, res);
    const parsed = parseDateRange(req.query);
    if (!parsed.ok) {
      renderPage(res, 'admin', page, { from: parsed.from, to: parsed.to, error: parsed.message, maxDays: MAX_RANGE_DAYS, view: null }, 400);
      return;
    }
    const { range } = parsed;
    try {
      const data = await loadInsights(deps.ds, bounds(range));
      renderPage(res, 'admin', page, {
        from: range.from,
        to: range.to,
        error: null,
        maxDays: MAX_RANGE_DAYS,
        view: insightsView(data, range),
        reports: INSIGHTS_REPORTS,
        limits: PAGE_LIMITS,
      });
    } catch (err) {
      deps.logger.error({ err, from: range.from, to: range.to }, 'insights failed');
      renderMessage(
        res,
        500,
        page,
        'Insights are unavailable',
        'The database did not answer. Try again in a moment; if it persists, check /readyz and the logs.',
      );
    }
  });

  router.get('/admin/export.csv', access.requireViewer, access.requireAdmin, async (req, res) => {
    const report = req.query.report;
    const parsed = parseDateRange(req.query);
    if (!isReport(report) || !parsed.ok) {
      const why = !isReport(report) ? `"report" must be one of ${INSIGHTS_REPORTS.join(', ')}.` : (parsed as { message: string }).message;
      res.status(400).type('text/plain').send(why);
      return;
    }
    const { range } = parsed;
    try {
      const text = await inServiceScope(deps.ds, (m) => exportCsv(m, report, bounds(range)));
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .attachment(`insights-${report}-${range.from}-to-${range.to}.csv`)
        .set('Cache-Control', 'no-store')
        .send(text);
    } catch (err) {
      deps.logger.error({ err, report, from: range.from, to: range.to }, 'insights export failed');
      res.status(500).type('text/plain').send('The export failed: the database did not answer. Try again in a moment.');
    }
  });

  return router;
}

async function exportCsv(m: Parameters<typeof questionLog>[0], report: InsightsReport, r: InsightsRange): Promise<string> {
  switch (report) {
    case 'questions':
      return questionsCsv(await questionLog(m, r));
    case 'gaps':
      return gapsCsv(await contentGaps(m, r, { limit: null, examples: 3 }));
    case 'content': {
      const all = await contentCitations(m, r, { top: null, never: null });
      return contentCsv(all.cited, all.neverCited);
    }
    case 'adoption':
      return adoptionCsv(await adoptionByDepartment(m, r));
  }
}

function bounds(range: DateRange): InsightsRange {
  return { from: range.start, toExclusive: range.endExclusive };
}

function isReport(v: unknown): v is InsightsReport {
  return typeof v === 'string' && (INSIGHTS_REPORTS as readonly string[]).includes(v);
}
