import type { NestFastifyApplication } from '@nestjs/platform-fastify';

type CorsOptions = Exclude<Parameters<NestFastifyApplication['enableCors']>[0], undefined>;

/** Browsers may cache a preflight answer this long before asking again. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * CORS for an allow-list of origins. An origin not on the list gets no CORS header at all (and its
 * preflight is not found), rather than a partial set a browser would refuse anyway. No credentials mode:
 * the API authenticates with headers, never with cookies.
 */
export function corsOptions(origins: readonly string[]): CorsOptions {
  const allowed = new Set(origins);
  return {
    origin: (origin: string | undefined, callback: (err: Error | null, allow: boolean) => void) => {
      callback(null, origin !== undefined && allowed.has(origin));
    },
    methods: ['GET', 'POST', 'PATCH'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'idempotency-key',
      'prefer',
      'x-api-key',
      'last-event-id',
      // A browser client may name its own correlation id and trace (docs/observability.md).
      'x-correlation-id',
      'x-request-id',
      'traceparent',
      'tracestate',
    ],
    exposedHeaders: ['location', 'retry-after', 'preference-applied', 'x-correlation-id', 'traceresponse'],
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_S,
    strictPreflight: true,
  };
}
