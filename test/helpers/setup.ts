import 'reflect-metadata';
import { observeLogLines } from '../../src/observability/logger';
import { closeAllDatabases } from './databases';
import { auditLine, leaks, SUITE_SECRETS } from './log-audit';

// Loaded by mocha before any test (see .mocharc.json).
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';

observeLogLines((line) => auditLine(line, SUITE_SECRETS, 'test process'));

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await closeAllDatabases();
    if (leaks.length) {
      throw new Error(
        `configured secrets appeared in ${leaks.length} log line(s):\n${leaks
          .slice(0, 5)
          .map((l) => `  [${l.where}] ${l.line}`)
          .join('\n')}`,
      );
    }
  },
};
