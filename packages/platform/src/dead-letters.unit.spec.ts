import { describe, expect, it } from 'vitest';
import { planReplay, type DeadLetter } from './dead-letters';

function aDeadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    id: '0:1',
    partition: 0,
    offset: '1',
    at: '2026-01-01T00:00:00.000Z',
    key: 'acc-1',
    value: '{"messageId":"m-1","type":"OpenAccount"}',
    headers: {
      'message-type': 'OpenAccount',
      'message-id': 'm-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'dlq-error-code': 'MESSAGE.HANDLER_FAILED',
      'dlq-error-detail': 'boom',
      'dlq-original-topic': 'billing.account.commands',
      'dlq-original-partition': '3',
      'dlq-original-offset': '42',
      'dlq-consumer-group': 'account-ledger.account-commands',
    },
    errorCode: 'MESSAGE.HANDLER_FAILED',
    errorDetail: 'boom',
    originalTopic: 'billing.account.commands',
    originalPartition: 3,
    originalOffset: '42',
    consumerGroup: 'account-ledger.account-commands',
    messageType: 'OpenAccount',
    messageId: 'm-1',
    ...overrides,
  };
}

describe('planReplay', () => {
  it('given a dead letter, then it sends the original value and key to the original topic without dlq-* headers', () => {
    const d = aDeadLetter();
    const { outcomes, messages } = planReplay([d], ['0:1']);
    expect(outcomes).toEqual([
      { id: '0:1', replayed: true, note: 'to billing.account.commands (was billing.account.commands/3@42)' },
    ]);
    expect(messages).toEqual([
      {
        topic: 'billing.account.commands',
        key: 'acc-1',
        value: d.value,
        headers: { 'message-type': 'OpenAccount', 'message-id': 'm-1', traceparent: d.headers.traceparent },
      },
    ]);
  });

  it('given the same id twice, then it is replayed once and the second is refused', () => {
    const { outcomes, messages } = planReplay([aDeadLetter()], ['0:1', '0:1']);
    expect(messages).toHaveLength(1);
    expect(outcomes[1]).toMatchObject({ replayed: false, note: 'named twice in this call; replayed once' });
  });

  it('given two dead letters of one original message (two consumer groups), then it is replayed once', () => {
    const other = aDeadLetter({ id: '1:7', partition: 1, offset: '7', consumerGroup: 'projection-query.x' });
    const { outcomes, messages } = planReplay([aDeadLetter(), other], ['0:1', '1:7']);
    expect(messages).toHaveLength(1);
    expect(outcomes[1]).toMatchObject({ replayed: false });
    expect(outcomes[1]!.note).toContain('as 0:1, replayed once');
  });

  it('given an unknown id, then it is refused and the others still go', () => {
    const { outcomes, messages } = planReplay([aDeadLetter()], ['9:9', '0:1']);
    expect(outcomes.map((o) => o.replayed)).toEqual([false, true]);
    expect(messages).toHaveLength(1);
  });

  it('given an outbox dead letter (a pointer to the refused row), then it is refused', () => {
    const pointer = aDeadLetter({
      errorCode: 'MESSAGE.REFUSED_BY_BROKER',
      originalOffset: null,
      originalPartition: null,
    });
    const { outcomes, messages } = planReplay([pointer], ['0:1']);
    expect(messages).toEqual([]);
    expect(outcomes[0]!.note).toContain('the row is still in the outbox');
  });
});
