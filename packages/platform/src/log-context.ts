import { AsyncLocalStorage } from 'node:async_hooks';
import type { KafkaMessage } from 'kafkajs';
import { messageTraceLogFields, traceLogFields, tracingEnabled } from './telemetry';

/** What a log line is told about the work it was written in, besides what the line itself says. */
export interface LogContextFields {
  correlationId?: string;
  /** The message being handled, and the one that caused it. */
  messageId?: string;
  causationId?: string;
  /** A batch of many messages: its distinct correlation ids (the first few) and how many there are. */
  correlationIds?: string[];
  correlationIdCount?: number;
  traceId?: string;
  spanId?: string;
}

/**
 * The work a log line is written in: an HTTP request, a consumed message or a batch of them. `fields` is
 * called once per line written, and must return a fresh object (pino merges the line into it).
 */
export interface LogScope {
  readonly correlationId: string | undefined;
  fields(): LogContextFields;
}

/**
 * One store per process, even when the module is loaded twice (a test runner that runs sources and
 * compiled files side by side, or two copies of the package): a scope set by one copy must be the one
 * the other reads.
 */
const STORE = Symbol.for('@billing/platform/log-context');
const scopes = ((globalThis as Record<symbol, unknown>)[STORE] ??=
  new AsyncLocalStorage<LogScope>()) as AsyncLocalStorage<LogScope>;

/** Runs `fn` (and everything it awaits or schedules) with `scope` as the log context. */
export function withLogScope<T>(scope: LogScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** The correlation id of the request or message being handled, if any. */
export function currentCorrelationId(): string | undefined {
  return scopes.getStore()?.correlationId;
}

/**
 * The logger's mixin: the fields of the current scope, or (outside any) the active trace. One lookup in
 * the async-local store per line; what a scope says is worked out when its first line is written.
 */
export function logContextFields(): LogContextFields {
  const scope = scopes.getStore();
  return scope ? scope.fields() : traceLogFields();
}

/** The ids an envelope names itself by, all a message scope needs. */
export interface MessageIds {
  messageId: string;
  correlationId: string;
  causationId: string | null;
}

/** One message: its ids, and with tracing on, its consumer span. */
class MessageScope implements LogScope {
  constructor(private readonly ids: MessageIds) {}

  get correlationId(): string {
    return this.ids.correlationId;
  }

  fields(): LogContextFields {
    const { messageId, correlationId, causationId } = this.ids;
    const base: LogContextFields =
      causationId === null ? { correlationId, messageId } : { correlationId, messageId, causationId };
    return tracingEnabled() ? Object.assign(base, messageTraceLogFields(messageId)) : base;
  }
}

/**
 * Runs `fn` in the log context of one message. Batch handlers wrap what they log about one message of
 * a batch in it, so that the line carries that message's correlation id (and trace) and not the batch's.
 */
export function withMessageLogContext<T>(message: MessageIds | null, fn: () => T): T {
  return message ? scopes.run(new MessageScope(message), fn) : fn();
}

/** How many correlation ids a line about a batch lists; the count says how many there are in all. */
export const BATCH_CORRELATION_IDS_LISTED = 20;

/** A consumed message as a scope reads it: raw (its ids in the headers) or parsed (in its envelope). */
export type Handled = KafkaMessage | { message: MessageIds };

/**
 * A chunk of consumed messages (one handler call, or a partition's share of one). Nothing is read from
 * them until a line is written: most chunks log nothing, so the hot path pays for one small object and
 * one AsyncLocalStorage.run per chunk.
 */
export class ConsumedScope implements LogScope {
  private base: LogContextFields | null = null;

  constructor(private messages: readonly Handled[]) {}

  get correlationId(): string | undefined {
    return this.messages.length === 1 ? idsOf(this.messages[0]!).correlationId : undefined;
  }

  fields(): LogContextFields {
    const n = this.messages.length;
    if (n === 0) return traceLogFields();
    if (n > 1) return { ...(this.base ??= batch(this.messages)) };
    const base = (this.base ??= idsOf(this.messages[0]!));
    if (!tracingEnabled()) return { ...base };
    // One message, one trace: its consumer span's.
    return {
      ...base,
      ...(base.messageId === undefined ? traceLogFields() : messageTraceLogFields(base.messageId)),
    };
  }

  /**
   * The chunk is done. Whatever it started that lives on (a connection opened meanwhile keeps the
   * async context it was opened in) no longer holds its messages, and what it logs later is not about
   * them.
   */
  end(): void {
    this.messages = [];
    this.base = null;
  }
}

function idsOf(m: Handled): LogContextFields {
  if ('message' in m) {
    const { correlationId, messageId, causationId } = m.message;
    return causationId === null ? { correlationId, messageId } : { correlationId, messageId, causationId };
  }
  const correlationId = header(m, 'correlation-id');
  const messageId = header(m, 'message-id');
  return {
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(messageId === undefined ? {} : { messageId }),
  };
}

function batch(messages: readonly Handled[]): LogContextFields {
  const distinct = new Set<string>();
  for (const m of messages) {
    const id = 'message' in m ? m.message.correlationId : header(m, 'correlation-id');
    if (id !== undefined) distinct.add(id);
  }
  const listed: string[] = [];
  for (const id of distinct) {
    if (listed.length === BATCH_CORRELATION_IDS_LISTED) break;
    listed.push(id);
  }
  return { correlationIds: listed, correlationIdCount: distinct.size };
}

function header(m: KafkaMessage, name: string): string | undefined {
  const v = m.headers?.[name];
  if (v === undefined || v === null) return undefined;
  return (Array.isArray(v) ? v[0] : v)?.toString();
}

/**
 * An HTTP request: the correlation id the gateway puts on the commands it emits, and the trace and
 * span its response names in `traceresponse` (tracing off: ids that were made up for the answer, so
 * that a client's trace id still finds the request's lines).
 */
export class RequestScope implements LogScope {
  constructor(
    readonly correlationId: string,
    private readonly traceId: string,
    private readonly spanId: string,
  ) {}

  fields(): LogContextFields {
    const active = tracingEnabled() ? traceLogFields() : undefined;
    return active?.traceId
      ? { correlationId: this.correlationId, ...active }
      : { correlationId: this.correlationId, traceId: this.traceId, spanId: this.spanId };
  }
}
