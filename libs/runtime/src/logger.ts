import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerSettings {
  /** Component name, written as `name` on every line. */
  readonly name: string;
  /** pino level; `info` unless set. */
  readonly level?: string;
  /** Destination stream; stdout unless set (tests pass a sink). */
  readonly destination?: NodeJS.WritableStream;
}

/**
 * Paths that are redacted wherever they appear in a log record. Secrets must
 * never reach a log line, even when a caller logs a whole object by mistake.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password',
  'token',
  'authorization',
  'headers.authorization',
  '*.password',
  '*.token',
  '*.authorization',
  '*.bearerToken',
  'stringData',
  '*.stringData',
  'data.password',
];

/** Creates the JSON logger every Flotilla process uses. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    formatters: {
      level: (label) => ({ level: label }),
    },
  };
  return settings.destination
    ? pino(options, settings.destination as pino.DestinationStream)
    : pino(options);
}
