import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  BATCH_CORRELATION_IDS_LISTED,
  ConsumedScope,
  currentCorrelationId,
  RequestScope,
  withLogScope,
  withMessageLogContext,
} from './log-context';
import { createLogger } from './logger';

function memoryLogger() {
  const lines: string[] = [];
  const logger = createLogger('test', 'info', { write: (line: string) => void lines.push(line) });
  return { logger, lines: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function consumed(correlationId: string | null, messageId: string): KafkaMessage {
  const headers: Record<string, Buffer> = { 'message-id': Buffer.from(messageId) };
  if (correlationId !== null) headers['correlation-id'] = Buffer.from(correlationId);
  return { key: null, value: null, offset: '0', timestamp: '0', attributes: 0, headers };
}

const ids = (n: number) => `0192f0a0-0000-7000-8000-${n.toString().padStart(12, '0')}`;

describe('the log context', () => {
  it('adds nothing to a line written outside any request or message', () => {
    const { logger, lines } = memoryLogger();
    logger.info('idle');
    expect(lines()[0]).not.toHaveProperty('correlationId');
    expect(lines()[0]).not.toHaveProperty('traceId');
    expect(currentCorrelationId()).toBeUndefined();
  });

  it('gives every line written while a message is handled its ids, across awaits and timers', async () => {
    const { logger, lines } = memoryLogger();
    const message = { messageId: ids(1), correlationId: ids(2), causationId: ids(3) };
    await withMessageLogContext(message, async () => {
      logger.info('before');
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.warn({ step: 2 }, 'after a timer');
      expect(currentCorrelationId()).toBe(ids(2));
    });
    logger.info('outside');
    const [before, after, outside] = lines();
    expect(before).toMatchObject({ correlationId: ids(2), messageId: ids(1), causationId: ids(3) });
    expect(after).toMatchObject({ correlationId: ids(2), messageId: ids(1), step: 2 });
    expect(outside).not.toHaveProperty('correlationId');
  });

  it('leaves out a causation id a message has none of, and lets the line override what it names', () => {
    const { logger, lines } = memoryLogger();
    withMessageLogContext({ messageId: ids(1), correlationId: ids(2), causationId: null }, () => {
      logger.info('plain');
      logger.info({ correlationId: ids(9) }, 'about another message');
    });
    const [plain, other] = lines();
    expect(plain).not.toHaveProperty('causationId');
    expect(other?.correlationId).toBe(ids(9));
    expect(lines().length).toBe(2);
  });

  it('names the one message of a chunk of one by its headers', () => {
    const { logger, lines } = memoryLogger();
    const scope = new ConsumedScope([consumed(ids(2), ids(1))]);
    withLogScope(scope, () => logger.info('handled'));
    expect(scope.correlationId).toBe(ids(2));
    expect(lines()[0]).toMatchObject({ correlationId: ids(2), messageId: ids(1) });
  });

  it('says nothing of a chunk once it is done, to what it started and logs later', async () => {
    const { logger, lines } = memoryLogger();
    const scope = new ConsumedScope([consumed(ids(2), ids(1)), consumed(ids(3), ids(4))]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const later = withLogScope(scope, async () => {
      logger.info('during');
      await gate;
      logger.info('later');
    });
    scope.end();
    release();
    await later;
    const [during, after] = lines();
    expect(during?.correlationIds).toEqual([ids(2), ids(3)]);
    expect(after).not.toHaveProperty('correlationIds');
    expect(scope.correlationId).toBeUndefined();
  });

  it('lists the distinct correlation ids of a batch (the first few) and counts them all', () => {
    const { logger, lines } = memoryLogger();
    const many = Array.from({ length: 30 }, (_, i) => consumed(ids(100 + i), ids(i)));
    const chunk = [consumed(ids(100), ids(50)), consumed(null, ids(51)), ...many];
    const scope = new ConsumedScope(chunk);
    withLogScope(scope, () => {
      logger.warn('batch failed');
      logger.warn('again');
      // A line about one message of it carries that message's ids, not the batch's.
      withMessageLogContext({ messageId: ids(7), correlationId: ids(107), causationId: null }, () =>
        logger.info('one of them'),
      );
    });
    const [first, second, one] = lines();
    expect(scope.correlationId).toBeUndefined();
    expect(first).not.toHaveProperty('correlationId');
    expect(first?.correlationIdCount).toBe(30);
    expect(first?.correlationIds).toEqual(
      Array.from({ length: BATCH_CORRELATION_IDS_LISTED }, (_, i) => ids(100 + i)),
    );
    expect(second?.correlationIds).toEqual(first?.correlationIds);
    expect(one).toMatchObject({ correlationId: ids(107), messageId: ids(7) });
    expect(one).not.toHaveProperty('correlationIds');
  });

  it('reads parsed messages by their envelopes', () => {
    const { logger, lines } = memoryLogger();
    const parsed = (n: number) => ({
      message: { messageId: ids(n), correlationId: ids(n + 10), causationId: null },
    });
    withLogScope(new ConsumedScope([parsed(1), parsed(2), parsed(1)]), () => logger.info('joint'));
    withLogScope(new ConsumedScope([parsed(3)]), () => logger.info('one'));
    const [joint, one] = lines();
    expect(joint).toMatchObject({ correlationIds: [ids(11), ids(12)], correlationIdCount: 2 });
    expect(one).toMatchObject({ correlationId: ids(13), messageId: ids(3) });
  });

  it('gives a request its correlation id and the trace its response names', () => {
    const { logger, lines } = memoryLogger();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    withLogScope(new RequestScope(ids(5), traceId, '00f067aa0ba902b7'), () => logger.info('request'));
    expect(lines()[0]).toMatchObject({ correlationId: ids(5), traceId, spanId: '00f067aa0ba902b7' });
  });
});
