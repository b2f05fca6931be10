import type { Actor } from '@billing/contracts/envelope';
import type { Posting, TransactionType } from '@billing/contracts/messages/ledger';
import { formatMinorUnits, toMinorUnits } from '@billing/contracts/money';
import { availableMinor, type Account, type CurrencyCatalog } from '../accounts/account';
import { asSeenBy, checkParticipant } from '../shared/movement-checks';
import { reject, type Rejection } from '../shared/rejection';

export interface PostEntryCommand {
  transactionType: TransactionType;
  currency: string;
  postings: readonly Posting[];
  actor: Actor;
}

export interface AppliedPosting {
  accountId: string;
  side: 'debit' | 'credit';
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  streamVersion: number;
}

export type PostEntryDecision =
  { kind: 'posted'; postings: AppliedPosting[]; accounts: Account[] } | Rejection;

/**
 * Decides one journal entry against the current state of the accounts it touches. Pure: it returns the
 * postings with balances after and the updated accounts, or the one reason it refuses.
 */
export function decidePostEntry(
  command: PostEntryCommand,
  accounts: ReadonlyMap<string, Account>,
  currencies: CurrencyCatalog,
): PostEntryDecision {
  const decision = decide(command, accounts, currencies);
  return decision.kind === 'rejected'
    ? asSeenBy(command.actor, command.transactionType, accounts, decision)
    : decision;
}

function decide(
  command: PostEntryCommand,
  accounts: ReadonlyMap<string, Account>,
  currencies: CurrencyCatalog,
): PostEntryDecision {
  const currency = currencies.get(command.currency);
  if (!currency) return reject('CURRENCY.UNKNOWN', `currency ${command.currency} is not known`);

  const amounts: bigint[] = [];
  for (const p of command.postings) {
    const parsed = toMinorUnits(p.amount, currency.scale);
    if (!parsed.ok) return reject(parsed.code, parsed.detail, p.accountId);
    amounts.push(parsed.minor);
  }
  let net = 0n;
  command.postings.forEach((p, i) => (net += p.side === 'debit' ? amounts[i]! : -amounts[i]!));
  if (net !== 0n) return reject('ENTRY.UNBALANCED', 'debits and credits of the entry differ');

  if (new Set(command.postings.map((p) => p.accountId)).size !== command.postings.length) {
    // Postings on one account that cancel out would move nothing yet pass through an impossible balance.
    return reject('ENTRY.INVALID', 'an entry may post to each account only once');
  }

  const working = new Map<string, Account>();
  const movement = { actor: command.actor, type: command.transactionType, currency: command.currency };
  for (const p of command.postings) {
    const account = accounts.get(p.accountId);
    const refused = checkParticipant(movement, p.side, p.accountId, account);
    if (refused) return refused;
    working.set(p.accountId, account!);
  }

  const applied: AppliedPosting[] = [];
  command.postings.forEach((p, i) => {
    const account = working.get(p.accountId)!;
    const delta = p.side === 'credit' ? amounts[i]! : -amounts[i]!;
    const next = { ...account, balanceMinor: account.balanceMinor + delta, version: account.version + 1 };
    working.set(account.id, next);
    applied.push({
      accountId: account.id,
      side: p.side,
      amountMinor: amounts[i]!,
      balanceAfterMinor: next.balanceMinor,
      streamVersion: next.version,
    });
  });

  const limitsDenied = checkLimits(accounts, working.values(), currency.scale);
  if (limitsDenied) return limitsDenied;
  return { kind: 'posted', postings: applied, accounts: [...working.values()] };
}

/**
 * After a movement, every account whose available balance (balance - open holds) went down must still
 * be at or above its minimum, and every account whose balance went up must stay at or below its
 * maximum. Shared by entries, reversals, holds and captures.
 */
export function checkLimits(
  before: ReadonlyMap<string, Account>,
  after: Iterable<Account>,
  scale: number,
): Rejection | null {
  for (const account of after) {
    const previous = before.get(account.id)!;
    const delta = account.balanceMinor - previous.balanceMinor;
    const availableDrop = availableMinor(previous) - availableMinor(account);
    if (
      availableDrop > 0n &&
      account.minBalanceMinor !== null &&
      availableMinor(account) < account.minBalanceMinor
    ) {
      return reject(
        'ACCOUNT.INSUFFICIENT_FUNDS',
        `account ${account.id} has insufficient funds`,
        account.id,
        {
          available: formatMinorUnits(availableMinor(previous) - account.minBalanceMinor, scale),
          requested: formatMinorUnits(availableDrop, scale),
        },
      );
    }
    if (delta > 0n && account.maxBalanceMinor !== null && account.balanceMinor > account.maxBalanceMinor) {
      return reject(
        'ACCOUNT.LIMIT_EXCEEDED',
        `account ${account.id} would exceed its maximum balance`,
        account.id,
        {
          maxBalance: formatMinorUnits(account.maxBalanceMinor, scale),
        },
      );
    }
  }
  return null;
}
