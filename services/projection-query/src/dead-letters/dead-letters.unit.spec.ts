import { describe, expect, it } from 'vitest';
import { decodeDeadLetterCursor, encodeDeadLetterCursor } from './dead-letter.queries';
import { replayStateOf, rowOf, summaryOfRow, type ReplayRow } from './dead-letter-rows';
import { replayabilityOf } from './replayability';

const PREFIX = 'run-1.';
const consumerDeadLetter: {
  consumerGroup: string;
  originalTopic: string;
  originalOffset: string | null;
  errorCode: string;
} = {
  consumerGroup: `${PREFIX}saga-orchestrator.transaction-commands`,
  originalTopic: `${PREFIX}billing.transaction.commands`,
  originalOffset: '17',
  errorCode: 'MESSAGE.UNKNOWN_VERSION',
};

describe('which service replays a dead letter', () => {
  it('is the service its consumer group is named after, when that service dedupes by messageId', () => {
    expect(replayabilityOf(consumerDeadLetter, PREFIX)).toEqual({
      service: 'saga-orchestrator',
      refusal: null,
    });
    expect(
      replayabilityOf(
        { ...consumerDeadLetter, consumerGroup: `${PREFIX}account-ledger.ledger-commands` },
        PREFIX,
      ),
    ).toEqual({ service: 'account-ledger', refusal: null });
  });

  it('is none for the read side, the live feeds, the outbox relay and other deployments, saying why', () => {
    const refusal = (overrides: Partial<typeof consumerDeadLetter>) =>
      replayabilityOf({ ...consumerDeadLetter, ...overrides }, PREFIX);
    expect(refusal({ consumerGroup: `${PREFIX}projection-query.ledger-events.v2` }).refusal).toContain(
      'projections:rebuild',
    );
    expect(refusal({ consumerGroup: `${PREFIX}command-gateway.feed-1` }).refusal).toContain('live feed');
    expect(refusal({ originalOffset: null, errorCode: 'MESSAGE.REFUSED_BY_BROKER' }).refusal).toContain(
      'outbox',
    );
    expect(refusal({ consumerGroup: 'other.saga-orchestrator.transaction-commands' }).refusal).toContain(
      'another deployment',
    );
    expect(refusal({ consumerGroup: `${PREFIX}somebody-else` }).service).toBeNull();
  });
});

describe('dead letter rows', () => {
  const deadLetter = {
    id: '1:42',
    partition: 1,
    offset: '42',
    at: '2026-01-01T00:00:00.000Z',
    key: 'k',
    value: 'bad\u0000value',
    headers: { 'dlq-error-code': 'MESSAGE.UNPARSEABLE', 'x\u0000': 'y\u0000' },
    errorCode: 'MESSAGE.UNPARSEABLE',
    errorDetail: 'not JSON',
    originalTopic: `${PREFIX}billing.transaction.commands`,
    originalPartition: 3,
    originalOffset: '9',
    consumerGroup: `${PREFIX}saga-orchestrator.transaction-commands`,
    messageType: null,
    messageId: null,
  };

  it('stores what PostgreSQL would refuse (NUL) as U+FFFD', () => {
    const row = rowOf(deadLetter, { service: 'saga-orchestrator', refusal: null });
    expect(row.value).toBe('bad\ufffdvalue');
    expect(row.headers).toEqual({ 'dlq-error-code': 'MESSAGE.UNPARSEABLE', 'x\ufffd': 'y\ufffd' });
  });

  it('takes the state from the latest replay: asked and unanswered is requested', () => {
    const replay: ReplayRow = {
      replay_id: '0192f0a0-0000-7000-8000-000000000009',
      dead_letter_id: '1:42',
      requested_at: new Date('2026-01-01T00:01:00.000Z'),
      requested_by: 'admin:a',
      outcome: null,
      completed_at: null,
      code: null,
      detail: null,
    };
    const row = rowOf(deadLetter, { service: 'saga-orchestrator', refusal: null });
    expect(summaryOfRow(row, null).replayState).toBe('not_replayed');
    expect(summaryOfRow(row, replay).replayState).toBe('requested');
    const failed = summaryOfRow(row, {
      ...replay,
      outcome: 'failed',
      code: 'MESSAGE.UNPARSEABLE',
      detail: 'x',
    });
    expect(failed.replayState).toBe('failed');
    expect(failed.lastReplay).toMatchObject({
      code: 'MESSAGE.UNPARSEABLE',
      requestedAt: '2026-01-01T00:01:00.000Z',
    });
    expect(replayStateOf({ ...failed.lastReplay!, outcome: 'replayed' })).toBe('replayed');
  });

  it('pages by a cursor it wrote, and refuses one it did not', () => {
    const cursor = encodeDeadLetterCursor({
      dead_lettered_at: new Date('2026-01-01T00:00:00.000Z'),
      partition: 2,
      offset: '99',
    });
    expect(decodeDeadLetterCursor(cursor)).toEqual({
      at: '2026-01-01T00:00:00.000Z',
      partition: 2,
      offset: '99',
    });
    expect(decodeDeadLetterCursor('bm9wZQ')).toBeNull();
  });
});
