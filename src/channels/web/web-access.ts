import type { Request, RequestHandler, Response, Router } from 'express';

/**
 * Who may use the console, decided once from the configuration:
 * - 'oidc': people sign in through the OpenID Connect provider (OIDC_ISSUER...), matched to `users` by verified email;
 * - 'loopback': development without a provider: loopback connections only, the local developer is an admin;
 * - 'off': production without a provider: no console routes at all (only health, metrics and the platforms).
 */
export type AccessMode = 'oidc' | 'loopback' | 'off';

export interface WebAccess {
  mode: AccessMode;
  /** /auth/login, /auth/callback, /auth/logout (mounted before the pages) */
  routes: Router;
  /** Pages: the viewer into res.locals.viewer (viewer.ts), or a redirect to sign-in / a refusal page. */
  requireViewer: RequestHandler;
  /** APIs (fetch from the console's pages): the viewer, or 401/403 JSON. */
  requireViewerApi: RequestHandler;
  /** After requireViewer(Api): admins only, 403 otherwise. */
  requireAdmin: RequestHandler;
  /** Unsafe methods must carry the CSRF token (header x-csrf-token or form field _csrf): 403 otherwise. */
  csrfProtection: RequestHandler;
  /** The token a page embeds for its forms and fetch calls. */
  csrfToken(req: Request, res: Response): string;
}
