import type { TopicMessage } from '@billing/contracts/catalog';
import { AccountStatusSchema, AccountTypeSchema, LimitSchema } from '@billing/contracts/messages/accounts';
import { PostingSideSchema, TransactionTypeSchema } from '@billing/contracts/messages/ledger';
import { z } from 'zod';

type LedgerEvent = TopicMessage<'ledgerEvents'>;

const base = { accountId: z.uuid(), version: z.number().int().positive(), at: z.string() };
const streamEvent = { ...base, slot: z.literal(0) };

/**
 * One change of one account's stream, cut out of a ledger event. An EntryPosted yields one item per
 * posting (each account has its own version); the others yield one item. Items are what waits in
 * `pending_events` when it arrives early, so they have a schema and are parsed back from there.
 *
 * Slot 0 is the event that made `version`. Slot 1 is HoldCaptured: the ledger records the capture's
 * entry at that version and closes the hold on the hold's own stream, so HoldCaptured carries the
 * version of the capture posting and is applied once that posting has been.
 */
export const AccountStreamItemSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...streamEvent,
    kind: z.literal('opened'),
    ownerId: z.string(),
    ownerType: z.string(),
    type: AccountTypeSchema,
    currency: z.string(),
    status: AccountStatusSchema,
    balance: z.string(),
    metadata: z.record(z.string(), z.string()),
  }),
  z.strictObject({
    ...streamEvent,
    kind: z.literal('posted'),
    entryId: z.uuid(),
    transactionId: z.uuid(),
    transactionType: TransactionTypeSchema,
    step: z.string(),
    currency: z.string(),
    side: PostingSideSchema,
    amount: z.string(),
    balanceAfter: z.string(),
    reversesEntryId: z.uuid().nullable(),
  }),
  z.strictObject({
    ...streamEvent,
    kind: z.literal('hold-placed'),
    holdId: z.uuid(),
    transactionId: z.uuid(),
    amount: z.string(),
    expiresAt: z.string(),
  }),
  z.strictObject({
    ...streamEvent,
    kind: z.literal('hold-released'),
    holdId: z.uuid(),
    reason: z.enum(['released', 'expired']),
  }),
  z.strictObject({ ...streamEvent, kind: z.literal('status-changed'), status: AccountStatusSchema }),
  z.strictObject({
    ...streamEvent,
    kind: z.literal('limits-changed'),
    minBalance: LimitSchema,
    maxBalance: LimitSchema,
  }),
  z.strictObject({
    ...base,
    slot: z.literal(1),
    kind: z.literal('hold-captured'),
    holdId: z.uuid(),
    capturedAmount: z.string(),
  }),
]);
export type AccountStreamItem = z.infer<typeof AccountStreamItemSchema>;

export type LedgerEventRoute =
  | { kind: 'stream'; items: AccountStreamItem[] }
  | { kind: 'currency-added'; code: string; scale: number; currencyKind: 'fiat' | 'crypto' | 'points' }
  | { kind: 'ignored'; reason: string };

/** Says what one ledger event means for the read models. Pure. */
export function routeLedgerEvent(event: LedgerEvent): LedgerEventRoute {
  switch (event.type) {
    case 'AccountOpened': {
      const d = event.data;
      return stream({
        kind: 'opened',
        slot: 0,
        accountId: d.accountId,
        version: d.streamVersion,
        at: d.openedAt,
        ownerId: d.ownerId,
        ownerType: d.ownerType,
        type: d.type,
        currency: d.currency,
        status: d.status,
        balance: d.balance,
        metadata: d.metadata,
      });
    }
    case 'EntryPosted': {
      const d = event.data;
      return {
        kind: 'stream',
        items: d.postings.map((p) => ({
          kind: 'posted' as const,
          slot: 0 as const,
          accountId: p.accountId,
          version: p.streamVersion,
          at: d.postedAt,
          entryId: d.entryId,
          transactionId: d.transactionId,
          transactionType: d.transactionType,
          step: d.step,
          currency: d.currency,
          side: p.side,
          amount: p.amount,
          balanceAfter: p.balanceAfter,
          reversesEntryId: d.reversesEntryId,
        })),
      };
    }
    case 'HoldPlaced': {
      const d = event.data;
      return stream({
        kind: 'hold-placed',
        slot: 0,
        accountId: d.accountId,
        version: d.streamVersion,
        at: d.placedAt,
        holdId: d.holdId,
        transactionId: d.transactionId,
        amount: d.amount,
        expiresAt: d.expiresAt,
      });
    }
    case 'HoldCaptured': {
      const d = event.data;
      return stream({
        kind: 'hold-captured',
        slot: 1,
        accountId: d.accountId,
        version: d.streamVersion,
        at: d.capturedAt,
        holdId: d.holdId,
        capturedAmount: d.capturedAmount,
      });
    }
    case 'HoldReleased': {
      const d = event.data;
      return stream({
        kind: 'hold-released',
        slot: 0,
        accountId: d.accountId,
        version: d.streamVersion,
        at: d.releasedAt,
        holdId: d.holdId,
        reason: d.reason,
      });
    }
    case 'AccountStatusChanged': {
      const d = event.data;
      // The ledger answers a request for the status an account already has with this event at the
      // account's current version, which belongs to another event: it is an answer, not a change.
      if (d.previousStatus === d.status) return { kind: 'ignored', reason: 'status unchanged' };
      return stream({
        kind: 'status-changed',
        slot: 0,
        accountId: d.accountId,
        version: d.streamVersion,
        at: d.changedAt,
        status: d.status,
      });
    }
    case 'AccountLimitsChanged': {
      const d = event.data;
      return stream({
        kind: 'limits-changed',
        slot: 0,
        accountId: d.accountId,
        version: d.streamVersion,
        at: d.changedAt,
        minBalance: d.minBalance,
        maxBalance: d.maxBalance,
      });
    }
    case 'CurrencyAdded':
      return {
        kind: 'currency-added',
        code: event.data.code,
        scale: event.data.scale,
        currencyKind: event.data.kind,
      };
    case 'CommandRejected':
      return { kind: 'ignored', reason: 'a refusal changes no account' };
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled ledger event ${JSON.stringify(unreachable)}`);
    }
  }
}

function stream(item: AccountStreamItem): LedgerEventRoute {
  return { kind: 'stream', items: [item] };
}
