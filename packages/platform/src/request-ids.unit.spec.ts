import { describe, expect, it } from 'vitest';
import { incomingTraceId, requestCorrelationId, untracedIds } from './request-ids';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('a request correlation id', () => {
  it('is the one the request sends in x-correlation-id, else in x-request-id, lower-cased', () => {
    const id = '0192F0A0-0000-7000-8000-0000000000C0';
    expect(requestCorrelationId({ 'x-correlation-id': id })).toBe(id.toLowerCase());
    expect(requestCorrelationId({ 'x-request-id': id.toLowerCase() })).toBe(id.toLowerCase());
    expect(
      requestCorrelationId({
        'x-correlation-id': id,
        'x-request-id': '0192f0a0-0000-7000-8000-0000000000c1',
      }),
    ).toBe(id.toLowerCase());
  });

  it('is a new UUIDv7 when the request sends none, or one the envelope schema would refuse', () => {
    for (const headers of [
      {},
      { 'x-correlation-id': 'not-a-uuid' },
      { 'x-correlation-id': '00000000-0000-0000-0000-000000000000' },
      { 'x-request-id': '0192f0a0-0000-7000-8000-0000000000c0\n' },
      { 'x-request-id': ['0192f0a0-0000-7000-8000-0000000000c0', '0192f0a0-0000-7000-8000-0000000000c1'] },
      { 'x-correlation-id': `0192f0a0-0000-7000-8000-0000000000c0${'0'.repeat(1000)}` },
    ]) {
      const id = requestCorrelationId(headers);
      expect(id).toMatch(UUID_V7);
    }
    expect(requestCorrelationId({})).not.toBe(requestCorrelationId({}));
  });
});

describe('traceresponse without tracing', () => {
  it("echoes a valid traceparent's trace id with a new span id, not sampled", () => {
    const ids = untracedIds(`00-${TRACE}-00f067aa0ba902b7-01`);
    expect(ids.traceId).toBe(TRACE);
    expect(ids.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ids.spanId).not.toBe('00f067aa0ba902b7');
    expect(ids.traceresponse).toBe(`00-${TRACE}-${ids.spanId}-00`);
  });

  it('makes up a trace id for a missing or invalid traceparent', () => {
    for (const header of [
      undefined,
      'garbage',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7-01-extra`,
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
    ]) {
      const ids = untracedIds(header);
      expect(ids.traceId).not.toBe(TRACE);
      expect(ids.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    }
  });

  it('reads a later version of traceparent by its first four fields', () => {
    expect(incomingTraceId(`01-${TRACE}-00f067aa0ba902b7-01-more-fields`)).toBe(TRACE);
    expect(incomingTraceId(`01-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
  });
});
