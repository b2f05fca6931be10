import type { Actor } from '@billing/contracts/envelope';
import type { FollowedEvent } from '../kafka/outcomes';

/** What one stream follows: an account, a transaction, or both (an event about either is sent). */
export interface StreamFilter {
  accountId: string | null;
  transactionId: string | null;
}

/** The accounts an event touches: the ones it changes, posts to, holds on, or moves money between. */
export function accountsOf(event: FollowedEvent): string[] {
  switch (event.type) {
    case 'AccountOpened':
    case 'AccountStatusChanged':
    case 'AccountLimitsChanged':
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldReleased':
      return [event.data.accountId];
    case 'CommandRejected':
      return event.data.accountId === null ? [] : [event.data.accountId];
    case 'EntryPosted':
      return event.data.postings.map((p) => p.accountId);
    case 'TransactionAccepted':
    case 'TransactionCompleted':
    case 'TransactionFailed':
    case 'TransactionReversed':
    case 'TransactionNeedsAttention':
      return [event.data.sourceAccountId, event.data.destinationAccountId];
    case 'CurrencyAdded':
    case 'TransactionRequestRejected':
    case 'TransactionRequestReplayed':
    case 'TransactionProviderStepRecorded':
    case 'TransactionStepRetried':
    case 'TransactionInvestigationFlagged':
    case 'TransactionInvestigationCleared':
    case 'TransactionActionRefused':
    case 'TransactionActionReplayed':
      return [];
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The transaction an event belongs to, if any. */
export function transactionOf(event: FollowedEvent): string | null {
  switch (event.type) {
    case 'AccountOpened':
    case 'AccountStatusChanged':
    case 'AccountLimitsChanged':
    case 'CurrencyAdded':
      return null;
    // Operators' actions and their notes are for admins, read from the timeline; streams do not carry them.
    case 'TransactionStepRetried':
    case 'TransactionInvestigationFlagged':
    case 'TransactionInvestigationCleared':
    case 'TransactionActionRefused':
    case 'TransactionActionReplayed':
      return null;
    case 'CommandRejected':
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldReleased':
    case 'EntryPosted':
    case 'TransactionAccepted':
    case 'TransactionCompleted':
    case 'TransactionFailed':
    case 'TransactionReversed':
    case 'TransactionNeedsAttention':
    case 'TransactionRequestRejected':
      return event.data.transactionId;
    // A provider step goes to whoever may follow its transaction (its owner, admins): the owner of a bill
    // payment sees the provider's reference of that payment, as the timeline shows it (toPayload drops the
    // detail). An account's stream does not carry it (accountsOf).
    case 'TransactionProviderStepRecorded':
      return event.data.transactionId;
    case 'TransactionRequestReplayed':
      return event.data.transaction.transactionId;
    default: {
      const unreachable: never = event;
      throw new Error(`unknown event ${JSON.stringify(unreachable)}`);
    }
  }
}

export function matches(event: FollowedEvent, filter: StreamFilter): boolean {
  if (filter.transactionId !== null && transactionOf(event) === filter.transactionId) return true;
  return filter.accountId !== null && accountsOf(event).includes(filter.accountId);
}

export interface StreamPayload {
  type: string;
  occurredAt: string;
  /** The event's data under its own key: transaction data has a `type` field of its own. */
  data: unknown;
}

/**
 * What a stream sends for an event. An entry, hold or refusal may carry figures of other accounts too
 * (balances, available funds): an owner sees such figures only of the account the stream follows (the one
 * the read side confirmed it may see), and of the others just the amounts that moved. Admins see all.
 */
export function toPayload(event: FollowedEvent, filter: StreamFilter, viewer: Actor['kind']): StreamPayload {
  const payload = { type: event.type, occurredAt: event.occurredAt };
  if (viewer === 'admin' || viewer === 'system') return { ...payload, data: event.data };
  switch (event.type) {
    case 'EntryPosted':
      return {
        ...payload,
        data: {
          ...event.data,
          postings: event.data.postings.map((p) =>
            p.accountId === filter.accountId ? p : { accountId: p.accountId, side: p.side, amount: p.amount },
          ),
        },
      };
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldReleased': {
      if (event.data.accountId === filter.accountId) return { ...payload, data: event.data };
      const data: Record<string, unknown> = { ...event.data };
      delete data.availableAfter;
      delete data.streamVersion;
      return { ...payload, data };
    }
    case 'CommandRejected':
      // The context carries figures such as the available funds of the account that refused.
      return event.data.accountId === filter.accountId
        ? { ...payload, data: event.data }
        : { ...payload, data: { ...event.data, context: {} } };
    case 'TransactionProviderStepRecorded':
      // The detail is the provider's or the network's own wording (it may name internal hosts): admins only.
      return { ...payload, data: { ...event.data, detail: null } };
    default:
      return { ...payload, data: event.data };
  }
}
