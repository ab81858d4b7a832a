import { randomBytes } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';
import { cookieSettings } from './cookies';
import { createCsrf } from './csrf';
import { loopbackAccess } from './loopback-access';
import { type OidcOptions, oidcAccess } from './oidc-access';

/**
 * Who may use the console, decided once from the configuration (config.ts checks that the OIDC settings
 * come all together, with PUBLIC_URL, and with SESSION_SECRET in production):
 * - OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET set → 'oidc' (sign-in, sessions, CSRF);
 * - otherwise in development and test → 'loopback' (this machine only, the local developer is an admin);
 * - otherwise in production → 'off' (no console routes).
 */
export function createAccess(deps: WebDeps, options: OidcOptions = {}): WebAccess {
  const { config } = deps;
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret, PUBLIC_URL: publicUrl } = config;
  if (issuer && clientId && clientSecret && publicUrl) {
    const cookies = cookieSettings(publicUrl);
    const secret = sessionSecret(deps);
    return oidcAccess(deps, { issuer, clientId, clientSecret, publicUrl, secret, cookies }, createCsrf({ secret, cookies }), options);
  }
  if (config.NODE_ENV === 'production') return off();
  const cookies = cookieSettings(publicUrl);
  return loopbackAccess(deps, createCsrf({ secret: sessionSecret(deps, false), cookies }));
}

/**
 * SESSION_SECRET, or in development a random one for this process: sessions then end at every restart
 * and cannot be shared between instances, which is fine on one developer's machine (config.ts requires it in production).
 */
function sessionSecret(deps: WebDeps, warn = true): string {
  if (deps.config.SESSION_SECRET) return deps.config.SESSION_SECRET;
  if (warn) deps.logger.warn({}, 'SESSION_SECRET is not set: sessions are sealed with a random secret and end when this process stops');
  return randomBytes(32).toString('hex');
}

function off(): WebAccess {
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
