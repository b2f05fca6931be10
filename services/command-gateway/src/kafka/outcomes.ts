import type { TopicMessage } from '@billing/contracts/catalog';

export type FollowedEvent = TopicMessage<'ledgerEvents'> | TopicMessage<'transactionEvents'>;

type Listener = (event: FollowedEvent) => void;

/**
 * Requests waiting for an outcome (Prefer: wait, account confirmation) register here before their
 * command is sent; the live feed delivers every event to the listeners of the ids it concerns.
 */
export class OutcomeWaiters {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly waitersMax: number;

  constructor(waitersMax = 10_000) {
    this.waitersMax = waitersMax;
  }

  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /**
   * Resolves with the first event under `key` that `match` accepts, or null after `timeoutMs`. Returns at
   * once with null when too many requests already wait, so waiting can never exhaust memory.
   */
  wait<T>(
    key: string,
    match: (event: FollowedEvent) => T | undefined,
    timeoutMs: number,
  ): { promise: Promise<T | null>; cancel(): void } {
    if (timeoutMs <= 0 || this.size >= this.waitersMax)
      return { promise: Promise.resolve(null), cancel: () => {} };
    let cancel = () => {};
    const promise = new Promise<T | null>((resolve) => {
      const set = this.listeners.get(key) ?? new Set<Listener>();
      this.listeners.set(key, set);
      const finish = (value: T | null) => {
        clearTimeout(timer);
        set.delete(listener);
        if (set.size === 0) this.listeners.delete(key);
        resolve(value);
      };
      const listener: Listener = (event) => {
        const found = match(event);
        if (found !== undefined) finish(found);
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      set.add(listener);
      cancel = () => finish(null);
    });
    return { promise, cancel };
  }

  /** Whether any request waits under `key` (the Kafka key of the events that concern it). */
  has(key: string | null): boolean {
    return key !== null && this.listeners.has(key);
  }

  notify(event: FollowedEvent): void {
    for (const key of keysOf(event)) {
      const set = this.listeners.get(key);
      if (set) for (const listener of [...set]) listener(event);
    }
  }
}

function keysOf(event: FollowedEvent): string[] {
  switch (event.type) {
    case 'AccountOpened':
    case 'AccountStatusChanged':
    case 'AccountLimitsChanged':
      return [event.data.accountId];
    case 'CurrencyAdded':
      return [event.data.code];
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldReleased':
      return [event.data.transactionId, event.data.accountId];
    case 'CommandRejected':
      return [event.data.accountId, event.data.transactionId].filter((k): k is string => k !== null);
    case 'EntryPosted':
      return [event.data.transactionId];
    case 'TransactionAccepted':
    case 'TransactionCompleted':
    case 'TransactionFailed':
    case 'TransactionReversed':
    case 'TransactionNeedsAttention':
    case 'TransactionRequestRejected':
    case 'TransactionProviderStepRecorded':
    case 'TransactionStepRetried':
    case 'TransactionInvestigationFlagged':
    case 'TransactionInvestigationCleared':
    case 'TransactionActionRefused':
    case 'TransactionActionReplayed':
      return [event.data.transactionId];
    case 'TransactionRequestReplayed':
      return [event.data.transaction.transactionId];
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}
