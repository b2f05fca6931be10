import { describe, expect, it } from 'vitest';
import { actor, aContext, aRequest, AT } from '../../test/builders';
import type { ActiveSaga, Decision, WorkflowContext, WorkflowInput } from '../workflow/types';
import { decideHoldFlow } from './hold-flow.workflow';

const bill = aRequest({
  type: 'bill_payment',
  details: { provider: 'ekedc', meterNumber: '12345678901', billType: 'electricity' },
});

/** Runs a sequence of inputs from an empty saga, returning every decision. */
function run(ctx: WorkflowContext, ...inputs: ((s: ActiveSaga) => WorkflowInput)[]): Decision[] {
  let state = decideHoldFlow({ kind: 'requested', request: bill, actor, at: AT }, { status: 'absent' }, ctx);
  const decisions = [state];
  for (const input of inputs) {
    state = decideHoldFlow(input(state.state as ActiveSaga), state.state, ctx);
    decisions.push(state);
  }
  return decisions;
}

const held = (s: ActiveSaga): WorkflowInput => ({
  kind: 'ledger-done',
  event: 'HoldPlaced',
  commandId: s.pendingCommandId!,
  at: AT,
});
const paid = (): WorkflowInput => ({ kind: 'provider-succeeded', details: { token: '123' }, at: AT });
const refused = (): WorkflowInput => ({
  kind: 'provider-refused',
  code: 'PROVIDER.INVALID_ACCOUNT',
  detail: 'no such meter',
  at: AT,
});
const silent = (): WorkflowInput => ({ kind: 'provider-unavailable', detail: 'timeout', at: AT });
const captured = (s: ActiveSaga): WorkflowInput => ({
  kind: 'ledger-done',
  event: 'HoldCaptured',
  commandId: s.pendingCommandId!,
  at: AT,
});
const released = (s: ActiveSaga): WorkflowInput => ({
  kind: 'ledger-done',
  event: 'HoldReleased',
  commandId: s.pendingCommandId!,
  at: AT,
});

describe('hold workflow (withdrawal, bill payment)', () => {
  it('holds the amount first, with an expiry far beyond the provider attempts', () => {
    const [first] = run(aContext());
    expect(first!.state).toMatchObject({ status: 'holding', holdId: expect.any(String) });
    expect(first!.actions[1]).toMatchObject({
      command: { type: 'PlaceHold', data: { amount: '100.00', expiresAt: '2026-01-01T01:00:00.000Z' } },
    });
  });

  it('calls the provider once the hold is placed (a scheduled task, not a timer)', () => {
    const [, second] = run(aContext(), held);
    expect(second!.state).toMatchObject({ status: 'calling-provider', providerAttempts: 1 });
    expect(second!.actions).toEqual([{ kind: 'schedule', task: 'provider', attempt: 1, dueInMs: 0 }]);
  });

  it('captures into the destination on success, keeps the token, and completes when captured', () => {
    const decisions = run(aContext(), held, paid, captured);
    expect(decisions[2]!.actions[0]).toMatchObject({
      command: { type: 'CaptureHold', data: { creditAccountId: bill.destinationAccountId, amount: null } },
    });
    expect(decisions[3]!.state).toMatchObject({
      status: 'completed',
      summary: { status: 'completed', details: { token: '123', provider: 'ekedc' } },
    });
  });

  it('releases the hold on a provider refusal and ends reversed with the provider code', () => {
    const decisions = run(aContext(), held, refused, released);
    expect(decisions[2]!.actions[0]).toMatchObject({ command: { type: 'ReleaseHold' } });
    expect(decisions[3]!.state).toMatchObject({
      status: 'reversed',
      summary: { reason: { code: 'PROVIDER.INVALID_ACCOUNT' } },
    });
    expect(decisions[3]!.actions).toContainEqual(
      expect.objectContaining({ kind: 'publish', event: 'TransactionReversed' }),
    );
  });

  it('asks again with growing back-off when the provider does not answer, then releases after the last attempt', () => {
    const decisions = run(aContext(), held, silent, silent, silent);
    expect(decisions[2]!.actions).toEqual([{ kind: 'schedule', task: 'provider', attempt: 2, dueInMs: 100 }]);
    expect(decisions[3]!.actions).toEqual([{ kind: 'schedule', task: 'provider', attempt: 3, dueInMs: 200 }]);
    expect(decisions[4]!.state).toMatchObject({
      status: 'releasing',
      releaseReason: { code: 'PROVIDER.TIMEOUT' },
    });
  });

  it('captures when a late success arrives after a timeout, within the attempts', () => {
    const decisions = run(aContext(), held, silent, paid);
    expect(decisions[3]!.state.status).toBe('capturing');
  });

  it('never both charges and reverses: a success after it chose to release is ignored, and the other way round', () => {
    const releasing = run(aContext(), held, refused);
    const late = decideHoldFlow(paid(), releasing[2]!.state, aContext());
    expect(late.actions).toEqual([expect.objectContaining({ kind: 'ignore' })]);
    const capturing = run(aContext(), held, paid);
    expect(decideHoldFlow(refused(), capturing[2]!.state, aContext()).actions).toEqual([
      expect.objectContaining({ kind: 'ignore' }),
    ]);
  });

  it('fails (no provider call) when the hold is refused', () => {
    const ctx = aContext();
    const [first] = run(ctx);
    const saga = first!.state as ActiveSaga;
    const { state } = decideHoldFlow(
      {
        kind: 'ledger-refused',
        commandId: saga.pendingCommandId!,
        code: 'ACCOUNT.INSUFFICIENT_FUNDS',
        detail: 'x',
        at: AT,
      },
      saga,
      ctx,
    );
    expect(state).toMatchObject({
      status: 'failed',
      summary: { reason: { code: 'ACCOUNT.INSUFFICIENT_FUNDS' } },
    });
  });

  it('does not release a hold whose capture the ledger refused after the provider was paid', () => {
    const ctx = aContext();
    const decisions = run(ctx, held, paid);
    const saga = decisions[2]!.state as ActiveSaga;
    const { state, actions } = decideHoldFlow(
      {
        kind: 'ledger-refused',
        commandId: saga.pendingCommandId!,
        code: 'HOLD.EXPIRED',
        detail: 'x',
        at: AT,
      },
      saga,
      ctx,
    );
    expect(state).toMatchObject({ status: 'failed', summary: { reason: { code: 'SAGA.CAPTURE_FAILED' } } });
    expect(actions.some((a) => a.kind === 'send')).toBe(false);
  });
});

describe('step deadlines', () => {
  it('arms a deadline with every ledger command, and sends the same command again when it passes unanswered', () => {
    const ctx = aContext();
    const [first] = run(ctx);
    expect(first!.actions).toContainEqual(
      expect.objectContaining({ kind: 'schedule', task: 'deadline', attempt: 1, dueInMs: 30_000 }),
    );
    const saga = first!.state as ActiveSaga;
    const again = decideHoldFlow(
      { kind: 'step-deadline', commandId: saga.pendingCommandId!, at: AT },
      saga,
      ctx,
    );
    expect(again.actions[0]).toMatchObject({ kind: 'send', command: saga.pendingCommand });
    expect(again.actions[1]).toMatchObject({
      kind: 'schedule',
      task: 'deadline',
      attempt: 2,
      dueInMs: 60_000,
    });
  });

  it('ignores the deadline of a step already answered, and stops resending after the bound', () => {
    const ctx = aContext();
    const decisions = run(ctx, held);
    const firstCommand = (decisions[0]!.state as ActiveSaga).pendingCommandId!;
    expect(
      decideHoldFlow({ kind: 'step-deadline', commandId: firstCommand, at: AT }, decisions[1]!.state, ctx)
        .actions[0]?.kind,
    ).toBe('ignore');
    let state = decisions[0]!.state as ActiveSaga;
    for (let i = 0; i < 2; i++)
      state = decideHoldFlow({ kind: 'step-deadline', commandId: firstCommand, at: AT }, state, ctx)
        .state as ActiveSaga;
    const beyond = decideHoldFlow({ kind: 'step-deadline', commandId: firstCommand, at: AT }, state, ctx);
    expect(beyond.actions).toEqual([expect.objectContaining({ kind: 'ignore' })]);
  });
});
