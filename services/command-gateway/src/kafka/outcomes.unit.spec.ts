import { fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { OutcomeWaiters, type FollowedEvent } from './outcomes';

const statusOf = (event: FollowedEvent) =>
  event.type === 'TransactionNeedsAttention' || event.type === 'TransactionCompleted'
    ? event.data.status
    : undefined;

describe('OutcomeWaiters', () => {
  it('hands a waiter the needs_attention event of its transaction', async () => {
    const waiters = new OutcomeWaiters();
    const event = fixtures.TransactionNeedsAttention;
    const waiting = waiters.wait(event.data.transactionId, statusOf, 5_000);
    waiters.notify(event);
    await expect(waiting.promise).resolves.toBe('needs_attention');
    expect(waiters.size).toBe(0);
  });

  it('leaves waiters of other transactions waiting', async () => {
    const waiters = new OutcomeWaiters();
    const waiting = waiters.wait('0192f0a0-0000-7000-8000-0000000000aa', statusOf, 50);
    waiters.notify(fixtures.TransactionNeedsAttention);
    await expect(waiting.promise).resolves.toBeNull();
  });
});
