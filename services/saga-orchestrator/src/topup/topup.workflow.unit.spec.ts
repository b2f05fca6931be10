import { describe, expect, it } from 'vitest';
import { decideTopUp, initialTopUpState, type TopUpRequest, type TopUpState } from './topup.workflow';

const AT = '2026-01-01T00:00:00.000Z';
const actor = { kind: 'owner' as const, id: 'alice' };

function aTopUpRequest(overrides: Partial<TopUpRequest> = {}): TopUpRequest {
  return {
    transactionId: '00000000-0000-7000-8000-000000000010',
    idempotencyKey: 'key-00000001',
    requestHash: 'a'.repeat(64),
    sourceAccountId: '00000000-0000-7000-8000-000000000001',
    destinationAccountId: '00000000-0000-7000-8000-000000000002',
    amount: '100.00',
    currency: 'USD',
    ...overrides,
  };
}

const newId = () => '00000000-0000-7000-8000-0000000000cc';

function requested(): TopUpState {
  return decideTopUp(
    { kind: 'requested', request: aTopUpRequest(), actor, at: AT },
    initialTopUpState(),
    newId,
  ).state;
}

describe('top-up workflow', () => {
  it('given no saga, when requested, then it accepts and sends one balanced PostEntry debiting the external account', () => {
    const { state, actions } = decideTopUp(
      { kind: 'requested', request: aTopUpRequest(), actor, at: AT },
      initialTopUpState(),
      newId,
    );
    expect(state).toMatchObject({ status: 'posting', postCommandId: newId() });
    expect(actions.map((a) => a.kind)).toEqual(['publish', 'send']);
    const send = actions.find((a) => a.kind === 'send');
    expect(send).toMatchObject({
      key: aTopUpRequest().sourceAccountId,
      command: {
        transactionType: 'topup',
        postings: [
          { accountId: aTopUpRequest().sourceAccountId, side: 'debit', amount: '100.00' },
          { accountId: aTopUpRequest().destinationAccountId, side: 'credit', amount: '100.00' },
        ],
      },
    });
  });

  it('given a posting saga, when the entry is posted, then it completes and publishes TransactionCompleted', () => {
    const { state, actions } = decideTopUp(
      { kind: 'entry-posted', commandId: newId(), at: AT },
      requested(),
      newId,
    );
    expect(state.status).toBe('completed');
    expect(actions).toContainEqual(
      expect.objectContaining({ kind: 'publish', event: 'TransactionCompleted' }),
    );
    expect(actions).toContainEqual({ kind: 'complete' });
  });

  it('given a posting saga, when the ledger refuses, then it fails with the ledger code as reason', () => {
    const { state, actions } = decideTopUp(
      { kind: 'command-rejected', commandId: newId(), code: 'ACCOUNT.NOT_FOUND', detail: 'gone', at: AT },
      requested(),
      newId,
    );
    expect(state).toMatchObject({ status: 'failed', summary: { reason: { code: 'ACCOUNT.NOT_FOUND' } } });
    expect(actions).toContainEqual(expect.objectContaining({ kind: 'publish', event: 'TransactionFailed' }));
  });

  it('ignores a repeated request with the same body', () => {
    const { actions } = decideTopUp(
      { kind: 'requested', request: aTopUpRequest(), actor, at: AT },
      requested(),
      newId,
    );
    expect(actions).toEqual([{ kind: 'ignore', reason: 'duplicate request' }]);
  });

  it('refuses a reused key with another body without changing the transaction', () => {
    const before = requested();
    const { state, actions } = decideTopUp(
      { kind: 'requested', request: aTopUpRequest({ requestHash: 'b'.repeat(64) }), actor, at: AT },
      before,
      newId,
    );
    expect(state).toBe(before);
    expect(actions).toEqual([
      expect.objectContaining({
        kind: 'refuse-request',
        requestHash: 'b'.repeat(64),
        code: 'IDEMPOTENCY.KEY_REUSED',
      }),
    ]);
  });

  it('ignores an outcome for a command it did not send, and a second outcome after completion', () => {
    expect(
      decideTopUp({ kind: 'entry-posted', commandId: 'other', at: AT }, requested(), newId).actions[0]?.kind,
    ).toBe('ignore');
    const done = decideTopUp({ kind: 'entry-posted', commandId: newId(), at: AT }, requested(), newId).state;
    expect(
      decideTopUp({ kind: 'entry-posted', commandId: newId(), at: AT }, done, newId).actions[0]?.kind,
    ).toBe('ignore');
  });
});
