import { randomUUID } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import * as client from 'openid-client';
import { findUserByEmail } from '../../../db/repositories/web-user-repository';
import { inServiceScope } from '../../../db/user-scope';
import { isAppError } from '../../../errors';
import { renderMessage } from '../render';
import type { Viewer } from '../viewer';
import type { WebAccess } from '../web-access';
import type { WebDeps } from '../web-deps';
import { adminOnly } from './admin-only';
import type { CookieSettings } from './cookies';
import { bindCsrfSubject, type Csrf, csrfMiddleware } from './csrf';
import { localPath } from './local-path';
import { audienceOf } from './loopback-access';
import { describe, lazyDiscovery } from './oidc-client';
import { type Audience, type Refusal, refuse, toSignIn } from './refusals';
import { sealedCookie, type Unsealed } from './sealed-cookie';
import { loadViewer } from './web-user';

/** A signed-in session: who, which session (CSRF tokens are bound to it), until when (ms since the epoch). */
interface SessionData {
  uid: string;
  sid: string;
  exp: number;
}

/** One sign-in in progress, between /auth/login and /auth/callback. */
interface SignInTransaction {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface OidcOptions {
  /** how long a session lasts (default 8 hours) */
  sessionTtlSeconds?: number;
  /** how long a sign-in may take at the provider (default 10 minutes) */
  signInTtlSeconds?: number;
  /** the clock sessions expire by (tests move it forward) */
  now?: () => number;
}

type SessionState = Unsealed<SessionData> | { kind: 'expired' };

/**
 * Sign-in with any OpenID Connect provider (authorization code + PKCE, state and nonce), people matched to
 * `users` by verified email, and a sealed session cookie that names the user; the user row is read again
 * on every request, so role changes and deletions apply at once.
 */
export function oidcAccess(
  deps: WebDeps,
  settings: { issuer: string; clientId: string; clientSecret: string; publicUrl: string; secret: string; cookies: CookieSettings },
  csrf: Csrf,
  options: OidcOptions = {},
): WebAccess {
  const logger = deps.logger;
  const now = options.now ?? Date.now;
  const sessionTtl = options.sessionTtlSeconds ?? 8 * 3600;
  const provider = lazyDiscovery(settings);
  const redirectUri = new URL('/auth/callback', settings.publicUrl).href;
  const session = sealedCookie<SessionData>({
    name: settings.cookies.session,
    password: settings.secret,
    ttlSeconds: sessionTtl,
    cookies: settings.cookies,
  });
  const signIn = sealedCookie<SignInTransaction>({
    name: settings.cookies.signIn,
    password: settings.secret,
    ttlSeconds: options.signInTtlSeconds ?? 600,
    cookies: settings.cookies,
  });

  // Each request reads its session once, however many middlewares ask.
  const sessions = new WeakMap<Request, Promise<SessionState>>();
  const readSession = (req: Request): Promise<SessionState> => {
    let p = sessions.get(req);
    if (!p) {
      p = session.read(req).then((s): SessionState => (s.kind === 'valid' && !(s.data.exp > now()) ? { kind: 'expired' } : s));
      sessions.set(req, p);
    }
    return p;
  };

  const pageOf = (audience: Audience) => ({ logger, mode: 'oidc' as const, audience });

  const viewerGate =
    (audience: Audience): RequestHandler =>
    async (req, res, next) => {
      try {
        const s = await readSession(req);
        if (s.kind === 'none') return toSignIn(req, res, pageOf(audience));
        if (s.kind !== 'valid') {
          session.clear(res);
          const why = s.kind === 'expired' ? 'expired' : 'not sealed by us (forged, or sealed with another key)';
          return toSignIn(req, res, pageOf(audience), { level: 'info', msg: `web console session cookie ${why}, treated as signed out` });
        }
        const viewer = await loadViewer(deps, s.data.uid, 'oidc');
        if (!viewer) {
          session.clear(res);
          return toSignIn(req, res, pageOf(audience), {
            level: 'info',
            msg: 'web console session of a deleted user refused',
            fields: { userId: s.data.uid },
          });
        }
        res.locals.viewer = viewer;
        res.locals.audience = audience;
        bindCsrfSubject(req, s.data.sid);
        next();
      } catch (err) {
        next(err);
      }
    };

  const bindSession = async (req: Request): Promise<void> => {
    const s = await readSession(req);
    bindCsrfSubject(req, s.kind === 'valid' ? s.data.sid : 'anonymous');
  };

  const csrfRefusal = (req: Request, res: Response) =>
    refuse(
      req,
      res,
      { ...pageOf(audienceOf(req, res)), viewer: res.locals.viewer as Viewer | undefined },
      {
        status: 403,
        heading: 'Missing or wrong security token',
        detail: 'This form or request did not carry the page’s CSRF token for your session. Reload the page and try again.',
        log: { level: 'warn', msg: 'web console refused an unsafe request without a valid CSRF token' },
      },
    );
  const csrfProtection = csrfMiddleware(csrf, bindSession, csrfRefusal);

  const failSignIn = (req: Request, res: Response, r: Refusal) => {
    signIn.clear(res);
    refuse(req, res, pageOf('page'), r);
  };

  const unreachable = (err: unknown): Refusal => ({
    status: 503,
    heading: 'Sign-in provider unreachable',
    detail: 'The sign-in provider did not answer. Try again in a minute; if it keeps failing, ask your admin to check OIDC_ISSUER.',
    log: { level: 'warn', msg: 'web console sign-in provider unreachable', fields: { reason: describe(err) } },
  });

  const routes = express.Router();

  routes.get('/auth/login', async (req, res, next) => {
    try {
      const config = await provider();
      const tx: SignInTransaction = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        returnTo: localPath(req.query.returnTo),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(tx.verifier),
        code_challenge_method: 'S256',
        state: tx.state,
        nonce: tx.nonce,
      });
      await signIn.write(res, tx);
      res.set('cache-control', 'no-store').redirect(302, url.href);
    } catch (err) {
      if (isAppError(err, 'AUTH_PROVIDER_UNREACHABLE')) return refuse(req, res, pageOf('page'), unreachable(err));
      next(err);
    }
  });

  routes.get('/auth/callback', async (req, res, next) => {
    try {
      const tx = await signIn.read(req);
      if (tx.kind !== 'valid') {
        return failSignIn(req, res, {
          status: 400,
          heading: 'Sign-in expired',
          detail: 'This sign-in was not started here, or took too long. Go back to the console and sign in again.',
          log: { level: 'warn', msg: `web console sign-in callback without a ${tx.kind === 'none' ? '' : 'valid '}sign-in cookie` },
        });
      }
      if (typeof req.query.error === 'string') {
        return failSignIn(req, res, {
          status: 403,
          heading: 'Sign-in cancelled',
          detail: 'The sign-in provider did not sign you in. Go back to the console to try again.',
          log: { level: 'warn', msg: 'web console sign-in refused by the provider', fields: { error: req.query.error.slice(0, 100) } },
        });
      }
      const config = await provider();
      // The URL the provider redirected to, as the provider knows it (behind a proxy the request's own host differs).
      const current = new URL(req.originalUrl, settings.publicUrl);
      let claims: client.IDToken | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(config, current, {
          expectedState: tx.data.state,
          expectedNonce: tx.data.nonce,
          pkceCodeVerifier: tx.data.verifier,
        });
        claims = tokens.claims();
      } catch (err) {
        if (isNetworkError(err)) return failSignIn(req, res, unreachable(err));
        return failSignIn(req, res, {
          status: 400,
          heading: 'Sign-in failed',
          detail:
            'The answer from the sign-in provider did not match this sign-in (state, nonce or code). Go back to the console and sign in again.',
          log: { level: 'warn', msg: 'web console sign-in callback refused', fields: { reason: describe(err) } },
        });
      }
      const email = typeof claims?.email === 'string' ? claims.email.trim() : '';
      const askAdmin = (why: string): Refusal => ({
        status: 403,
        heading: 'You cannot use this console yet',
        detail:
          'Your account is not known here or its email address is not verified. Ask your admin to add you (with your work email address).',
        log: { level: 'warn', msg: `web console sign-in refused: ${why}`, fields: { email: email || undefined } },
      });
      if (!email) return failSignIn(req, res, askAdmin('the id token has no email claim'));
      if (!emailVerified(claims)) return failSignIn(req, res, askAdmin('the email is not verified by the provider'));
      const user = await inServiceScope(deps.ds, (m) => findUserByEmail(m, email));
      if (!user) return failSignIn(req, res, askAdmin('no user has this email'));

      signIn.clear(res);
      await session.write(res, { uid: user.id, sid: randomUUID(), exp: now() + sessionTtl * 1000 });
      // A CSRF token of the signed-out browser must not outlive the sign-in.
      res.clearCookie(settings.cookies.csrf, settings.cookies.base);
      logger.info({ userId: user.id }, 'web console sign-in');
      res.set('cache-control', 'no-store').redirect(303, tx.data.returnTo);
    } catch (err) {
      if (isAppError(err, 'AUTH_PROVIDER_UNREACHABLE')) return failSignIn(req, res, unreachable(err));
      next(err);
    }
  });

  routes.post('/auth/logout', csrfProtection, async (req, res) => {
    const s = await readSession(req);
    session.clear(res);
    res.clearCookie(settings.cookies.csrf, settings.cookies.base);
    if (s.kind === 'valid') logger.info({ userId: s.data.uid }, 'web console sign-out');
    res.set('cache-control', 'no-store');
    renderMessage(
      res,
      200,
      { title: 'Signed out', viewer: null, csrfToken: '', accessMode: 'oidc' },
      'Signed out',
      'You are signed out of the console. Open the console again to sign in.',
    );
  });

  return {
    mode: 'oidc',
    routes,
    requireViewer: viewerGate('page'),
    requireViewerApi: viewerGate('api'),
    requireAdmin: adminOnly(logger, 'oidc', csrf),
    csrfProtection,
    csrfToken: (req, res) => csrf.token(req, res),
  };
}

/**
 * Only a verified email may name a user (anyone can type an address into an unverified profile).
 * `email_verified: true` is the standard claim (Slack, Okta, Google). Microsoft Entra ID never sends it for
 * work accounts; its optional `xms_edov` claim (the email's domain is verified by the tenant) counts instead,
 * and only when the token has no `email_verified` at all.
 */
export function emailVerified(claims: client.IDToken | undefined): boolean {
  if (!claims) return false;
  if (claims.email_verified !== undefined) return claims.email_verified === true;
  return claims.xms_edov === true;
}

/** The provider could not be reached (as opposed to answering something we refuse). */
function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === 'OAUTH_TIMEOUT' || code === 'ECONNREFUSED') return true;
  return err.name === 'TypeError' && /fetch failed/i.test(err.message);
}
