import { context } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumedScope, withLogScope, withMessageLogContext } from './log-context';
import { createLogger } from './logger';
import { startMessageSpans } from './message-spans';
import { startTelemetry, withCauseContexts } from './telemetry';

/** With tracing on (a console exporter; no span is ended, so nothing is printed). */
let stop: () => Promise<void>;
beforeAll(async () => {
  process.env.OTEL_TRACES_EXPORTER = 'console';
  stop = await startTelemetry('log-context-test', true);
});
afterAll(async () => {
  await stop();
  delete process.env.OTEL_TRACES_EXPORTER;
});

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';

function traced(traceId: string, messageId: string, correlationId: string): KafkaMessage {
  return {
    key: null,
    value: null,
    offset: '0',
    timestamp: '0',
    attributes: 0,
    headers: {
      'message-id': Buffer.from(messageId),
      'correlation-id': Buffer.from(correlationId),
      traceparent: Buffer.from(`00-${traceId}-00f067aa0ba902b7-01`),
    },
  };
}

const ids = (n: number) => `0192f0a0-0000-7000-8000-${n.toString().padStart(12, '0')}`;

describe('the log context with tracing on', () => {
  it("gives a line about one message of a batch that message's trace, and the batch's lines none", async () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (l: string) => void lines.push(l) });
    const chunk = [traced(TRACE_A, ids(1), ids(11)), traced(TRACE_B, ids(2), ids(12))];
    const spans = startMessageSpans('topic', 0, chunk);
    expect(spans.single).toBeNull();
    await withCauseContexts(spans.contexts, async () =>
      withLogScope(new ConsumedScope(chunk), () => {
        logger.info('batch');
        withMessageLogContext({ messageId: ids(2), correlationId: ids(12), causationId: null }, () =>
          logger.info('about b'),
        );
        withMessageLogContext({ messageId: ids(1), correlationId: ids(11), causationId: null }, () =>
          logger.info('about a'),
        );
      }),
    );
    const [batch, b, a] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(batch).not.toHaveProperty('traceId');
    expect(batch?.correlationIds).toEqual([ids(11), ids(12)]);
    expect(b).toMatchObject({ correlationId: ids(12), traceId: TRACE_B });
    expect(a).toMatchObject({ correlationId: ids(11), traceId: TRACE_A });
    expect(a?.spanId).not.toBe(b?.spanId);
  });

  it('gives the lines of a chunk of one message its trace (the consumer makes its span active)', () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (l: string) => void lines.push(l) });
    const chunk = [traced(TRACE_A, ids(1), ids(11))];
    const spans = startMessageSpans('topic', 0, chunk);
    context.with(spans.single!, () => withLogScope(new ConsumedScope(chunk), () => logger.info('one')));
    expect(JSON.parse(lines[0]!)).toMatchObject({
      correlationId: ids(11),
      messageId: ids(1),
      traceId: TRACE_A,
    });
  });

  it('gives the lines of one parsed message its trace without its span being active (a joint batch)', async () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (l: string) => void lines.push(l) });
    const spans = startMessageSpans('topic', 0, [traced(TRACE_B, ids(2), ids(12))]);
    const parsed = { message: { messageId: ids(2), correlationId: ids(12), causationId: ids(3) } };
    await withCauseContexts(spans.contexts, async () =>
      withLogScope(new ConsumedScope([parsed]), () => logger.info('one')),
    );
    expect(JSON.parse(lines[0]!)).toMatchObject({
      correlationId: ids(12),
      messageId: ids(2),
      causationId: ids(3),
      traceId: TRACE_B,
    });
  });
});
