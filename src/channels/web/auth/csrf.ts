import { doubleCsrf } from 'csrf-csrf';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { type CookieSettings, readCookies } from './cookies';

/** Which session a request's CSRF token must belong to: set by the access rules before checking or minting one. */
const subjects = new WeakMap<Request, string>();

export function bindCsrfSubject(req: Request, subject: string): void {
  subjects.set(req, subject);
}

const parseForm = express.urlencoded({ extended: false, limit: '100kb' });

/**
 * Double-submit CSRF tokens (csrf-csrf): an HMAC of the session id and a random value, in a cookie and
 * in the request (header x-csrf-token for fetch calls, form field _csrf for forms). A token minted for
 * one session (or before signing in) is worthless in another.
 */
export function createCsrf(opts: { secret: string; cookies: CookieSettings }) {
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => opts.secret,
    getSessionIdentifier: (req) => subjects.get(req) ?? 'anonymous',
    cookieName: opts.cookies.csrf,
    cookieOptions: opts.cookies.base,
    // Explicitly one place per kind of request (no fallthrough between them): forms post _csrf, scripts send the header.
    getCsrfTokenFromRequest: (req) => (isForm(req) ? (req.body as { _csrf?: string } | undefined)?._csrf : req.get('x-csrf-token')),
  });

  return {
    token(req: Request, res: Response): string {
      readCookies(req);
      return generateCsrfToken(req, res);
    },
    /** Whether an unsafe request carries this session's token (reads a form body if there is one). */
    async check(req: Request, res: Response): Promise<boolean> {
      readCookies(req);
      if (isForm(req))
        await new Promise<void>((resolve, reject) => parseForm(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
      return validateRequest(req);
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;

export const isSafeMethod = (req: Request) => ['GET', 'HEAD', 'OPTIONS'].includes(req.method);

function isForm(req: Request): boolean {
  return Boolean(req.is('application/x-www-form-urlencoded'));
}

/** The middleware form: `establish` sets the request's subject (it may read the session) before the check. */
export function csrfMiddleware(
  csrf: Csrf,
  establish: (req: Request, res: Response) => Promise<void>,
  refuse: (req: Request, res: Response) => void,
): RequestHandler {
  return async (req, res, next) => {
    if (isSafeMethod(req)) return next();
    try {
      await establish(req, res);
      if (await csrf.check(req, res)) return next();
    } catch (err) {
      return next(err);
    }
    refuse(req, res);
  };
}
