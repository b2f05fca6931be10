import type { Actor } from '@billing/contracts/envelope';
import { describe, expect, it } from 'vitest';
import { actor, aContext, aRequest, AT } from '../../test/builders';
import { decide } from './decide';
import type {
  ActiveSaga,
  Decision,
  OperatorRequest,
  SagaState,
  WorkflowContext,
  WorkflowInput,
} from './types';

const admin = { kind: 'admin' as const, id: 'ops-1' };
const LATER = '2026-01-01T00:10:00.000Z';
const transfer = aRequest({ type: 'transfer' });
const bill = aRequest({
  type: 'bill_payment',
  details: { provider: 'ekedc', meterNumber: '12345678901', billType: 'electricity' },
});

function started(ctx: WorkflowContext, request = transfer): ActiveSaga {
  return decide({ kind: 'requested', request, actor, at: AT }, { status: 'absent' }, ctx).state as ActiveSaga;
}

let requests = 0;
function op(
  action: 'retry' | { flag: string } | { clear: string | null },
  overrides: Partial<OperatorRequest> = {},
): OperatorRequest {
  requests += 1;
  const base = {
    transactionId: transfer.transactionId,
    requestId: `00000000-0000-7000-8000-${String(900 + requests).padStart(12, '0')}`,
    requestHash: 'e'.repeat(64),
  };
  if (action === 'retry') return { ...base, action: 'retry', ...overrides } as OperatorRequest;
  if ('flag' in action)
    return { ...base, action: 'flag', note: action.flag, ...overrides } as OperatorRequest;
  return { ...base, action: 'clear', note: action.clear, ...overrides } as OperatorRequest;
}

function ask(state: SagaState, request: OperatorRequest, ctx: WorkflowContext, who: Actor = admin): Decision {
  const input: WorkflowInput = { kind: 'operator', request, actor: who, at: LATER };
  return decide(input, state, ctx);
}

const eventOf = (d: Decision) => {
  const action = d.actions.find((a) => a.kind === 'operator-event');
  return action?.kind === 'operator-event' ? action.event : undefined;
};

describe('operator requests, decided by the saga', () => {
  it('given a saga waiting on its ledger step, when an admin retries, then the same command is sent again under its own id and step with its deadline re-armed', () => {
    const ctx = aContext();
    const waiting: ActiveSaga = { ...started(ctx), resends: 2 };
    const pending = waiting.pendingCommand!;
    const d = ask(waiting, op('retry'), ctx);
    expect(d.actions[0]).toEqual({ kind: 'send', key: transfer.sourceAccountId, command: pending, actor });
    expect(d.actions[1]).toEqual({
      kind: 'schedule',
      task: 'deadline',
      commandId: pending.data.commandId,
      attempt: 1,
      dueInMs: ctx.settings.stepDeadlineMs,
    });
    expect(eventOf(d)).toMatchObject({
      type: 'TransactionStepRetried',
      data: {
        step: 'PostEntry post',
        commandId: pending.data.commandId,
        status: 'pending',
        requestedBy: admin,
      },
    });
    const next = d.state as ActiveSaga;
    // The resends start again from zero, and the command is the one the ledger may already have applied.
    expect(next).toMatchObject({
      resends: 0,
      pendingCommandId: waiting.pendingCommandId,
      pendingCommand: pending,
    });
  });

  it('given a retry repeated with the same request id and terms, then the first answer is replayed and nothing is sent', () => {
    const ctx = aContext();
    const request = op('retry');
    const first = ask(started(ctx), request, ctx);
    const again = ask(first.state, request, ctx);
    expect(again.state).toBe(first.state);
    expect(again.actions).toHaveLength(1);
    expect(eventOf(again)).toMatchObject({
      type: 'TransactionActionReplayed',
      data: { record: { requestId: request.requestId, outcome: 'retried', step: 'PostEntry post' } },
    });
  });

  it('given the same request id with other terms, then it is refused as a reused key and changes nothing', () => {
    const ctx = aContext();
    const request = op({ flag: 'look at this' });
    const first = ask(started(ctx), request, ctx);
    const other = ask(first.state, { ...request, requestHash: 'f'.repeat(64) }, ctx);
    expect(other.state).toBe(first.state);
    expect(eventOf(other)).toMatchObject({
      type: 'TransactionActionRefused',
      data: { code: 'IDEMPOTENCY.KEY_REUSED' },
    });
  });

  it.each(['completed', 'failed', 'reversed'] as const)(
    'given a %s saga, when an admin retries, then it is refused as not retryable and nothing is sent',
    (status) => {
      const ctx = aContext();
      const done: ActiveSaga = { ...started(ctx), status, pendingCommandId: null, pendingCommand: null };
      const request = op('retry');
      const d = ask(done, request, ctx);
      expect(d.actions.map((a) => a.kind)).toEqual(['operator-event']);
      expect(eventOf(d)).toMatchObject({
        type: 'TransactionActionRefused',
        data: { action: 'retry', code: 'TRANSACTION.NOT_RETRYABLE', detail: expect.stringContaining(status) },
      });
      // Remembered, so that the same request repeated is refused the same way.
      const again = ask(d.state, request, ctx);
      expect(eventOf(again)).toMatchObject({
        type: 'TransactionActionReplayed',
        data: { record: { outcome: 'refused' } },
      });
    },
  );

  it('given no saga, when an admin retries or flags, then it is refused as not found', () => {
    const ctx = aContext();
    for (const request of [op('retry'), op({ flag: 'x' })]) {
      const d = ask({ status: 'absent' }, request, ctx);
      expect(d.state).toEqual({ status: 'absent' });
      expect(eventOf(d)).toMatchObject({
        type: 'TransactionActionRefused',
        data: { code: 'TRANSACTION.NOT_FOUND' },
      });
    }
  });

  it('given an owner (or any non-admin), when it retries or flags, then it is refused as forbidden', () => {
    const ctx = aContext();
    const saga = started(ctx);
    for (const request of [op('retry'), op({ flag: 'x' }), op({ clear: null })]) {
      const d = ask(saga, request, ctx, actor);
      expect(d.actions.map((a) => a.kind)).toEqual(['operator-event']);
      expect(eventOf(d)).toMatchObject({
        type: 'TransactionActionRefused',
        data: { code: 'AUTH.FORBIDDEN' },
      });
    }
  });

  it('given a hold flow calling its provider, when an admin retries, then the scheduled provider attempt is made due now', () => {
    const ctx = aContext();
    const holding = started(ctx, bill);
    const calling = decide(
      { kind: 'ledger-done', event: 'HoldPlaced', commandId: holding.pendingCommandId!, at: AT },
      holding,
      ctx,
    ).state;
    const d = ask(calling, op('retry'), ctx);
    expect(d.actions[0]).toEqual({ kind: 'expedite', task: 'provider' });
    expect(eventOf(d)).toMatchObject({ data: { step: 'provider attempt 1', commandId: null } });
  });

  it('given a refused capture with retries left, then its scheduled retry is made due now; with none left, one more capture goes out under a new step', () => {
    const ctx = aContext();
    const base: ActiveSaga = {
      ...started(ctx, bill),
      status: 'capturing',
      pendingCommandId: null,
      pendingCommand: null,
      providerPaid: true,
      captureAttempts: 1,
      attention: { code: 'SAGA.CAPTURE_FAILED', detail: 'refused' },
    };
    expect(ask(base, op('retry'), ctx).actions[0]).toEqual({ kind: 'expedite', task: 'capture-retry' });
    const exhausted = { ...base, captureAttempts: ctx.settings.captureRetriesMax + 1 };
    const d = ask(exhausted, op('retry'), ctx);
    expect(d.actions[0]).toMatchObject({
      kind: 'send',
      command: { type: 'CaptureHold', data: { step: `capture-${ctx.settings.captureRetriesMax + 2}` } },
    });
    expect(eventOf(d)).toMatchObject({ data: { status: 'needs_attention' } });
  });

  it('given a void whose attempts ran out, then one more void is scheduled now; a paid-after-release saga has nothing to retry', () => {
    const ctx = aContext();
    const voiding: ActiveSaga = {
      ...started(ctx, bill),
      status: 'voiding',
      pendingCommandId: null,
      pendingCommand: null,
      voidAttempts: ctx.settings.voidAttemptsMax,
      attention: { code: 'PROVIDER.UNKNOWN_OUTCOME', detail: 'unknown' },
    };
    expect(ask(voiding, op('retry'), ctx).actions[0]).toEqual({
      kind: 'schedule',
      task: 'void',
      attempt: ctx.settings.voidAttemptsMax,
      dueInMs: 0,
    });
    const settled: ActiveSaga = {
      ...voiding,
      status: 'needs_attention',
      attention: { code: 'PROVIDER.PAID_AFTER_RELEASE', detail: 'paid' },
    };
    expect(eventOf(ask(settled, op('retry'), ctx))).toMatchObject({
      data: { code: 'TRANSACTION.NOT_RETRYABLE', detail: expect.stringContaining('settle it by hand') },
    });
  });

  it('flags with a note and the actor whatever the status, replaces the note when flagged again, and clears once', () => {
    const ctx = aContext();
    const done: ActiveSaga = {
      ...started(ctx),
      status: 'completed',
      pendingCommandId: null,
      pendingCommand: null,
    };
    const flagged = ask(done, op({ flag: 'customer disputes it' }), ctx);
    expect((flagged.state as ActiveSaga).investigation).toEqual({
      note: 'customer disputes it',
      flaggedBy: admin,
      flaggedAt: LATER,
    });
    expect(eventOf(flagged)).toMatchObject({
      type: 'TransactionInvestigationFlagged',
      data: { note: 'customer disputes it', flaggedBy: admin, flaggedAt: LATER },
    });
    // Flagging changes nothing the money depends on.
    expect((flagged.state as ActiveSaga).status).toBe('completed');
    expect(flagged.actions.map((a) => a.kind)).toEqual(['operator-event']);
    const again = ask(flagged.state, op({ flag: 'and the bank too' }), ctx);
    expect((again.state as ActiveSaga).investigation?.note).toBe('and the bank too');
    const cleared = ask(again.state, op({ clear: 'resolved with the customer' }), ctx);
    expect((cleared.state as ActiveSaga).investigation).toBeNull();
    expect(eventOf(cleared)).toMatchObject({
      type: 'TransactionInvestigationCleared',
      data: { note: 'resolved with the customer', clearedBy: admin },
    });
    expect(eventOf(ask(cleared.state, op({ clear: null }), ctx))).toMatchObject({
      type: 'TransactionActionRefused',
      data: { code: 'INVESTIGATION.NOT_FLAGGED' },
    });
  });

  it('keeps the flag when the saga finishes afterwards', () => {
    const ctx = aContext();
    const saga = started(ctx);
    const flagged = ask(saga, op({ flag: 'watch it' }), ctx).state as ActiveSaga;
    const done = decide(
      { kind: 'ledger-done', event: 'EntryPosted', commandId: flagged.pendingCommandId!, at: LATER },
      flagged,
      ctx,
    ).state as ActiveSaga;
    expect(done.status).toBe('completed');
    expect(done.investigation?.note).toBe('watch it');
  });

  it('remembers a bounded number of requests', () => {
    const ctx = aContext();
    let state: SagaState = started(ctx);
    for (let i = 0; i < 60; i++) state = ask(state, op({ flag: `note ${i}` }), ctx).state;
    expect((state as ActiveSaga).operatorRequests).toHaveLength(50);
  });
});
