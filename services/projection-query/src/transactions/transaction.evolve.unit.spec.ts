import { describe, expect, it } from 'vitest';
import { aSummary } from '../../test/builders';
import { evolveTransaction } from './transaction.evolve';

const H1 = '001767225600000.00001.saga-1';
const H2 = '001767225600001.00000.saga-1';
const H3 = '001767225600002.00000.saga-1';

describe('evolveTransaction', () => {
  const accepted = aSummary({ createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });

  it('given nothing, when accepted, then the view is pending and unfinished', () => {
    expect(evolveTransaction(null, accepted, H1)).toMatchObject({
      status: 'pending',
      finishedAt: null,
      lastHlc: H1,
    });
  });

  it('given a pending view, when completed, then it is completed and finished at the event time', () => {
    const pending = evolveTransaction(null, accepted, H1);
    const done = evolveTransaction(
      pending,
      { ...accepted, status: 'completed', updatedAt: '2026-01-01T00:00:01Z' },
      H2,
    );
    expect(done).toMatchObject({
      status: 'completed',
      finishedAt: '2026-01-01T00:00:01.000Z',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('given a completed view, when an older event is republished, then nothing changes', () => {
    const done = evolveTransaction(null, { ...accepted, status: 'completed' }, H2);
    expect(evolveTransaction(done, accepted, H1)).toBeNull();
    expect(evolveTransaction(done, { ...accepted, status: 'completed' }, H2)).toBeNull();
  });

  it('keeps the payment a refund refers to', () => {
    const refund = aSummary({ type: 'refund', originalTransactionId: accepted.transactionId });
    expect(evolveTransaction(null, refund, H1)?.originalTransactionId).toBe(accepted.transactionId);
  });

  it('given a pending view, when it needs attention, then it shows that and the reason, and is not finished', () => {
    const pending = evolveTransaction(null, accepted, H1);
    const reason = {
      code: 'SAGA.CAPTURE_FAILED' as const,
      detail: 'the provider paid; the capture was refused',
    };
    expect(evolveTransaction(pending, { ...accepted, status: 'needs_attention', reason }, H2)).toMatchObject({
      status: 'needs_attention',
      reason,
      finishedAt: null,
    });
  });

  it('given a view that needs attention, when a later final event arrives, then the final one wins', () => {
    const attention = evolveTransaction(null, { ...accepted, status: 'needs_attention' }, H2);
    const done = evolveTransaction(
      attention,
      { ...accepted, status: 'completed', updatedAt: '2026-01-01T00:00:05Z' },
      H3,
    );
    expect(done).toMatchObject({ status: 'completed', finishedAt: '2026-01-01T00:00:05.000Z' });
    // The needs_attention event again, redelivered after the completion: nothing changes.
    expect(evolveTransaction(done, { ...accepted, status: 'needs_attention' }, H2)).toBeNull();
  });

  it('given a reversed view, when a provider success arrives late and it needs attention, then it is open again', () => {
    const reversed = evolveTransaction(null, { ...accepted, status: 'reversed' }, H1);
    expect(reversed?.finishedAt).not.toBeNull();
    expect(evolveTransaction(reversed, { ...accepted, status: 'needs_attention' }, H2)).toMatchObject({
      status: 'needs_attention',
      finishedAt: null,
    });
  });
});
