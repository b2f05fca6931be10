import pino, { type Logger } from 'pino';
import { traceLogFields } from './telemetry';

export type { Logger };

/**
 * One JSON logger per process. Secrets are redacted by path so that a careless log line cannot leak an
 * API key or a database password. With tracing on, every line carries the active trace and span id.
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    mixin: traceLogFields,
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
  });
}
