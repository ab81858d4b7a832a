import type { CookieOptions, Request } from 'express';

/**
 * The request's cookies by name. Express 5 parses none by itself and we mount no cookie parser (each
 * router owns its parsing); the console reads three cookies of its own, so this small reader is enough.
 * A value that is not valid percent-encoding is kept as sent (it will then fail its seal check).
 */
export function readCookies(req: Request): Record<string, string> {
  if (req.cookies && typeof req.cookies === 'object') return req.cookies as Record<string, string>;
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out[name] = decodeURIComponent(value);
    } catch {
      out[name] = value;
    }
  }
  // csrf-csrf reads req.cookies (what cookie-parser would have set).
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
