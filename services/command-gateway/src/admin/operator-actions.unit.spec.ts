import { fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { operatorAnswer, operatorRequestHash, operatorRequestIdFor } from './operator-actions';

const admin = { kind: 'admin' as const, id: 'ops-1' };
const commandId = '0192f0a0-0000-7000-8000-0000000000c1';
const caused = <T extends { causationId: string | null }>(event: T): T => ({
  ...event,
  causationId: commandId,
});

describe('operator requests at the gateway', () => {
  it('names one request per admin, key and transaction, and its terms by action and note', () => {
    const tx = fixtures.RetryTransactionStep.data.transactionId;
    expect(operatorRequestIdFor(admin, 'key-00000001', tx)).toBe(
      operatorRequestIdFor(admin, 'key-00000001', tx),
    );
    expect(operatorRequestIdFor(admin, 'key-00000001', tx)).not.toBe(
      operatorRequestIdFor({ kind: 'admin', id: 'ops-2' }, 'key-00000001', tx),
    );
    expect(operatorRequestHash('flag', 'a')).not.toBe(operatorRequestHash('flag', 'b'));
    expect(operatorRequestHash('retry', null)).not.toBe(operatorRequestHash('clear', null));
  });

  it('takes only the answer this command caused, or the replay of this request id', () => {
    const requestId = fixtures.TransactionActionReplayed.data.record.requestId;
    const match = operatorAnswer(commandId, requestId);
    expect(match(fixtures.TransactionStepRetried)).toBeUndefined();
    expect(match(caused(fixtures.TransactionStepRetried))).toMatchObject({
      kind: 'done',
      result: { action: 'retry', outcome: 'retried', step: 'PlaceHold', replayed: false },
    });
    expect(match(caused(fixtures.TransactionInvestigationFlagged))).toMatchObject({
      result: { outcome: 'flagged', note: fixtures.TransactionInvestigationFlagged.data.note },
    });
    expect(match(caused(fixtures.TransactionInvestigationCleared))).toMatchObject({
      result: { outcome: 'cleared' },
    });
    expect(match(caused(fixtures.TransactionActionRefused))).toEqual({
      kind: 'refused',
      code: 'TRANSACTION.NOT_RETRYABLE',
      detail: fixtures.TransactionActionRefused.data.detail,
    });
    expect(match(fixtures.TransactionActionReplayed)).toMatchObject({
      kind: 'done',
      result: { outcome: 'retried', replayed: true },
    });
    expect(operatorAnswer(commandId, commandId)(fixtures.TransactionActionReplayed)).toBeUndefined();
    // A money movement's events are not an operator's answer.
    expect(match(caused(fixtures.TransactionCompleted))).toBeUndefined();
  });

  it('answers a replayed refusal as the refusal it was', () => {
    const record = { ...fixtures.TransactionActionReplayed.data.record, outcome: 'refused' as const };
    const replay = {
      ...fixtures.TransactionActionReplayed,
      data: {
        ...fixtures.TransactionActionReplayed.data,
        record: { ...record, code: 'AUTH.FORBIDDEN' as const, detail: 'no' },
      },
    };
    expect(operatorAnswer(commandId, record.requestId)(replay)).toEqual({
      kind: 'refused',
      code: 'AUTH.FORBIDDEN',
      detail: 'no',
    });
  });
});
