import { fixtures } from '@billing/contracts/fixtures';
import type { TransactionView } from '@billing/contracts/messages/queries';
import { describe, expect, it } from 'vitest';
import type { FollowedEvent } from '../kafka/outcomes';
import { AccountFactsCache } from './account-facts';
import { orchestratorAnswer } from './movement.service';

const COMMAND = '0192f0a0-0000-7000-8000-0000000000c1';
const OTHER_COMMAND = '0192f0a0-0000-7000-8000-0000000000c2';
const HASH = 'a'.repeat(64);
const summary = fixtures.TransactionAccepted.data;

function event(
  type: 'TransactionAccepted' | 'TransactionCompleted' | 'TransactionFailed',
  causationId: string | null,
  data: Partial<TransactionView> = {},
): FollowedEvent {
  const base = fixtures[type];
  return { ...base, causationId, data: { ...base.data, ...data } } as FollowedEvent;
}

function replayed(hash: string, status: TransactionView['status']): FollowedEvent {
  const base = fixtures.TransactionRequestReplayed;
  return { ...base, data: { requestHash: hash, transaction: { ...summary, status } } } as FollowedEvent;
}

function rejected(hash: string): FollowedEvent {
  const base = fixtures.TransactionRequestRejected;
  return { ...base, data: { ...base.data, requestHash: hash } } as FollowedEvent;
}

describe('orchestratorAnswer (what answers one request among its transaction events)', () => {
  it('answers a request without wait with the acceptance its own command caused', () => {
    const answer = orchestratorAnswer(COMMAND, HASH, false);
    expect(answer.match(event('TransactionAccepted', COMMAND))).toMatchObject({ status: 'pending' });
  });

  it('does not take an acceptance caused by another request for its own', () => {
    // Another request (other terms) took the key first: its acceptance is not this request's answer.
    const answer = orchestratorAnswer(COMMAND, HASH, true);
    expect(answer.match(event('TransactionAccepted', OTHER_COMMAND))).toBeUndefined();
    expect(answer.match(event('TransactionCompleted', null, { status: 'completed' }))).toBeUndefined();
    expect(answer.acknowledged()).toBeNull();
    expect(answer.match(rejected(HASH))).toBe('key-reused');
  });

  it('ignores a refusal of another request with other terms', () => {
    expect(orchestratorAnswer(COMMAND, HASH, true).match(rejected('b'.repeat(64)))).toBeUndefined();
  });

  it('with wait, takes the final state once its request was acknowledged', () => {
    const answer = orchestratorAnswer(COMMAND, HASH, true);
    expect(answer.match(event('TransactionAccepted', COMMAND))).toBeUndefined();
    expect(answer.acknowledged()).toMatchObject({ status: 'pending' });
    expect(answer.match(event('TransactionCompleted', null, { status: 'completed' }))).toMatchObject({
      status: 'completed',
    });
  });

  it('takes a refusal its own command caused as the answer at once', () => {
    const answer = orchestratorAnswer(COMMAND, HASH, true);
    expect(
      answer.match(
        event('TransactionFailed', COMMAND, {
          status: 'failed',
          reason: { code: 'AUTH.FORBIDDEN', detail: 'no' },
        }),
      ),
    ).toMatchObject({ status: 'failed' });
  });

  it('answers a repeat with the transaction as it stands, waiting on when it is pending and wait was asked', () => {
    expect(orchestratorAnswer(COMMAND, HASH, true).match(replayed(HASH, 'completed'))).toMatchObject({
      status: 'completed',
    });
    expect(orchestratorAnswer(COMMAND, HASH, false).match(replayed(HASH, 'pending'))).toMatchObject({
      status: 'pending',
    });
    const waiting = orchestratorAnswer(COMMAND, HASH, true);
    expect(waiting.match(replayed(HASH, 'pending'))).toBeUndefined();
    expect(waiting.acknowledged()).toMatchObject({ status: 'pending' });
    expect(waiting.match(event('TransactionCompleted', null, { status: 'completed' }))).toMatchObject({
      status: 'completed',
    });
    expect(orchestratorAnswer(COMMAND, HASH, true).match(replayed('b'.repeat(64), 'completed'))).toBe(
      undefined,
    );
  });
});

describe('AccountFactsCache', () => {
  const view = (id: string) => ({ id, ownerId: 'user_123', type: 'USER', currency: 'USD' }) as never;

  it('asks once for concurrent misses, remembers found accounts and not missing ones', async () => {
    const asked: string[] = [];
    const cache = new AccountFactsCache(async (id) => {
      asked.push(id);
      return id === 'missing' ? null : view(id);
    }, 10);
    const [a, b] = await Promise.all([cache.get('acc-1'), cache.get('acc-1')]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ id: 'acc-1' });
    await cache.get('acc-1');
    expect(await cache.get('missing')).toBeNull();
    expect(await cache.get('missing')).toBeNull();
    expect(asked).toEqual(['acc-1', 'missing', 'missing']);
  });

  it('forgets the least recently used facts beyond its bound', async () => {
    const asked: string[] = [];
    const cache = new AccountFactsCache(async (id) => {
      asked.push(id);
      return view(id);
    }, 2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is now the most recently used
    await cache.get('c'); // forgets b
    expect(cache.size).toBe(2);
    await cache.get('a');
    await cache.get('b');
    expect(asked).toEqual(['a', 'b', 'c', 'b']);
  });

  it('does not remember an answer that failed', async () => {
    let calls = 0;
    const cache = new AccountFactsCache(async (id) => {
      calls++;
      if (calls === 1) throw new Error('read side away');
      return view(id);
    }, 10);
    await expect(cache.get('a')).rejects.toThrow('read side away');
    expect(await cache.get('a')).toMatchObject({ id: 'a' });
  });
});
