import { z } from 'zod';
import { AppError } from './errors';
import { registerSecrets } from './observability/redact';

// Every setting the app reads lives here, with its default. The README and .env.example mirror this list.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  DATABASE_URL: z.string().url().optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PGLITE_DATA_DIR: z.string().default('.data/pglite'),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_CHAT_MODEL: z.string().min(1).default('gpt-4.1-mini'),
  OPENAI_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-3-small'),
  // auto: OpenAI embeddings when OPENAI_API_KEY is set, else the offline embedder; local: always offline.
  EMBEDDING_PROVIDER: z.enum(['auto', 'local']).default('auto'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  SEED_ON_EMPTY: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().min(1).optional(),
  SLACK_API_URL: z.string().url().optional(),
  TEAMS_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  // Without MICROSOFT_APP_ID Teams is off; true serves it unauthenticated for local clients only (refused in production).
  TEAMS_ALLOW_UNAUTHENTICATED: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  MICROSOFT_APP_ID: z.string().min(1).optional(),
  MICROSOFT_APP_PASSWORD: z.string().min(1).optional(),
  // New Azure Bot registrations are single-tenant (multi-tenant creation ended July 2025).
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
  MICROSOFT_APP_TENANT_ID: z.string().min(1).optional(),
  // Jobs (answers) a process works on at once per channel; each holds at most one database connection.
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  // SIGTERM: how long running answers may finish before the rest is handed back to the queue.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  // The web console's sign-in (OpenID Connect): all three, or none. Without them the console is open to
  // loopback connections only in development, and off in production.
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  // Where people reach this app (the OIDC callback is PUBLIC_URL + /auth/callback).
  PUBLIC_URL: z.string().url().optional(),
  // Seals the console's session cookies (at least 32 characters); several instances must share it.
  SESSION_SECRET: z.string().min(32).optional(),
  CHAT_USER: z.string().min(1).optional(),
  CHAT_USER_NAME: z.string().min(1).optional(),
  CHAT_USER_EMAIL: z.string().email().optional(),
});

export type Config = z.infer<typeof schema>;

/** Reads and validates the environment once; lists every problem in one error instead of failing on the first. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings (common in .env files and compose) mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.superRefine(checkSignIn).safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('CONFIG_INVALID', `Invalid configuration (${problems}). Fix these environment variables; see .env.example.`);
  }
  registerSecrets(secretValues(parsed.data));
  return parsed.data;
}

/**
 * The console's sign-in settings go together: a half-configured provider would silently fall back to the
 * loopback or off mode, and a production session secret that changes on every restart signs everyone out.
 */
function checkSignIn(c: z.infer<typeof schema>, ctx: z.RefinementCtx): void {
  const oidc = { OIDC_ISSUER: c.OIDC_ISSUER, OIDC_CLIENT_ID: c.OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: c.OIDC_CLIENT_SECRET };
  const set = Object.entries(oidc).filter(([, v]) => v !== undefined);
  if (set.length === 0) return;
  if (set.length < 3) {
    const missing = Object.keys(oidc).filter((k) => oidc[k as keyof typeof oidc] === undefined);
    ctx.addIssue({
      code: 'custom',
      path: [missing[0]],
      message: `set all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or none (missing ${missing.join(', ')})`,
    });
  }
  if (!c.PUBLIC_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['PUBLIC_URL'],
      message: 'required with OIDC_ISSUER: the sign-in callback is PUBLIC_URL + /auth/callback',
    });
  }
  if (c.NODE_ENV === 'production' && !c.SESSION_SECRET) {
    ctx.addIssue({
      code: 'custom',
      path: ['SESSION_SECRET'],
      message: 'required in production with OIDC_ISSUER (at least 32 random characters, the same on every instance)',
    });
  }
  if (c.NODE_ENV === 'production' && c.OIDC_ISSUER && !isHttpsOrLoopback(c.OIDC_ISSUER)) {
    ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'must be https in production' });
  }
}

function isHttpsOrLoopback(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/** The configured values no log line may contain. */
export function secretValues(config: Config): string[] {
  const values = [
    config.SLACK_BOT_TOKEN,
    config.SLACK_SIGNING_SECRET,
    config.SLACK_APP_TOKEN,
    config.MICROSOFT_APP_PASSWORD,
    config.OPENAI_API_KEY,
    config.OIDC_CLIENT_SECRET,
    config.SESSION_SECRET,
  ];
  if (config.DATABASE_URL) {
    const password = new URL(config.DATABASE_URL).password;
    if (password) values.push(decodeURIComponent(password), password);
  }
  return values.filter((v): v is string => Boolean(v));
}
