// A tiny structured logger: one JSON line per event on stderr, so stdout stays free for CLI output.
// Levels follow pino's names so swapping in pino later changes nothing for callers.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): Logger;
}

export function createLogger(level: LogLevel = 'info', bindings: object = {}, sink: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const threshold = ORDER[level] ?? ORDER.info;
  const write = (lvl: Exclude<LogLevel, 'silent'>) => (obj: object, msg: string) => {
    if (ORDER[lvl] < threshold) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...bindings, ...serialise(obj) }));
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => createLogger(level, { ...bindings, ...more }, sink),
  };
}

// Errors do not JSON.stringify; keep their name, code and message (never a connection string).
function serialise(obj: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v;
  }
  return out;
}

export const silentLogger: Logger = createLogger('silent');
