import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger, LogLevel as OurLevel } from '../../observability/logger';

const ORDER: Record<LogLevel, number> = { [LogLevel.DEBUG]: 10, [LogLevel.INFO]: 20, [LogLevel.WARN]: 30, [LogLevel.ERROR]: 40 };

/** Bolt's level for ours ('silent' still lets errors reach our logger, which then drops them). */
export function boltLevel(level: OurLevel | undefined): LogLevel {
  switch (level) {
    case 'debug':
      return LogLevel.DEBUG;
    case 'warn':
      return LogLevel.WARN;
    case 'error':
    case 'silent':
      return LogLevel.ERROR;
    default:
      return LogLevel.INFO;
  }
}

/**
 * Bolt, its receivers and its Web API client log through this: their free-text messages become our
 * structured lines (component "slack"), so signature failures, rate limits and unacknowledged
 * requests show up in the same stream as everything else.
 */
export function boltLogger(logger: Logger, initial: LogLevel = LogLevel.INFO): BoltLogger {
  let level = initial;
  let name = 'bolt';
  const write =
    (at: LogLevel, sink: (obj: object, msg: string) => void) =>
    (...parts: unknown[]) => {
      if (ORDER[at] < ORDER[level]) return;
      const err = parts.find((p): p is Error => p instanceof Error);
      sink({ component: 'slack', source: name, ...(err ? { err } : {}) }, parts.map(describe).join(' '));
    };
  return {
    debug: write(LogLevel.DEBUG, (o, m) => logger.debug(o, m)),
    info: write(LogLevel.INFO, (o, m) => logger.info(o, m)),
    warn: write(LogLevel.WARN, (o, m) => logger.warn(o, m)),
    error: write(LogLevel.ERROR, (o, m) => logger.error(o, m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n: string) => {
      name = n;
    },
  };
}

function describe(part: unknown): string {
  if (typeof part === 'string') return part;
  if (part instanceof Error) return part.message;
  try {
    return JSON.stringify(part);
  } catch {
    return String(part);
  }
}
