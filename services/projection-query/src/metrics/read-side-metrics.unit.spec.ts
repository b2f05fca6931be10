import { metricsRegistry } from '@billing/platform/metrics';
import { describe, expect, it } from 'vitest';
import { readinessDetail, recordReadSide, type ReadSideSnapshot } from './read-side-metrics';

/** The read side's gauges as /metrics renders them, after recording one snapshot. */
async function toPrometheus(s: ReadSideSnapshot, nowMs: number): Promise<string> {
  recordReadSide(s, nowMs);
  return metricsRegistry.metrics();
}

const NOW = Date.parse('2026-01-01T00:01:00.000Z');
const snapshot: ReadSideSnapshot = {
  partitions: [
    { topic: 'billing.ledger.events', partition: 0, endOffset: 10n, appliedOffset: 7n },
    { topic: 'billing.ledger.events', partition: 1, endOffset: 5n, appliedOffset: 5n },
    { topic: 'billing.transaction.events', partition: 0, endOffset: 0n, appliedOffset: 0n },
  ],
  lastEventAtMs: { 'billing.ledger.events': NOW - 30_000, 'billing.transaction.events': null },
  pendingEvents: 2,
  oldestPendingAtMs: NOW - 5_000,
  alarms: [],
};

describe('read-side metrics', () => {
  it('renders lag per partition and the age of the last applied event in Prometheus text format', async () => {
    const text = await toPrometheus(snapshot, NOW);
    expect(text).toContain('# TYPE projection_consumer_lag_messages gauge');
    expect(text).toContain('projection_consumer_lag_messages{topic="billing.ledger.events",partition="0"} 3');
    expect(text).toContain('projection_consumer_lag_messages{topic="billing.ledger.events",partition="1"} 0');
    expect(text).toContain('projection_last_applied_event_age_seconds{topic="billing.ledger.events"} 30');
    expect(text).not.toContain(
      'projection_last_applied_event_age_seconds{topic="billing.transaction.events"}',
    );
    expect(text).toContain('projection_pending_events 2');
    expect(text).toContain('projection_pending_oldest_age_seconds 5');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('sums lag per topic for the readiness detail', () => {
    expect(readinessDetail(snapshot, NOW)).toEqual({
      topics: {
        'billing.ledger.events': { lag: '3', lastEventAgeSeconds: 30 },
        'billing.transaction.events': { lag: '0', lastEventAgeSeconds: null },
      },
      pendingEvents: 2,
      oldestPendingAgeSeconds: 5,
    });
  });

  it('raises a position alarm, in the metrics and the readiness detail, never a lag of 0', async () => {
    const alarmed: ReadSideSnapshot = {
      ...snapshot,
      alarms: [
        {
          topic: 'billing.ledger.events',
          partition: 0,
          reason: 'beyond-log-end',
          detail: 'billing.ledger.events/0 is at offset 2600, beyond the log end 260',
        },
      ],
    };
    expect(await toPrometheus(alarmed, NOW)).toContain(
      'projection_position_alarm{topic="billing.ledger.events",partition="0",reason="beyond-log-end"} 1',
    );
    expect(readinessDetail(alarmed, NOW)).toMatchObject({
      alarms: [expect.objectContaining({ reason: 'beyond-log-end' })],
      wayOut: expect.stringContaining('npm run projections:rebuild'),
    });
    expect(readinessDetail(snapshot, NOW)).not.toHaveProperty('alarms');
    expect(await toPrometheus(snapshot, NOW)).not.toContain('projection_position_alarm{');
  });
});
