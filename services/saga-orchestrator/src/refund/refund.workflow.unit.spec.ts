import { describe, expect, it } from 'vitest';
import { actor, aContext, aRequest, AT } from '../../test/builders';
import type { ActiveSaga, Decision, RefundReservation, WorkflowInput } from '../workflow/types';
import { decideRefund } from './refund.workflow';

const payment = '00000000-0000-7000-8000-0000000000cc';
const refund = aRequest({ type: 'refund', originalTransactionId: payment, amount: '10.00' });

function started() {
  const ctx = aContext();
  const d = decideRefund({ kind: 'requested', request: refund, actor, at: AT }, { status: 'absent' }, ctx);
  return { ctx, d };
}
const placed =
  (reservation: RefundReservation) =>
  (s: ActiveSaga): WorkflowInput => ({
    kind: 'ledger-done',
    event: 'HoldPlaced',
    commandId: s.pendingCommandId!,
    at: AT,
    refund: reservation,
  });
const done =
  (event: 'HoldCaptured' | 'HoldReleased') =>
  (s: ActiveSaga): WorkflowInput => ({ kind: 'ledger-done', event, commandId: s.pendingCommandId!, at: AT });
const refused = (s: ActiveSaga): WorkflowInput => ({
  kind: 'ledger-refused',
  commandId: s.pendingCommandId!,
  code: 'ACCOUNT.INACTIVE',
  detail: 'x',
  at: AT,
});

function step(d: Decision, ctx: ReturnType<typeof aContext>, input: (s: ActiveSaga) => WorkflowInput) {
  return decideRefund(input(d.state as ActiveSaga), d.state, ctx);
}

describe('refund workflow', () => {
  it('holds on the merchant first, crediting the customer, before anything is reserved', () => {
    const { d } = started();
    expect(d.state).toMatchObject({ status: 'holding', flow: 'refund' });
    expect((d.state as ActiveSaga).refundReserved).toBeFalsy();
    expect(d.actions[1]).toMatchObject({
      actor,
      command: {
        type: 'PlaceHold',
        data: {
          accountId: refund.sourceAccountId,
          creditAccountId: refund.destinationAccountId,
          transactionType: 'refund',
        },
      },
    });
    expect(d.actions.some((a) => a.kind === 'release-refund')).toBe(false);
  });

  it('fails with the ledger code when the hold is refused (not authorized), with nothing to give back', () => {
    const { d, ctx } = started();
    const failed = step(d, ctx, (s) => ({ ...refused(s), code: 'AUTH.FORBIDDEN' }) as WorkflowInput);
    expect(failed.state).toMatchObject({ status: 'failed', summary: { reason: { code: 'AUTH.FORBIDDEN' } } });
    expect(failed.actions.some((a) => a.kind === 'release-refund')).toBe(false);
  });

  it('captures once the reservation is made, and completes', () => {
    const { d, ctx } = started();
    const capturing = step(d, ctx, placed({ reserved: true }));
    expect(capturing.state).toMatchObject({ status: 'capturing', refundReserved: true });
    expect(capturing.actions[0]).toMatchObject({ command: { type: 'CaptureHold' } });
    expect(step(capturing, ctx, done('HoldCaptured')).state).toMatchObject({ status: 'completed' });
  });

  it('releases the hold and fails with REFUND.EXCEEDS_ORIGINAL when the reservation is refused', () => {
    const { d, ctx } = started();
    const releasing = step(
      d,
      ctx,
      placed({ reserved: false, code: 'REFUND.EXCEEDS_ORIGINAL', detail: 'too much' }),
    );
    expect(releasing.actions[0]).toMatchObject({ command: { type: 'ReleaseHold' } });
    const failed = step(releasing, ctx, done('HoldReleased'));
    expect(failed.state).toMatchObject({
      status: 'failed',
      summary: { reason: { code: 'REFUND.EXCEEDS_ORIGINAL' } },
    });
    expect(failed.actions.some((a) => a.kind === 'release-refund')).toBe(false);
  });

  it('gives the reservation back when a reserved refund cannot be captured', () => {
    const { d, ctx } = started();
    const capturing = step(d, ctx, placed({ reserved: true }));
    const releasing = step(capturing, ctx, refused);
    const failed = step(releasing, ctx, done('HoldReleased'));
    expect(failed.state).toMatchObject({
      status: 'failed',
      summary: { reason: { code: 'ACCOUNT.INACTIVE' } },
    });
    expect(failed.actions).toContainEqual({
      kind: 'release-refund',
      originalTransactionId: payment,
      amount: '10.00',
    });
  });
});
