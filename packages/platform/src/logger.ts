import pino, { type DestinationStream, type Logger } from 'pino';
import { logContextFields } from './log-context';

export type { Logger };

/**
 * One JSON logger per process. Secrets are redacted by path so that a careless log line cannot leak an
 * API key or a database password. Every line written while a request or a consumed message is handled
 * carries its correlation id, and its trace and span ids where there are some (log-context.ts).
 * `destination` is stdout unless given (tests read what a service logs through it).
 */
export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    mixin: logContextFields,
    redact: {
      paths: [
        'apiKey',
        '*.apiKey',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'headers["x-api-key"]',
        '*.headers.authorization',
        '*.headers["x-api-key"]',
        '*.headers.cookie',
        '"x-api-key"',
        'password',
        '*.password',
        'databaseUrl',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
