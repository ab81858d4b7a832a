/**
 * Whether a failure is worth retrying: the database connection dropped or was refused, a platform
 * answered 429 or 5xx, the network failed, or a call timed out. Anything else (a bug, a 4xx, bad data)
 * fails the same way again, so the job gives up at once and the person gets an apology.
 * Walks `cause` and TypeORM's `driverError`, because the interesting error is often wrapped.
 */
export function isTransient(err: unknown): boolean {
  for (let e = err as ErrorLike | undefined, depth = 0; e && depth < 5; e = (e.cause ?? e.driverError) as ErrorLike | undefined, depth++) {
    if (typeof e !== 'object') return false;
    if (typeof e.code === 'string' && (TRANSIENT_CODES.has(e.code) || e.code.startsWith('08'))) return true;
    const status = e.statusCode ?? e.status ?? e.response?.status;
    if (typeof status === 'number' && (status === 429 || status === 408 || status >= 500)) return true;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    // TypeORM, after the connection under a transaction died: the rollback finds its runner released
    if (e.name === 'QueryRunnerAlreadyReleasedError' || e.name === 'QueryRunnerProviderAlreadyReleasedError') return true;
    if (typeof e.message === 'string' && TRANSIENT_MESSAGES.some((m) => e!.message!.includes(m))) return true;
  }
  return false;
}

interface ErrorLike {
  code?: unknown;
  name?: string;
  message?: string;
  statusCode?: number;
  status?: number;
  response?: { status?: number };
  cause?: unknown;
  driverError?: unknown;
}

const TRANSIENT_CODES = new Set([
  // PostgreSQL: admin shutdown / crash shutdown / cannot connect now (pg_terminate_backend, restarts),
  // serialization failure, deadlock, too many connections, query canceled by a timeout
  '57P01',
  '57P02',
  '57P03',
  '40001',
  '40P01',
  '53300',
  '57014',
  // Node sockets
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  // @slack/web-api: rate limited after its own retries, network failure
  'slack_webapi_rate_limited_error',
  'slack_webapi_request_error',
  // our own: the database could not be reached
  'DB_UNREACHABLE',
]);

const TRANSIENT_MESSAGES = [
  'Connection terminated',
  'connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'terminating connection',
  'socket hang up',
];
