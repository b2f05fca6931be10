import type { Actor } from '@billing/contracts/envelope';
import type { Logger } from '@billing/platform/logger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PREFER_WAIT_MAX_SECONDS, preferredWaitMs } from '../http/prefer';
import { fromFastifyError, ProblemError, sendProblem } from '../http/problem';

/** API answers are data, never documents: nothing in them may load or run anything. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
/** Swagger UI is a page served from this origin with its own scripts, styles and inline styles. */
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
/** One year, the value HSTS preload lists ask for. */
const HSTS = 'max-age=31536000; includeSubDomains';
/** Longer than the usual load balancer idle timeout (60 s), so the balancer closes idle sockets first. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** Slack between the longest a handler may take and the socket idle timeout behind it. */
const SOCKET_SLACK_MS = 5000;

export interface HardeningOptions {
  production: boolean;
  requestTimeoutMs: number;
}

/** The headers every answer carries; the docs pages get the CSP Swagger UI can work under. */
export function securityHeaders(path: string, production: boolean): Record<string, string> {
  const docs = path === '/api/docs' || path.startsWith('/api/docs/');
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': docs ? DOCS_CSP : API_CSP,
    ...(production ? { 'strict-transport-security': HSTS } : {}),
    // Account data must not sit in shared or browser caches.
    ...(path.startsWith('/api/v1/') ? { 'cache-control': 'no-store' } : {}),
  };
}

/**
 * Socket-level limits for Fastify. The idle timeout must outlast the slowest handler (its budget plus the
 * longest `Prefer: wait`), so that a slow request is answered 503 by the hook below instead of having its
 * socket cut without an answer.
 */
export function serverTimeouts(requestTimeoutMs: number): {
  connectionTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
} {
  return {
    connectionTimeout: requestTimeoutMs + PREFER_WAIT_MAX_SECONDS * 1000 + SOCKET_SLACK_MS,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  };
}

/**
 * Fastify's `frameworkErrors`: the router refuses a path it cannot percent-decode, or one with a segment
 * longer than its parameter limit, before any hook or Nest filter runs, and would answer with its own
 * plain JSON. Neither path can name a route (no id is that long, no route has undecodable bytes), so they
 * are answered as any unknown route is: 404 ROUTE.NOT_FOUND problem+json, with the security headers.
 */
export function frameworkErrorHandler(production: boolean) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.headers(securityHeaders(pathOf(request.url), production));
    const problem =
      error.code === 'FST_ERR_BAD_URL'
        ? new ProblemError(
            404,
            'ROUTE.NOT_FOUND',
            'no route matches a path that is not valid percent-encoding',
          )
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new ProblemError(404, 'ROUTE.NOT_FOUND', 'no route matches a path segment that long')
          : fromFastifyError(error);
    sendProblem(reply, request, problem);
  };
}

/**
 * Adds the security headers, the per-request deadline and a debug access log to every request, and
 * bounds how long closing the server may wait for open connections.
 */
export function installHardening(fastify: FastifyInstance, options: HardeningOptions, logger: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    // The matched route where there is one, since the raw URL may percent-encode the path.
    void reply.headers(securityHeaders(request.routeOptions.url ?? pathOf(request.url), options.production));
    armDeadline(request, reply, options.requestTimeoutMs);
    done();
  });
  fastify.addHook('preClose', (done) => {
    // Closing waits for connections with a request in flight, and Node also counts connections a client
    // opened but never used. In-flight requests get their own budget to finish; then every connection
    // left is cut, so that stopping the gateway takes a bounded time.
    const drain = setTimeout(() => fastify.server.closeAllConnections(), options.requestTimeoutMs);
    drain.unref();
    fastify.server.once('close', () => clearTimeout(drain));
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const actor = (request as FastifyRequest & { actor?: Actor }).actor;
    // Only the path is logged: headers carry credentials and a query string may carry anything.
    logger.debug(
      {
        method: request.method,
        path: pathOf(request.url),
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
        actor: actor ? `${actor.kind}:${actor.id}` : null,
      },
      'request',
    );
    done();
  });
}

/**
 * Answers 503 if the handler has not answered within the deadline. The deadline is the gateway's own
 * budget plus the wait the client asked for with `Prefer: wait`, so that preference keeps working for any
 * budget. The handler is not interrupted; whatever it sends later is dropped by Fastify as already sent.
 * A hijacked reply (an event stream) counts as sent and is left alone.
 */
function armDeadline(request: FastifyRequest, reply: FastifyReply, budgetMs: number): void {
  let waitMs = 0;
  try {
    waitMs = preferredWaitMs(request.headers.prefer);
  } catch {
    // An invalid preference is the handler's to refuse with 400; it does not extend the deadline.
  }
  const deadlineMs = budgetMs + waitMs;
  const timer = setTimeout(() => {
    if (reply.sent) return;
    sendProblem(
      reply,
      request,
      new ProblemError(503, 'SERVICE.UNAVAILABLE', `the request did not complete within ${deadlineMs} ms`),
    );
  }, deadlineMs);
  reply.raw.once('close', () => clearTimeout(timer));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
