import 'reflect-metadata';
import { closeAllDatabases } from './databases';

// Loaded by mocha before any test (see .mocharc.json).
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await closeAllDatabases();
  },
};
