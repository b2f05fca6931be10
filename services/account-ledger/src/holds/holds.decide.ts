import type { Actor } from '@billing/contracts/envelope';
import { HOLD_TTL_MAX_MS } from '@billing/contracts/messages/holds';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import { toMinorUnits } from '@billing/contracts/money';
import type { Account, CurrencyCatalog } from '../accounts/account';
import { checkLimits, reject, TYPE_RULES, type Rejection } from '../post-entry/post-entry.decide';
import type { Hold } from './hold';

export interface PlaceHoldCommand {
  holdId: string;
  transactionId: string;
  transactionType: TransactionType;
  accountId: string;
  amount: string;
  currency: string;
  expiresAt: string;
  actor: Actor;
}

export type PlaceHoldDecision =
  | { kind: 'placed'; hold: Hold; account: Account }
  | { kind: 'already-placed'; hold: Hold; account: Account }
  | Rejection;

/** Checks that apply to any account money is taken from: it exists, is active, holds the currency. */
function usableAccount(account: Account | undefined, id: string, currency: string): Rejection | null {
  if (!account) return reject('ACCOUNT.NOT_FOUND', `account ${id} does not exist`, id);
  if (account.currency !== currency) {
    return reject('CURRENCY.MISMATCH', `account ${id} holds ${account.currency}, not ${currency}`, id);
  }
  if (account.status !== 'active')
    return reject('ACCOUNT.INACTIVE', `account ${id} is ${account.status}`, id);
  return null;
}

function ownedBy(actor: Actor, account: Account): boolean {
  return actor.kind !== 'owner' || account.ownerId === actor.id;
}

/**
 * Places a hold: the available balance must cover it (minimum balance respected), the expiry must lie
 * in the future and within the maximum hold lifetime. Placing the same hold id again re-announces it.
 */
export function decidePlaceHold(
  command: PlaceHoldCommand,
  account: Account | undefined,
  existing: Hold | undefined,
  currencies: CurrencyCatalog,
  nowMs: number,
): PlaceHoldDecision {
  if (existing) {
    if (existing.accountId !== command.accountId || existing.transactionId !== command.transactionId) {
      return reject(
        'HOLD.CLOSED',
        `hold ${command.holdId} exists for another account or transaction`,
        command.accountId,
      );
    }
    return { kind: 'already-placed', hold: existing, account: account! };
  }
  const currency = currencies.get(command.currency);
  if (!currency) return reject('CURRENCY.UNKNOWN', `currency ${command.currency} is not known`);
  const unusable = usableAccount(account, command.accountId, command.currency);
  if (unusable) return unusable;
  if (!ownedBy(command.actor, account!)) {
    return reject(
      'AUTH.FORBIDDEN',
      `actor ${command.actor.id} may not hold funds on ${command.accountId}`,
      command.accountId,
    );
  }
  // The hold is the debit side of the capture to come: the type rules apply to it now, not only later.
  if (!TYPE_RULES[command.transactionType].debit.includes(account!.type)) {
    return reject(
      'ACCOUNT.TYPE_NOT_ALLOWED',
      `a ${command.transactionType} may not debit a ${account!.type} account`,
      command.accountId,
    );
  }
  const amount = toMinorUnits(command.amount, currency.scale);
  if (!amount.ok) return reject(amount.code, amount.detail, command.accountId);
  const expiresMs = Date.parse(command.expiresAt);
  if (expiresMs <= nowMs)
    return reject('HOLD.EXPIRED', 'the hold would expire before it is placed', command.accountId);
  if (expiresMs - nowMs > HOLD_TTL_MAX_MS) {
    return reject(
      'AMOUNT.INVALID',
      `a hold may last at most ${HOLD_TTL_MAX_MS / 3_600_000} hours`,
      command.accountId,
    );
  }
  const next: Account = {
    ...account!,
    heldMinor: account!.heldMinor + amount.minor,
    version: account!.version + 1,
  };
  const limits = checkLimits(new Map([[next.id, account!]]), [next], currency.scale);
  if (limits) return limits;
  return {
    kind: 'placed',
    account: next,
    hold: {
      id: command.holdId,
      accountId: command.accountId,
      transactionId: command.transactionId,
      transactionType: command.transactionType,
      currency: command.currency,
      amountMinor: amount.minor,
      status: 'open',
      expiresAt: new Date(expiresMs).toISOString(),
      capturedMinor: 0n,
      entryId: null,
    },
  };
}

/** An open hold that has passed its expiry is treated as expired even before the sweep reaches it. */
function closedReason(hold: Hold, nowMs: number): Rejection | null {
  if (hold.status === 'open' && Date.parse(hold.expiresAt) <= nowMs) {
    return reject('HOLD.EXPIRED', `hold ${hold.id} expired at ${hold.expiresAt}`, hold.accountId);
  }
  if (hold.status === 'expired') return reject('HOLD.EXPIRED', `hold ${hold.id} expired`, hold.accountId);
  if (hold.status !== 'open')
    return reject('HOLD.CLOSED', `hold ${hold.id} is already ${hold.status}`, hold.accountId);
  return null;
}

export interface CaptureHoldCommand {
  holdId: string;
  creditAccountId: string;
  amount: string | null;
  actor: Actor;
}

export interface CapturePosting {
  accountId: string;
  side: 'debit' | 'credit';
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  streamVersion: number;
}

export type CaptureHoldDecision =
  | { kind: 'captured'; hold: Hold; accounts: Account[]; postings: CapturePosting[]; releasedMinor: bigint }
  | Rejection;

/**
 * Captures all or part of an open hold: one entry debits the held account and credits the destination,
 * the hold closes and whatever was not captured becomes available again. The funds were reserved, so
 * only the destination's maximum balance can still refuse it.
 */
export function decideCaptureHold(
  command: CaptureHoldCommand,
  hold: Hold | undefined,
  accounts: ReadonlyMap<string, Account>,
  currencies: CurrencyCatalog,
  nowMs: number,
): CaptureHoldDecision {
  if (!hold) return reject('HOLD.NOT_FOUND', `hold ${command.holdId} does not exist`);
  const closed = closedReason(hold, nowMs);
  if (closed) return closed;
  const scale = currencies.get(hold.currency)!.scale;
  let captureMinor = hold.amountMinor;
  if (command.amount !== null) {
    const parsed = toMinorUnits(command.amount, scale);
    if (!parsed.ok) return reject(parsed.code, parsed.detail, hold.accountId);
    if (parsed.minor > hold.amountMinor) {
      return reject('AMOUNT.INVALID', `cannot capture more than the held ${command.amount}`, hold.accountId);
    }
    captureMinor = parsed.minor;
  }
  const held = accounts.get(hold.accountId)!;
  // A suspended account is frozen: reserved funds stay reserved but do not leave it.
  if (held.status !== 'active')
    return reject('ACCOUNT.INACTIVE', `account ${held.id} is ${held.status}`, held.id);
  if (!ownedBy(command.actor, held)) {
    return reject('AUTH.FORBIDDEN', `actor ${command.actor.id} may not capture holds on ${held.id}`, held.id);
  }
  if (command.creditAccountId === held.id)
    return reject('ENTRY.INVALID', 'a capture cannot credit the held account');
  const credit = accounts.get(command.creditAccountId);
  const unusable = usableAccount(credit, command.creditAccountId, hold.currency);
  if (unusable) return unusable;
  if (!TYPE_RULES[hold.transactionType].credit.includes(credit!.type)) {
    return reject(
      'ACCOUNT.TYPE_NOT_ALLOWED',
      `a ${hold.transactionType} may not credit a ${credit!.type} account`,
      credit!.id,
    );
  }
  const debited: Account = {
    ...held,
    balanceMinor: held.balanceMinor - captureMinor,
    heldMinor: held.heldMinor - hold.amountMinor,
    version: held.version + 1,
  };
  const credited: Account = {
    ...credit!,
    balanceMinor: credit!.balanceMinor + captureMinor,
    version: credit!.version + 1,
  };
  const limits = checkLimits(accounts, [debited, credited], scale);
  if (limits) return limits;
  return {
    kind: 'captured',
    hold: { ...hold, status: 'captured', capturedMinor: captureMinor },
    accounts: [debited, credited],
    releasedMinor: hold.amountMinor - captureMinor,
    postings: [
      {
        accountId: debited.id,
        side: 'debit',
        amountMinor: captureMinor,
        balanceAfterMinor: debited.balanceMinor,
        streamVersion: debited.version,
      },
      {
        accountId: credited.id,
        side: 'credit',
        amountMinor: captureMinor,
        balanceAfterMinor: credited.balanceMinor,
        streamVersion: credited.version,
      },
    ],
  };
}

export type ReleaseHoldDecision =
  | { kind: 'released'; hold: Hold; account: Account }
  | { kind: 'already-released'; hold: Hold; account: Account }
  | Rejection;

/**
 * Releases an open hold (a refused payout, a failed bill payment). Releasing a released hold answers
 * again; releasing a captured one is refused, since the money has moved.
 */
export function decideReleaseHold(
  hold: Hold | undefined,
  account: Account | undefined,
  actor: Actor,
  holdId: string,
  reason: 'released' | 'expired',
): ReleaseHoldDecision {
  if (!hold || !account) return reject('HOLD.NOT_FOUND', `hold ${holdId} does not exist`);
  if (hold.status === 'released' || (hold.status === 'expired' && reason === 'expired')) {
    return { kind: 'already-released', hold, account };
  }
  if (hold.status !== 'open')
    return reject('HOLD.CLOSED', `hold ${hold.id} is already ${hold.status}`, hold.accountId);
  if (!ownedBy(actor, account)) {
    return reject('AUTH.FORBIDDEN', `actor ${actor.id} may not release holds on ${account.id}`, account.id);
  }
  return {
    kind: 'released',
    hold: { ...hold, status: reason },
    account: { ...account, heldMinor: account.heldMinor - hold.amountMinor, version: account.version + 1 },
  };
}
