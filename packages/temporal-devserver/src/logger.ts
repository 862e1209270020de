// Minimal leveled logger writing one line per message to stderr. Never logs payloads.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(level: LogLevel = 'warn'): Logger {
  const write = (at: LogLevel) => (msg: string) => {
    if (ORDER[at] >= ORDER[level])
      process.stderr.write(`${new Date().toISOString()} ${at.toUpperCase()} tact-temporal-dev: ${msg}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(ORDER, s);
}
