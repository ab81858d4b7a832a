import { parse } from 'cookie';
import type { CookieOptions, Request } from 'express';

/**
 * The request's cookies by name (the `cookie` package; the first of two cookies with one name wins). Express 5
 * parses none by itself and the console mounts no cookie middleware, since its access rules also guard routes
 * mounted elsewhere. Kept on req.cookies, where csrf-csrf reads them (as cookie-parser would have set them).
 */
export function readCookies(req: Request): Record<string, string> {
  if (req.cookies && typeof req.cookies === 'object') return req.cookies as Record<string, string>;
  const parsed = parse(req.headers.cookie ?? '');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) if (value !== undefined) out[name] = value;
  req.cookies = out;
  return out;
}

/** Names and attributes of the console's cookies; `secure` when PUBLIC_URL is https. */
export interface CookieSettings {
  secure: boolean;
  session: string;
  signIn: string;
  csrf: string;
  base: CookieOptions;
}

export function cookieSettings(publicUrl: string | undefined): CookieSettings {
  const secure = publicUrl?.startsWith('https:') ?? false;
  // __Host- cookies are bound to this exact origin (no Domain, Path=/, Secure): only possible over https.
  const prefix = secure ? '__Host-' : '';
  return {
    secure,
    session: `${prefix}la-session`,
    signIn: `${prefix}la-signin`,
    csrf: `${prefix}la-csrf`,
    base: { httpOnly: true, sameSite: 'lax', secure, path: '/' },
  };
}
