import { describe, expect, it } from 'vitest';
import { actor, aContext, aRequest, AT } from '../../test/builders';
import type { ActiveSaga, SagaState } from '../workflow/types';
import { decideSingleEntry } from './single-entry.workflow';

const absent: SagaState = { status: 'absent' };

function started(overrides = {}) {
  const ctx = aContext();
  const decision = decideSingleEntry(
    { kind: 'requested', request: aRequest(overrides), actor, at: AT },
    absent,
    ctx,
  );
  return { ctx, decision, saga: decision.state as ActiveSaga };
}

describe('single-entry workflow (top-up, transfer, payment, refund)', () => {
  it.each(['topup', 'transfer', 'payment'] as const)(
    'given no saga, when a %s is requested, then it accepts and sends one balanced PostEntry',
    (type) => {
      const { decision, saga } = started({ type });
      expect(saga).toMatchObject({ status: 'posting', pendingCommandId: expect.any(String) });
      expect(decision.actions.map((a) => a.kind)).toEqual(['publish', 'send', 'schedule']);
      expect(decision.actions[1]).toMatchObject({
        key: aRequest().sourceAccountId,
        command: {
          type: 'PostEntry',
          data: {
            transactionType: type,
            postings: [
              { accountId: aRequest().sourceAccountId, side: 'debit', amount: '100.00' },
              { accountId: aRequest().destinationAccountId, side: 'credit', amount: '100.00' },
            ],
          },
        },
      });
    },
  );

  it('completes when the ledger posts the awaited entry', () => {
    const { saga, ctx } = started();
    const { state, actions } = decideSingleEntry(
      { kind: 'ledger-done', event: 'EntryPosted', commandId: saga.pendingCommandId!, at: AT },
      saga,
      ctx,
    );
    expect(state.status).toBe('completed');
    expect(actions).toContainEqual(
      expect.objectContaining({ kind: 'publish', event: 'TransactionCompleted' }),
    );
  });

  it('fails with the ledger code as the reason when the entry is refused', () => {
    const { saga, ctx } = started({ type: 'transfer' });
    const { state } = decideSingleEntry(
      {
        kind: 'ledger-refused',
        commandId: saga.pendingCommandId!,
        code: 'ACCOUNT.INSUFFICIENT_FUNDS',
        detail: 'no',
        at: AT,
      },
      saga,
      ctx,
    );
    expect(state).toMatchObject({
      status: 'failed',
      summary: { status: 'failed', reason: { code: 'ACCOUNT.INSUFFICIENT_FUNDS' } },
    });
  });

  it('answers a repeated request with the same terms with the transaction as it stands, refuses one with other terms, and leaves the state alone', () => {
    const { saga, ctx } = started();
    const same = decideSingleEntry({ kind: 'requested', request: aRequest(), actor, at: AT }, saga, ctx);
    expect(same).toEqual({
      state: saga,
      actions: [{ kind: 'replay-request', requestHash: saga.requestHash, summary: saga.summary }],
    });
    const other = decideSingleEntry(
      { kind: 'requested', request: aRequest({ requestHash: 'b'.repeat(64) }), actor, at: AT },
      saga,
      ctx,
    );
    expect(other.state).toBe(saga);
    expect(other.actions).toEqual([
      expect.objectContaining({ kind: 'refuse-request', code: 'IDEMPOTENCY.KEY_REUSED' }),
    ]);
  });

  it('ignores outcomes of commands it did not send and outcomes after it finished', () => {
    const { saga, ctx } = started();
    expect(
      decideSingleEntry({ kind: 'ledger-done', event: 'EntryPosted', commandId: 'other', at: AT }, saga, ctx)
        .actions[0]?.kind,
    ).toBe('ignore');
    const done = decideSingleEntry(
      { kind: 'ledger-done', event: 'EntryPosted', commandId: saga.pendingCommandId!, at: AT },
      saga,
      ctx,
    ).state;
    expect(
      decideSingleEntry(
        { kind: 'ledger-done', event: 'EntryPosted', commandId: saga.pendingCommandId!, at: AT },
        done,
        ctx,
      ).actions[0]?.kind,
    ).toBe('ignore');
  });
});
