import { fixtures } from '@billing/contracts/fixtures';
import { uuidv7 } from '@billing/contracts/uuid';
import { describe, expect, it } from 'vitest';
import type { FollowedEvent } from '../kafka/outcomes';
import { ReplayBuffer } from './replay-buffer';

const anEvent = (): FollowedEvent => ({ ...fixtures.TransactionAccepted, messageId: uuidv7() });

describe('the replay buffer for Last-Event-ID', () => {
  it('returns the events after a stored id, oldest first', () => {
    const buffer = new ReplayBuffer(10);
    const [a, b, c] = [anEvent(), anEvent(), anEvent()];
    for (const e of [a, b, c]) buffer.push(e);
    expect(buffer.after(a.messageId)).toEqual([b, c]);
    expect(buffer.after(c.messageId)).toEqual([]);
  });

  it('forgets the oldest events beyond its capacity, and says so for their ids', () => {
    const buffer = new ReplayBuffer(2);
    const [a, b, c] = [anEvent(), anEvent(), anEvent()];
    for (const e of [a, b, c]) buffer.push(e);
    expect(buffer.size).toBe(2);
    expect(buffer.after(a.messageId)).toBeNull();
    expect(buffer.after(b.messageId)).toEqual([c]);
  });

  it('stores an event delivered twice only once', () => {
    const buffer = new ReplayBuffer(10);
    const [a, b] = [anEvent(), anEvent()];
    expect(buffer.push(a)).toBe(true);
    buffer.push(b);
    expect(buffer.push(a)).toBe(false);
    expect(buffer.after(a.messageId)).toEqual([b]);
  });

  it('remembers nothing with capacity zero', () => {
    const buffer = new ReplayBuffer(0);
    const a = anEvent();
    expect(buffer.push(a)).toBe(true);
    expect(buffer.after(a.messageId)).toBeNull();
  });
});
