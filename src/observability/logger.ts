import pino from 'pino';
import { redactSecrets } from './redact';

// One structured logger (pino) for our code, Bolt (through channels/slack/bolt-logger) and whatever
// libraries print to the console (observability/console.ts): one JSON line per event on stderr, so stdout
// stays free for CLI output. Every line passes through redactSecrets before it is written.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The part of pino's logger the code uses (tests and other sinks implement it too). */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): Logger;
}

type Sink = (line: string) => void;
const observers = new Set<Sink>();

/**
 * A pino logger writing to `sink` (default: stderr, synchronously, so the last lines before a crash
 * are not lost). Lines look like {"level":"info","time":"…","msg":"…",…bindings,…fields}.
 */
export function createLogger(level: LogLevel = 'info', bindings: object = {}, sink?: Sink): Logger {
  const destination = sink
    ? { write: (s: string) => sink(s.endsWith('\n') ? s.slice(0, -1) : s) }
    : pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level,
      base: bindings,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Errors under any key keep their type, message, code, stack and causes (pino only does `err`).
        log: (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, serializeError(v)])),
      },
      serializers: { err: serializeError },
      hooks: {
        streamWrite: (line) => {
          const clean = redactSecrets(line);
          for (const observe of observers) observe(clean);
          return clean;
        },
      },
    },
    destination,
  );
}

function serializeError(value: unknown): unknown {
  return value instanceof Error ? pino.stdSerializers.errWithCause(value) : value;
}

/** Sees every line any logger in this process writes, after redaction (the test suite audits them). */
export function observeLogLines(observer: Sink): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export const silentLogger: Logger = createLogger('silent');
