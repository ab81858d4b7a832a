import type { Server } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Someone the test provider can sign in: the id token carries these claims. */
export interface TestAccount {
  /** what is typed into the provider's login form (and the token's `sub`) */
  id: string;
  email?: string;
  emailVerified?: boolean;
  /** Microsoft Entra ID's optional claim (email domain verified by the tenant), sent instead of email_verified */
  xmsEdov?: boolean;
  name?: string;
}

export interface RunningProvider {
  /** http://127.0.0.1:<port> (the OIDC_ISSUER) */
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** Signs `accountId` in at the provider over HTTP, starting from the authorization URL; returns the callback URL it redirects to. */
  signIn(authorizationUrl: string, accountId: string): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1 with one confidential client whose
 * redirect URI is `redirectUri`. People sign in through its development login form (any password); the
 * client's scopes are granted without a consent screen, as a company's own provider does for its apps.
 */
export async function startOidcProvider(opts: { redirectUri: string; accounts: TestAccount[]; port?: number }): Promise<RunningProvider> {
  // oidc-provider is ESM-only and ships no type declarations: import it dynamically through a variable.
  const specifier = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: new (issuer: string, config: object) => OidcProvider };
  const accounts = new Map(opts.accounts.map((a) => [a.id, a]));
  const clientId = 'learning-console';
  const clientSecret = 'oidc-client-secret-for-tests-0123456789';

  const server: Server = http.createServer();
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [opts.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name'] },
    // The id token itself carries the claims (the console reads no userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: ['oidc-provider-cookie-key-for-tests'] },
    findAccount: (_ctx: unknown, sub: string) => {
      const a = accounts.get(sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, email: a.email, email_verified: a.emailVerified, xms_edov: a.xmsEdov, name: a.name ?? sub }),
      };
    },
    loadExistingGrant: async (ctx: GrantContext) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  // Its "devInteractions are enabled" warnings are expected here.
  provider.on('server_error', (_ctx: unknown, err: Error) => console.error('oidc-provider server_error', err));
  server.on('request', provider.callback());

  const signIn = async (authorizationUrl: string, accountId: string): Promise<URL> => {
    const jar = new CookieJar();
    // authorization endpoint → the login interaction
    let res = await jar.fetch(authorizationUrl);
    const interaction = new URL(expectRedirect(res), issuer);
    res = await jar.fetch(interaction.href);
    if (res.status !== 200) throw new Error(`provider login page: ${res.status}`);
    // the development login form: any password
    res = await jar.fetch(interaction.href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: accountId, password: 'any' }).toString(),
    });
    // resume the authorization → redirect to the client's callback with code and state
    res = await jar.fetch(new URL(expectRedirect(res), issuer).href);
    return new URL(expectRedirect(res), issuer);
  };

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signIn,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface OidcProvider {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  on(event: string, listener: (...args: never[]) => void): void;
}

interface GrantContext {
  oidc: {
    provider: { Grant: new (init: object) => { addOIDCScope(scope: string): void; save(): Promise<string> } };
    client: { clientId: string };
    session: { accountId: string };
  };
}

function expectRedirect(res: Response): string {
  const location = res.headers.get('location');
  if (res.status < 300 || res.status >= 400 || !location) throw new Error(`expected a redirect, got ${res.status}`);
  return location;
}

/**
 * A cookie jar for driving a server with fetch as a browser would (per origin; paths and expiry beyond
 * deletion are not modelled: the servers here set distinct names). Redirects are never followed, so each step can be checked.
 */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.header(u);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    this.store(u, res.headers.getSetCookie());
    return res;
  }

  get(url: string | URL, name: string): string | undefined {
    return this.byOrigin.get(new URL(url).origin)?.get(name);
  }

  set(url: string | URL, name: string, value: string): void {
    const origin = new URL(url).origin;
    if (!this.byOrigin.has(origin)) this.byOrigin.set(origin, new Map());
    this.byOrigin.get(origin)!.set(name, value);
  }

  delete(url: string | URL, name: string): void {
    this.byOrigin.get(new URL(url).origin)?.delete(name);
  }

  header(url: string | URL): string {
    const jar = this.byOrigin.get(new URL(url).origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  private store(u: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(a.trim().slice(8)) <= Date.now();
        return false;
      });
      if (expired || value === '') this.delete(u, name);
      else this.set(u, name, value);
    }
  }
}
