import type { Actor } from '@billing/contracts/envelope';
import { HOLD_TTL_MAX_MS } from '@billing/contracts/messages/holds';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import { toMinorUnits } from '@billing/contracts/money';
import { mayActOn, MOVEMENT_RULES } from '@billing/contracts/policy';
import type { Account, CurrencyCatalog } from '../accounts/account';
import { checkLimits } from '../post-entry/post-entry.decide';
import { asSeenBy, checkParticipant } from '../shared/movement-checks';
import { reject, type Rejection } from '../shared/rejection';
import type { Hold } from './hold';

export interface PlaceHoldCommand {
  holdId: string;
  transactionId: string;
  transactionType: TransactionType;
  accountId: string;
  amount: string;
  currency: string;
  expiresAt: string;
  /** The account the capture will credit; required for a top-up, whose owner side is the credit. */
  creditAccountId: string | null;
  actor: Actor;
}

export type PlaceHoldDecision =
  | { kind: 'placed'; hold: Hold; account: Account }
  | { kind: 'already-placed'; hold: Hold; account: Account }
  | Rejection;

/**
 * Places a hold: the available balance must cover it (minimum balance respected), the expiry must lie
 * in the future and within the maximum hold lifetime. A hold is placed before anything outside the
 * ledger happens (a provider paying out, a payer being charged), so everything its capture will need is
 * judged now: the held account as the debit and the named credit account as the credit, with the same
 * checks the capture makes. Placing the same hold id again re-announces it.
 */
export function decidePlaceHold(
  command: PlaceHoldCommand,
  accounts: ReadonlyMap<string, Account>,
  existing: Hold | undefined,
  currencies: CurrencyCatalog,
  nowMs: number,
): PlaceHoldDecision {
  if (existing) {
    if (
      existing.accountId !== command.accountId ||
      existing.transactionId !== command.transactionId ||
      existing.creditAccountId !== command.creditAccountId
    ) {
      return reject(
        'HOLD.CLOSED',
        `hold ${command.holdId} exists for another account or transaction`,
        command.accountId,
      );
    }
    return { kind: 'already-placed', hold: existing, account: accounts.get(command.accountId)! };
  }
  const decision = place(command, accounts, currencies, nowMs);
  return decision.kind === 'rejected'
    ? asSeenBy(command.actor, command.transactionType, accounts, decision)
    : decision;
}

function place(
  command: PlaceHoldCommand,
  accounts: ReadonlyMap<string, Account>,
  currencies: CurrencyCatalog,
  nowMs: number,
): PlaceHoldDecision {
  const currency = currencies.get(command.currency);
  if (!currency) return reject('CURRENCY.UNKNOWN', `currency ${command.currency} is not known`);
  const movement = { actor: command.actor, type: command.transactionType, currency: command.currency };
  const account = accounts.get(command.accountId);
  // The hold is the debit side of the capture to come: the type and ownership rules apply to it now.
  const heldRefused = checkParticipant(movement, 'debit', command.accountId, account);
  if (heldRefused) return heldRefused;
  const creditRefused = checkCreditAtPlacement(command, accounts);
  if (creditRefused) return creditRefused;
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
  if (command.creditAccountId !== null) {
    // A credit account already at its maximum would refuse the capture after the provider acted.
    const credit = accounts.get(command.creditAccountId)!;
    const credited = { ...credit, balanceMinor: credit.balanceMinor + amount.minor };
    const creditLimits = checkLimits(new Map([[credit.id, credit]]), [credited], currency.scale);
    if (creditLimits) return creditLimits;
  }
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
      creditAccountId: command.creditAccountId,
      captureRequestedAt: null,
    },
  };
}

/**
 * The credit account, judged as its capture will judge it. A top-up must name it: its owner side is the
 * credit, so without it nothing would say whose money the hold on the funding account becomes.
 */
function checkCreditAtPlacement(
  command: PlaceHoldCommand,
  accounts: ReadonlyMap<string, Account>,
): Rejection | null {
  if (command.creditAccountId === null) {
    return MOVEMENT_RULES[command.transactionType].ownerMustOwn === 'credit'
      ? reject(
          'ENTRY.INVALID',
          `a ${command.transactionType} hold must name the account its capture credits`,
          command.accountId,
        )
      : null;
  }
  if (command.creditAccountId === command.accountId) {
    return reject('ENTRY.INVALID', 'a capture cannot credit the held account', command.accountId);
  }
  return checkParticipant(
    { actor: command.actor, type: command.transactionType, currency: command.currency },
    'credit',
    command.creditAccountId,
    accounts.get(command.creditAccountId),
  );
}

/**
 * May this actor capture or release this hold? By the rule of its transaction type: the owner must own
 * the held account, or for a top-up (a hold on the funding provider's account) the account it credits.
 */
function authorizeOnHold(actor: Actor, hold: Hold, accounts: ReadonlyMap<string, Account>): Rejection | null {
  if (actor.kind !== 'owner') return null;
  const side = MOVEMENT_RULES[hold.transactionType].ownerMustOwn;
  const accountId = side === 'debit' ? hold.accountId : hold.creditAccountId;
  const account = accountId === null ? undefined : accounts.get(accountId);
  if (account && mayActOn(actor, hold.transactionType, side, account.ownerId)) return null;
  return reject(
    'AUTH.FORBIDDEN',
    `actor ${actor.id} may not settle hold ${hold.id}`,
    accountId ?? hold.accountId,
  );
}

/** Only open holds can be captured; one past its expiry that the sweep has not reached still is. */
function closedReason(hold: Hold): Rejection | null {
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
  /**
   * A capture the actor may ask for, refused for now (a suspended account, a limit): the hold stays
   * open but is marked as capture-requested, so it is never released; the saga retries the capture.
   */
  | { kind: 'refused-capture'; hold: Hold; rejection: Rejection }
  | Rejection;

/**
 * Captures all or part of an open hold: one entry debits the held account and credits the destination,
 * the hold closes and whatever was not captured becomes available again. The funds were reserved, so
 * only the destination's maximum balance (or a frozen account) can still refuse it. A capture is asked
 * for after the provider acted, so from the first request on the hold belongs to whoever was paid.
 */
export function decideCaptureHold(
  command: CaptureHoldCommand,
  hold: Hold | undefined,
  accounts: ReadonlyMap<string, Account>,
  currencies: CurrencyCatalog,
  nowMs: number,
): CaptureHoldDecision {
  if (!hold) return reject('HOLD.NOT_FOUND', `hold ${command.holdId} does not exist`);
  const closed = closedReason(hold);
  if (closed) return closed;
  // Someone who may not settle the hold must not be able to pin it either.
  const denied = authorizeOnHold(command.actor, hold, accounts);
  if (denied) return asSeenBy(command.actor, hold.transactionType, accounts, denied);
  const requested = { ...hold, captureRequestedAt: hold.captureRequestedAt ?? new Date(nowMs).toISOString() };
  const decision = capture(command, requested, accounts, currencies);
  if (decision.kind !== 'rejected') return decision;
  return {
    kind: 'refused-capture',
    hold: requested,
    rejection: asSeenBy(command.actor, hold.transactionType, accounts, decision),
  };
}

function capture(
  command: CaptureHoldCommand,
  hold: Hold,
  accounts: ReadonlyMap<string, Account>,
  currencies: CurrencyCatalog,
): Extract<CaptureHoldDecision, { kind: 'captured' }> | Rejection {
  if (hold.creditAccountId !== null && command.creditAccountId !== hold.creditAccountId) {
    return reject(
      'ENTRY.INVALID',
      `hold ${hold.id} was placed to credit ${hold.creditAccountId}, not ${command.creditAccountId}`,
      hold.accountId,
    );
  }
  if (command.creditAccountId === hold.accountId)
    return reject('ENTRY.INVALID', 'a capture cannot credit the held account');
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
  const movement = { actor: command.actor, type: hold.transactionType, currency: hold.currency };
  const held = accounts.get(hold.accountId)!;
  // A suspended account is frozen: reserved funds stay reserved but do not leave it.
  const heldRefused = checkParticipant(movement, 'debit', held.id, held);
  if (heldRefused) return heldRefused;
  const credit = accounts.get(command.creditAccountId);
  const creditRefused = checkParticipant(movement, 'credit', command.creditAccountId, credit);
  if (creditRefused) return creditRefused;
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
 * Releases an open hold (a refused payout, a failed bill payment), by command or by the expiry sweep.
 * Releasing a released hold answers again; releasing a captured one is refused, since the money has
 * moved, and so is releasing one whose capture was asked for: the provider has paid, the money is owed.
 */
export function decideReleaseHold(
  hold: Hold | undefined,
  accounts: ReadonlyMap<string, Account>,
  actor: Actor,
  holdId: string,
  reason: 'released' | 'expired',
): ReleaseHoldDecision {
  const account = hold && accounts.get(hold.accountId);
  if (!hold || !account) return reject('HOLD.NOT_FOUND', `hold ${holdId} does not exist`);
  if (hold.status === 'released' || (hold.status === 'expired' && reason === 'expired')) {
    return { kind: 'already-released', hold, account };
  }
  const denied = authorizeOnHold(actor, hold, accounts);
  if (denied) return asSeenBy(actor, hold.transactionType, accounts, denied);
  if (hold.status !== 'open')
    return reject('HOLD.CLOSED', `hold ${hold.id} is already ${hold.status}`, hold.accountId);
  if (hold.captureRequestedAt !== null) {
    return reject(
      'HOLD.CLOSED',
      `hold ${hold.id} cannot be released: a capture was requested at ${hold.captureRequestedAt}`,
      hold.accountId,
    );
  }
  return {
    kind: 'released',
    hold: { ...hold, status: reason },
    account: { ...account, heldMinor: account.heldMinor - hold.amountMinor, version: account.version + 1 },
  };
}
