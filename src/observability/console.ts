import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { Logger } from './logger';

// Libraries that print with console.* (botbuilder prints whole stack traces for refused requests,
// its token validator prints key lists) must not put raw text into a JSON log stream.

type Method = 'log' | 'info' | 'debug' | 'warn' | 'error';
const METHODS: Record<Method, 'info' | 'debug' | 'warn' | 'error'> = {
  log: 'info',
  info: 'info',
  debug: 'debug',
  warn: 'warn',
  error: 'error',
};
const collecting = new AsyncLocalStorage<string[]>();
let routed: Logger | null = null;
let installed = false;

/** From now on console.* in this process writes one JSON line (redacted) through `logger`. For servers, not CLIs. */
export function routeConsoleToLogger(logger: Logger): void {
  routed = logger.child({ source: 'console' });
  install();
}

/**
 * Runs `work` with whatever it prints to the console kept aside (returned in `printed`) instead of
 * written, so the caller can fold it into its own single log line.
 */
export async function collectConsole<T>(work: () => Promise<T>): Promise<{ printed: string[]; value?: T; error?: unknown }> {
  install();
  const printed: string[] = [];
  try {
    return { printed, value: await collecting.run(printed, work) };
  } catch (error) {
    return { printed, error };
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const method of Object.keys(METHODS) as Method[]) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const store = collecting.getStore();
      if (store) {
        store.push(
          args
            .map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : format('%o', a)))
            .join(' ')
            .slice(0, 2000),
        );
      } else if (routed) {
        const err = args.find((a): a is Error => a instanceof Error);
        routed[METHODS[method]](err ? { err } : {}, format(...args.map((a) => (a instanceof Error ? a.message : a))));
      } else {
        original(...args);
      }
    };
  }
}
