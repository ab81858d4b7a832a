import { Eta } from 'eta';
import type { Request, Response } from 'express';
import type { Viewer } from './viewer';
import { webDir } from './web-files';

// autoEscape: every `<%= %>` is HTML-escaped; only `<%~ %>` (used for the layout body) is raw.
const eta = new Eta({ views: webDir('views'), autoEscape: true, cache: process.env.NODE_ENV === 'production' });

/** What every page's layout reads (views/layout.eta). */
export interface PageContext {
  title: string;
  viewer: Viewer | null;
  /** the CSRF token for forms (`_csrf`) and fetch calls (`x-csrf-token`) */
  csrfToken: string;
  /** 'loopback' shows the "open to this machine only" notice */
  accessMode: 'oidc' | 'loopback' | 'off';
  /** the nav entry to mark as current */
  nav?: 'console' | 'admin';
}

/** Renders views/<view>.eta inside the layout and sends it. */
export function renderPage(res: Response, view: string, page: PageContext, data: Record<string, unknown> = {}, status = 200): void {
  res
    .status(status)
    .type('html')
    .send(eta.render(view, { ...data, page }));
}

/** A short page for refusals and failures: what happened and what to do, never a stack trace. */
export function renderMessage(res: Response, status: number, page: PageContext, heading: string, detail: string): void {
  renderPage(res, 'message', page, { heading, detail }, status);
}

export type PageContextOf = (req: Request, res: Response, title: string, nav?: PageContext['nav']) => PageContext;
