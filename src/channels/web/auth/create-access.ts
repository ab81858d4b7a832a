import express, { type RequestHandler } from 'express';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';

// Placeholder until sign-in lands: the console stays off.
export function createAccess(_deps: WebDeps): WebAccess {
  const refuse: RequestHandler = (_req, res) => {
    res.status(404).end();
  };
  return {
    mode: 'off',
    routes: express.Router(),
    requireViewer: refuse,
    requireViewerApi: refuse,
    requireAdmin: refuse,
    csrfProtection: refuse,
    csrfToken: () => '',
  };
}
