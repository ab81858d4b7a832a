// Secrets never reach a log line: the configured values (registered when the configuration is read)
// and anything shaped like a credential, wherever it appears: in messages, in upstream error texts
// (a gateway that echoes the Authorization header), in URLs, in stack traces.

const REDACTED = '[redacted]';
// Shorter values would mangle ordinary words; every real token, key or password is longer.
const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();
let secretPattern: RegExp | null = null;

const CREDENTIAL_SHAPES: Array<[RegExp, string]> = [
  // Authorization: Bearer …, Basic …
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  // Slack tokens (bot, user, app-level, refresh, config)
  [/\bxox[a-z]-[A-Za-z0-9-]{6,}/g, REDACTED],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, REDACTED],
  // OpenAI-style API keys
  [/\bsk-[A-Za-z0-9_-]{12,}/g, REDACTED],
  // user:password@ in URLs (database URLs, proxies)
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"'<>]*:)[^@/\s"'<>]+@/gi, `$1${REDACTED}@`],
  // key=value and "key":"value" for credential-named keys (query strings, form bodies, JSON)
  [
    /\b((?:api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret|password|secret|token|authorization)(?:\\?")?\s*[=:]\s*(?:\\?")?)(?!\[redacted\]|(?:Bearer|Basic)\s)[^\s"'&,;\\]{4,}/gi,
    `$1${REDACTED}`,
  ],
];

/** Adds configured secret values (tokens, keys, passwords) to scrub from every log line. */
export function registerSecrets(values: Array<string | undefined | null>): void {
  let added = false;
  for (const v of values) {
    if (!v || v.length < MIN_SECRET_LENGTH || secrets.has(v)) continue;
    secrets.add(v);
    added = true;
  }
  if (added) secretPattern = buildPattern();
}

/** Text with every registered secret and every credential-shaped string replaced by [redacted]. */
export function redactSecrets(text: string): string {
  let out = secretPattern ? text.replace(secretPattern, REDACTED) : text;
  for (const [shape, replacement] of CREDENTIAL_SHAPES) out = out.replace(shape, replacement);
  return out;
}

function buildPattern(): RegExp {
  // Each value as written and as it appears inside a JSON string (quotes and backslashes escaped);
  // longest first so a secret containing another is removed whole.
  const forms = new Set<string>();
  for (const s of secrets) {
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(encodeURIComponent(s));
  }
  const escaped = [...forms].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join('|'), 'g');
}
