import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';

let tracingOn = false;

/**
 * True once the SDK runs with a trace exporter. Everything trace-related in the platform checks this
 * first, so that with tracing off a message or request costs one boolean test: no header is parsed, no
 * span or context object is created, nothing is injected.
 */
export function tracingEnabled(): boolean {
  return tracingOn;
}

/**
 * Starts OpenTelemetry tracing when enabled. Exporters are configured by the standard OTEL_* variables,
 * which the SDK reads itself (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL,
 * OTEL_TRACES_EXPORTER, OTEL_TRACES_SAMPLER...); OTLP exporters sit behind a batch span processor, so
 * a span costs an in-memory append and spans leave the process in the background. With tracing off
 * the process carries no SDK at all.
 */
export async function startTelemetry(serviceName: string, enabled: boolean): Promise<() => Promise<void>> {
  const exporters = (process.env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim());
  if (!enabled || process.env.OTEL_SDK_DISABLED === 'true' || exporters[0] === 'none') return async () => {};
  const sdk = new NodeSDK({ serviceName });
  sdk.start();
  tracingOn = true;
  return async () => {
    tracingOn = false;
    await sdk.shutdown();
  };
}

export function tracer(): Tracer {
  return trace.getTracer('@billing/platform');
}

/** Reads W3C trace context from Kafka headers, whose values kafkajs hands over as Buffers. */
export const kafkaHeaderGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key];
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v.map(String) : String(v);
  },
};

/** The context a message's headers carry (only called with tracing on). */
export function extractContext(headers: Record<string, unknown> | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter) : ROOT_CONTEXT;
}

/**
 * The trace context of each message of the batch being handled, by message id and by correlation id.
 * A batch handler writes the messages a batch causes in one transaction; the outbox looks the cause of
 * each envelope up here (envelope.causationId), so each outgoing message continues the trace of the
 * message that caused it, not the batch's.
 */
export interface CauseContexts {
  byMessageId: Map<string, Context>;
  byCorrelationId: Map<string, Context>;
}

const causes = new AsyncLocalStorage<CauseContexts>();

export function withCauseContexts<T>(contexts: CauseContexts, fn: () => Promise<T>): Promise<T> {
  return causes.run(contexts, fn);
}

/** The context an outgoing envelope continues: its cause's, else its correlation's, else the active one. */
export function contextFor(envelope: { causationId: string | null; correlationId: string }): Context {
  const scope = causes.getStore();
  if (scope) {
    const found =
      (envelope.causationId === null ? undefined : scope.byMessageId.get(envelope.causationId)) ??
      scope.byCorrelationId.get(envelope.correlationId);
    if (found) return found;
  }
  return context.active();
}

/**
 * Fields for a log line about one message (tracing on): the trace and span of that message's consumer
 * span while its batch is handled, else the active ones.
 */
export function messageTraceLogFields(messageId: string): { traceId?: string; spanId?: string } {
  const ctx = causes.getStore()?.byMessageId.get(messageId) ?? context.active();
  const sc = trace.getSpan(ctx)?.spanContext();
  return sc ? { traceId: sc.traceId, spanId: sc.spanId } : {};
}

/** Fields for a log line: the active trace and span (an empty object with tracing off). */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  if (!tracingOn) return {};
  const span: Span | undefined = trace.getSpan(context.active());
  const ctx = span?.spanContext();
  return ctx ? { traceId: ctx.traceId, spanId: ctx.spanId } : {};
}
