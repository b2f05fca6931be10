import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectProcessMetrics, platformMetrics, renderMetrics } from './metrics';
import { RequestScope, withLogScope } from './log-context';
import { CORRELATION_ID_HEADER, requestCorrelationId, untracedIds } from './request-ids';
import { tracer, tracingEnabled } from './telemetry';

/** Label of requests no route matched: the raw URL would make one series per probe of a scanner. */
const UNMATCHED = 'unmatched';

/** What a request carries from its first hook to its last: its log scope, and its span if traced. */
interface RequestState {
  scope: RequestScope;
  traced: { span: Span; ctx: Context } | null;
}
const requests = new WeakMap<FastifyRequest, RequestState>();

/**
 * Instruments a service's Fastify instance (before Nest registers its routes): GET /metrics in the
 * Prometheus text format, a duration histogram per method, route template and status, the process
 * metrics. With `traceRequests`, each request also gets a correlation id and a log scope (see
 * installRequestContext). With tracing off a request costs one histogram observation, and with
 * `traceRequests` a correlation id, a few random bytes and one scope object.
 */
export function instrumentHttp(fastify: FastifyInstance, options: { traceRequests?: boolean } = {}): void {
  collectProcessMetrics();
  fastify.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await renderMetrics();
    return reply.header('content-type', contentType).send(body);
  });
  if (options.traceRequests) installRequestContext(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    platformMetrics.httpDuration
      .labels(request.method, route, String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    const state = requests.get(request);
    if (!state) return done();
    if (state.traced) endSpan(state.traced.span, request, reply, route);
    // The response is finished outside the request's async context; the hooks after this one (the
    // access log) are run inside its scope again.
    withLogScope(state.scope, done);
  });
}

/**
 * Per request: a correlation id (a valid `x-correlation-id` or `x-request-id` it sent, else a new
 * one), returned in `x-correlation-id` and put on the commands the request emits; a log scope, so that
 * every line logged while it is handled carries that id and the trace and span ids; and a
 * `traceresponse`. With tracing on, that names a server span that honours an incoming `traceparent` and
 * is active while the handler runs; with it off, the incoming trace id (or a new one) and a new span id,
 * which nothing records but the logs.
 */
function installRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = requestCorrelationId(request.headers);
    void reply.header(CORRELATION_ID_HEADER, correlationId);
    const state = tracingEnabled()
      ? traceRequest(request, reply, correlationId)
      : untraced(request, reply, correlationId);
    requests.set(request, state);
    withLogScope(state.scope, done);
  });
  // Body parsing ends in a stream event outside the request's async context; the handler is entered from
  // preHandler, so the scope (and the span) is made current again there, for the handler and everything
  // it awaits.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const state = requests.get(request);
    if (!state) return done();
    const traced = state.traced;
    withLogScope(state.scope, traced ? () => context.with(traced.ctx, done) : done);
  });
}

function untraced(request: FastifyRequest, reply: FastifyReply, correlationId: string): RequestState {
  const ids = untracedIds(request.headers.traceparent);
  void reply.header('traceresponse', ids.traceresponse);
  return { scope: new RequestScope(correlationId, ids.traceId, ids.spanId), traced: null };
}

function traceRequest(request: FastifyRequest, reply: FastifyReply, correlationId: string): RequestState {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const route = request.routeOptions.url ?? UNMATCHED;
  const span = tracer().startSpan(
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': pathOf(request.url),
      },
    },
    parent,
  );
  const sc = span.spanContext();
  // W3C Trace Context Level 2: the trace and span this request was recorded under.
  void reply.header('traceresponse', `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags.toString(16)}`);
  return {
    scope: new RequestScope(correlationId, sc.traceId, sc.spanId),
    traced: { span, ctx: trace.setSpan(parent, span) },
  };
}

function endSpan(span: Span, request: FastifyRequest, reply: FastifyReply, route: string): void {
  span.setAttribute('http.response.status_code', reply.statusCode);
  span.updateName(`${request.method} ${route}`);
  if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
