import * as client from 'openid-client';
import { AppError } from '../../../errors';

/**
 * The provider's configuration, discovered on first use (start-up never waits for the provider) and
 * discovered again on the next sign-in after a failure, so a provider that was down does not need a restart.
 */
export function lazyDiscovery(opts: { issuer: string; clientId: string; clientSecret: string; timeoutSeconds?: number }) {
  let pending: Promise<client.Configuration> | null = null;
  return (): Promise<client.Configuration> => {
    pending ??= discover(opts).catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}

async function discover(opts: { issuer: string; clientId: string; clientSecret: string; timeoutSeconds?: number }) {
  const issuer = new URL(opts.issuer);
  // Plain http only for a provider on this machine (development and tests); config.ts refuses others in production.
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [];
  try {
    return await client.discovery(
      issuer,
      opts.clientId,
      { client_secret: opts.clientSecret },
      client.ClientSecretBasic(opts.clientSecret),
      {
        execute,
        timeout: opts.timeoutSeconds ?? 10,
      },
    );
  } catch (err) {
    throw new AppError(
      'AUTH_PROVIDER_UNREACHABLE',
      `Could not read the sign-in provider's configuration from ${issuer.origin}: ${describe(err)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * What went wrong, for the log: the error's code and message and its cause's (openid-client wraps the
 * specific check, e.g. 'unexpected ID Token "nonce" claim value'), never the response bodies, parameters or
 * claims the errors also carry (they may hold codes and tokens).
 */
export function describe(err: unknown): string {
  const one = (e: unknown): string => {
    if (!(e instanceof Error)) return '';
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${e.message}` : e.message;
  };
  if (!(err instanceof Error)) return String(err);
  const cause = one(err.cause);
  return cause && cause !== one(err) ? `${one(err)} (${cause})` : one(err);
}
