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
const voided = (): WorkflowInput => ({ kind: 'void-answered', outcome: 'voided', at: AT });
const voidSaysPaid = (): WorkflowInput => ({
  kind: 'void-answered',
  outcome: 'paid',
  details: { token: '9' },
  at: AT,
});
const voidUnknown = (): WorkflowInput => ({
  kind: 'void-answered',
  outcome: 'unknown',
  detail: '503',
  at: AT,
});
const expired = (s: ActiveSaga): WorkflowInput => ({ kind: 'hold-expired', holdId: s.holdId!, at: AT });
const captureRefused =
  (code: 'ACCOUNT.INACTIVE' | 'ACCOUNT.LIMIT_EXCEEDED' | 'HOLD.EXPIRED') =>
  (s: ActiveSaga): WorkflowInput => ({
    kind: 'ledger-refused',
    commandId: s.pendingCommandId!,
    code,
    detail: 'refused',
    at: AT,
  });
const released = (s: ActiveSaga): WorkflowInput => ({
  kind: 'ledger-done',
  event: 'HoldReleased',
  commandId: s.pendingCommandId!,
  at: AT,
});

describe('hold workflow (withdrawal, bill payment, collection)', () => {
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

  it('asks again with growing back-off when the provider does not answer, then asks it to void instead of releasing', () => {
    const decisions = run(aContext(), held, silent, silent, silent);
    expect(decisions[2]!.actions).toEqual([{ kind: 'schedule', task: 'provider', attempt: 2, dueInMs: 100 }]);
    expect(decisions[3]!.actions).toEqual([{ kind: 'schedule', task: 'provider', attempt: 3, dueInMs: 200 }]);
    expect(decisions[4]!.state).toMatchObject({ status: 'voiding', voidAttempts: 1 });
    expect(decisions[4]!.actions).toEqual([{ kind: 'schedule', task: 'void', attempt: 1, dueInMs: 0 }]);
    expect(
      decisions.flatMap((d) => d.actions).some((a) => a.kind === 'send' && a.command.type === 'ReleaseHold'),
    ).toBe(false);
  });

  it('releases only once the provider confirmed the void, and ends reversed with PROVIDER.TIMEOUT', () => {
    const decisions = run(aContext(), held, silent, silent, silent, voided, released);
    expect(decisions[5]!.actions[0]).toMatchObject({ command: { type: 'ReleaseHold' } });
    expect(decisions[6]!.state).toMatchObject({
      status: 'reversed',
      summary: { reason: { code: 'PROVIDER.TIMEOUT' } },
    });
  });

  it('captures when the void answers that the provider had paid after all', () => {
    const decisions = run(aContext(), held, silent, silent, silent, voidSaysPaid);
    expect(decisions[5]!.state).toMatchObject({ status: 'capturing', providerPaid: true });
    expect(decisions[5]!.actions[0]).toMatchObject({
      command: { type: 'CaptureHold', data: { step: 'capture' } },
    });
  });

  it('keeps the hold and says it needs attention when the void is not answered either, once, up to a bound', () => {
    const decisions = run(
      aContext(),
      held,
      silent,
      silent,
      silent,
      voidUnknown,
      voidUnknown,
      voidUnknown,
      voidUnknown,
    );
    const announced = decisions.flatMap((d) => d.actions).filter((a) => a.kind === 'publish');
    expect(
      announced.filter((a) => a.kind === 'publish' && a.event === 'TransactionNeedsAttention'),
    ).toHaveLength(1);
    expect(decisions[5]!.state).toMatchObject({ attention: { code: 'PROVIDER.UNKNOWN_OUTCOME' } });
    expect(decisions[5]!.actions).toContainEqual({
      kind: 'schedule',
      task: 'void',
      attempt: 2,
      dueInMs: 100,
    });
    // voidAttemptsMax is 3: the third unknown answer schedules nothing more; a person takes over.
    expect(decisions[7]!.actions.some((a) => a.kind === 'schedule')).toBe(false);
    expect(
      decisions.flatMap((d) => d.actions).some((a) => a.kind === 'send' && a.command.type === 'ReleaseHold'),
    ).toBe(false);
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

  it('never releases after the provider paid: a refused capture is retried with a new step and escalated once', () => {
    const ctx = aContext();
    const decisions = run(ctx, held, paid, captureRefused('ACCOUNT.INACTIVE'));
    const refusedCapture = decisions[3]!;
    expect(refusedCapture.state).toMatchObject({
      status: 'capturing',
      captureAttempts: 1,
      attention: { code: 'SAGA.CAPTURE_FAILED' },
    });
    expect(refusedCapture.actions).toEqual([
      { kind: 'schedule', task: 'capture-retry', attempt: 1, dueInMs: 100 },
      expect.objectContaining({ kind: 'publish', event: 'TransactionNeedsAttention' }),
    ]);
    const retry = decideHoldFlow({ kind: 'capture-retry', attempt: 1, at: AT }, refusedCapture.state, ctx);
    expect(retry.actions[0]).toMatchObject({ command: { type: 'CaptureHold', data: { step: 'capture-2' } } });
    const again = decideHoldFlow(
      captureRefused('ACCOUNT.INACTIVE')(retry.state as ActiveSaga),
      retry.state,
      ctx,
    );
    expect(again.actions.filter((a) => a.kind === 'publish')).toHaveLength(0);
    const done = decideHoldFlow(captured(retry.state as ActiveSaga), retry.state, ctx);
    expect(done.state).toMatchObject({ status: 'completed', attention: null });
    const all = [...decisions, retry, again, done].flatMap((d) => d.actions);
    expect(all.some((a) => a.kind === 'send' && a.command.type === 'ReleaseHold')).toBe(false);
  });

  it('stops retrying a refused capture after the bound but still never releases', () => {
    const ctx = aContext();
    let d = run(ctx, held, paid, captureRefused('ACCOUNT.INACTIVE'))[3]!;
    for (let attempt = 1; attempt <= 2; attempt++) {
      d = decideHoldFlow({ kind: 'capture-retry', attempt, at: AT }, d.state, ctx);
      d = decideHoldFlow(captureRefused('ACCOUNT.LIMIT_EXCEEDED')(d.state as ActiveSaga), d.state, ctx);
    }
    expect(d.state).toMatchObject({ captureAttempts: 3, attention: { code: 'SAGA.CAPTURE_FAILED' } });
    expect(d.actions.some((a) => a.kind === 'schedule' || a.kind === 'send')).toBe(false);
  });

  it('asks a person when the paid hold can no longer be captured (it is gone), without retrying or releasing', () => {
    const decisions = run(aContext(), held, paid, captureRefused('HOLD.EXPIRED'));
    expect(decisions[3]!.state).toMatchObject({
      status: 'needs_attention',
      attention: { code: 'PROVIDER.PAID_AFTER_RELEASE' },
    });
    expect(decisions[3]!.actions.some((a) => a.kind === 'send' || a.kind === 'schedule')).toBe(false);
  });

  it('reacts to a hold the sweep released while the provider was being called: void first, then end reversed', () => {
    const decisions = run(aContext(), held, expired, voided);
    expect(decisions[2]!.state).toMatchObject({ status: 'voiding', holdGone: true });
    expect(decisions[2]!.actions).toEqual([{ kind: 'schedule', task: 'void', attempt: 1, dueInMs: 0 }]);
    expect(decisions[3]!.state).toMatchObject({
      status: 'reversed',
      summary: { reason: { code: 'HOLD.EXPIRED' } },
    });
    // The hold is already gone: nothing is sent to the ledger.
    expect(decisions[3]!.actions.some((a) => a.kind === 'send')).toBe(false);
  });

  it('records a provider success learned of after the hold was released as a reconciliation case', () => {
    const decisions = run(aContext(), held, expired, paid);
    expect(decisions[3]!.state).toMatchObject({
      status: 'needs_attention',
      providerPaid: true,
      attention: { code: 'PROVIDER.PAID_AFTER_RELEASE' },
    });
    expect(decisions[3]!.actions).toEqual([
      expect.objectContaining({
        kind: 'publish',
        event: 'TransactionNeedsAttention',
        summary: expect.objectContaining({ status: 'needs_attention' }),
      }),
    ]);
  });

  it('names the credited account in the hold, so the ledger checks it before any provider call', () => {
    const [first] = run(aContext());
    expect(first!.actions[1]).toMatchObject({
      command: { type: 'PlaceHold', data: { creditAccountId: bill.destinationAccountId } },
    });
  });
});

describe("an owner's top-up (a collection by the funding provider)", () => {
  const funding = { method: 'card' as const, sourceReference: 'tok_visa_4242' };
  const topUp = aRequest({
    type: 'topup',
    funding,
    details: { fundingMethod: 'card', fundingSourceReference: 'tok_visa_4242' },
  });

  it('holds on the funding account, crediting the owner, and collects through the funding provider', () => {
    const ctx = aContext();
    const first = decideHoldFlow(
      { kind: 'requested', request: topUp, actor, at: AT },
      { status: 'absent' },
      ctx,
    );
    expect(first.state).toMatchObject({ provider: 'collection' });
    expect(first.actions[1]).toMatchObject({
      actor,
      command: {
        type: 'PlaceHold',
        data: {
          accountId: topUp.sourceAccountId,
          creditAccountId: topUp.destinationAccountId,
          transactionType: 'topup',
        },
      },
    });
  });

  it('ends failed (not reversed) with PROVIDER.DECLINED when the collection is declined', () => {
    const ctx = aContext();
    let d = decideHoldFlow({ kind: 'requested', request: topUp, actor, at: AT }, { status: 'absent' }, ctx);
    d = decideHoldFlow(held(d.state as ActiveSaga), d.state, ctx);
    d = decideHoldFlow(
      { kind: 'provider-refused', code: 'PROVIDER.DECLINED', detail: 'declined', at: AT },
      d.state,
      ctx,
    );
    d = decideHoldFlow(released(d.state as ActiveSaga), d.state, ctx);
    expect(d.state).toMatchObject({ status: 'failed', summary: { reason: { code: 'PROVIDER.DECLINED' } } });
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
