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

/** What went wrong, without response bodies or headers (they may carry tokens). */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
