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
import { tracer, tracingEnabled } from './telemetry';

/** Label of requests no route matched: the raw URL would make one series per probe of a scanner. */
const UNMATCHED = 'unmatched';

interface Traced {
  span: Span;
  ctx: Context;
}
const traced = new WeakMap<FastifyRequest, Traced>();

/**
 * Instruments a service's Fastify instance (before Nest registers its routes): GET /metrics in the
 * Prometheus text format, a duration histogram per method, route template and status, the process
 * metrics, and (with `traceRequests` and tracing on) a server span per request that honours an
 * incoming `traceparent`, is active while the handler runs, and whose trace id the response returns in
 * `traceresponse`. With tracing off a request costs one histogram observation.
 */
export function instrumentHttp(fastify: FastifyInstance, options: { traceRequests?: boolean } = {}): void {
  collectProcessMetrics();
  fastify.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await renderMetrics();
    return reply.header('content-type', contentType).send(body);
  });
  if (options.traceRequests) installRequestTracing(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    platformMetrics.httpDuration
      .labels(request.method, route, String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    const t = traced.get(request);
    if (t) endSpan(t.span, request, reply, route);
    done();
  });
}

function installRequestTracing(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!tracingEnabled()) return done();
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
    const ctx = trace.setSpan(parent, span);
    traced.set(request, { span, ctx });
    const sc = span.spanContext();
    // W3C Trace Context Level 2: the trace and span this request was recorded under.
    void reply.header('traceresponse', `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags.toString(16)}`);
    done();
  });
  // Body parsing ends in a stream event outside the request's async context; the handler is entered from
  // preHandler, so the span is made active there, for the handler and everything it awaits.
  fastify.addHook('preHandler', (request, _reply, done) => {
    const t = traced.get(request);
    if (!t) return done();
    context.with(t.ctx, done);
  });
}

function endSpan(span: Span, request: FastifyRequest, reply: FastifyReply, route: string): void {
  span.setAttribute('http.response.status_code', reply.statusCode);
  span.updateName(`${request.method} ${route}`);
  if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  traced.delete(request);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
