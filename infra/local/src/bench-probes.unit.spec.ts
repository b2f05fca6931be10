import { describe, expect, it } from 'vitest';
import { DB_STATEMENTS, parseRequestCounts, scenarioRequests } from './bench-probes';

describe('Kafka request counts of the bench', () => {
  it('sums a service’s kafka_client_requests_total by API over the client kinds', () => {
    const text = [
      '# HELP kafka_client_requests_total Requests this process sent to the brokers',
      '# TYPE kafka_client_requests_total counter',
      'kafka_client_requests_total{client="consumer",api="Fetch"} 120',
      'kafka_client_requests_total{client="consumer",api="OffsetCommit"} 40',
      'kafka_client_requests_total{client="producer",api="Produce"} 30',
      'kafka_client_requests_total{client="admin",api="Fetch"} 1',
      'kafka_consumer_messages_total{topic="x"} 999',
    ].join('\n');
    expect(parseRequestCounts(text)).toEqual({ Fetch: 121, OffsetCommit: 40, Produce: 30 });
  });

  it('sums a service’s db_client_statements_total by keyword, apart from its Kafka requests', () => {
    const text = [
      'db_client_statements_total{kind="insert"} 12',
      'db_client_statements_total{kind="begin"} 4',
      'kafka_client_requests_total{client="consumer",api="Fetch"} 120',
    ].join('\n');
    expect(parseRequestCounts(text, DB_STATEMENTS)).toEqual({ insert: 12, begin: 4 });
    expect(parseRequestCounts(text)).toEqual({ Fetch: 120 });
  });

  it('divides what each service sent during the scenario by the completed calls', () => {
    const before = { ledger: { Fetch: 100, Produce: 10 }, saga: { Fetch: 50 } };
    const after = {
      ledger: { Fetch: 300, Produce: 60, OffsetCommit: 100 },
      saga: { Fetch: 150 },
      gone: { Fetch: 9 },
    };
    const r = scenarioRequests(before, after, 100);
    expect(r.total).toBe(450);
    expect(r.perCompleted).toBe(4.5);
    expect(r.perCompletedByApi).toEqual({ Fetch: 3, OffsetCommit: 1, Produce: 0.5 });
    expect(Object.keys(r.perCompletedByApi)).toEqual(['Fetch', 'OffsetCommit', 'Produce']);
    expect(r.perCompletedByService).toEqual({ ledger: 3.5, saga: 1 });
    expect(r.perCompletedByServiceApi).toEqual({
      ledger: { Fetch: 2, OffsetCommit: 1, Produce: 0.5 },
      saga: { Fetch: 1 },
    });
    expect(scenarioRequests(before, after, 0).perCompleted).toBeNull();
  });
});
