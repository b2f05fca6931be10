import type { FollowedEvent } from '../kafka/outcomes';

/**
 * The most recent events this replica saw on its live feed, oldest first, for streams resuming with
 * Last-Event-ID. It is a fixed-size ring: memory is bounded, and an id that has fallen out of it can no
 * longer be resumed from here (the client reads what it missed from the GET history routes).
 */
export class ReplayBuffer<T extends { readonly messageId: string } = FollowedEvent> {
  private readonly ring: (T | undefined)[];
  /** messageId -> the sequence number it was stored under; sequence numbers only grow. */
  private readonly positions = new Map<string, number>();
  private nextSequence = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return Math.min(this.nextSequence, this.capacity);
  }

  /**
   * Stores an event; returns false for one already stored, since the feed is at-least-once and the same
   * message may be delivered again after a rebalance.
   */
  push(event: T): boolean {
    if (this.positions.has(event.messageId)) return false;
    if (this.capacity === 0) return true;
    const slot = this.nextSequence % this.capacity;
    const evicted = this.ring[slot];
    if (evicted) this.positions.delete(evicted.messageId);
    this.ring[slot] = event;
    this.positions.set(event.messageId, this.nextSequence);
    this.nextSequence += 1;
    return true;
  }

  /** The stored events after the one with `messageId`, oldest first; null when that id is not stored. */
  after(messageId: string): T[] | null {
    const position = this.positions.get(messageId);
    if (position === undefined) return null;
    const events: T[] = [];
    for (let sequence = position + 1; sequence < this.nextSequence; sequence += 1) {
      const event = this.ring[sequence % this.capacity];
      if (event) events.push(event);
    }
    return events;
  }
}
