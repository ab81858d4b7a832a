import type { Request, Response } from 'express';
import { sealData, unsealData } from 'iron-session';
import { type CookieSettings, readCookies } from './cookies';

/** What reading a sealed cookie found: nothing, a cookie we did not seal (or sealed too long ago), or its data. */
export type Unsealed<T> = { kind: 'none' } | { kind: 'invalid' } | { kind: 'valid'; data: T };

/**
 * A cookie holding data sealed with iron-session (encrypted and authenticated with SESSION_SECRET), so
 * the browser can carry it but neither read nor change it. `ttlSeconds` bounds both the seal and the cookie.
 */
export function sealedCookie<T extends object>(opts: { name: string; password: string; ttlSeconds: number; cookies: CookieSettings }) {
  return {
    async write(res: Response, data: T): Promise<void> {
      const seal = await sealData(data, { password: opts.password, ttl: opts.ttlSeconds });
      res.cookie(opts.name, seal, { ...opts.cookies.base, maxAge: opts.ttlSeconds * 1000 });
    },
    async read(req: Request): Promise<Unsealed<T>> {
      const raw = readCookies(req)[opts.name];
      if (!raw) return { kind: 'none' };
      try {
        const data = await unsealData<T>(raw, { password: opts.password, ttl: opts.ttlSeconds });
        // iron-session answers {} for a seal it cannot open (bad HMAC, expired, another password).
        return data && Object.keys(data).length > 0 ? { kind: 'valid', data } : { kind: 'invalid' };
      } catch {
        return { kind: 'invalid' };
      }
    },
    clear(res: Response): void {
      res.clearCookie(opts.name, opts.cookies.base);
    },
  };
}
