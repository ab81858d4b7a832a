// "No configured secret appears in any log line of the suite": every line a logger in the test process
// writes (observeLogLines, wired in setup.ts) and every line a server child process prints
// (ServerProcess) is checked here; the root afterAll hook fails the run on any leak.

/** Secrets the suite configures in several places (kept here so the audit knows them). */
export const SUITE_SECRETS = ['xoxb-test-token', 'not-a-real-secret', 'security-signing-secret', 'xoxb-durable'];

export const leaks: Array<{ where: string; secret: string; line: string }> = [];

/** Records a leak when `line` contains one of `secrets` (values of 8 characters or more). */
export function auditLine(line: string, secrets: Iterable<string>, where: string): void {
  for (const secret of secrets) {
    if (secret.length >= 8 && line.includes(secret)) leaks.push({ where, secret, line: line.slice(0, 500) });
  }
}

/** The secret values in a server's environment: *_TOKEN, *_SECRET, *_PASSWORD, *_API_KEY and URL passwords. */
export function secretsInEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!value) continue;
    if (/(TOKEN|SECRET|PASSWORD|API_KEY)$/.test(key)) out.push(value);
    if (/_URL$/.test(key)) {
      try {
        const password = new URL(value).password;
        if (password) out.push(decodeURIComponent(password));
      } catch {
        /* not a URL */
      }
    }
  }
  return out;
}
