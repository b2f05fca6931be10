import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { Posting, TransactionType } from '@billing/contracts/messages/ledger';
import { formatMinorUnits, toMinorUnits } from '@billing/contracts/money';
import { availableMinor, type Account, type CurrencyCatalog } from '../accounts/account';

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
  | { kind: 'posted'; postings: AppliedPosting[]; accounts: Account[] }
  | {
      kind: 'rejected';
      code: ErrorCode;
      detail: string;
      accountId: string | null;
      context: Record<string, string>;
    };

export type Rejection = Extract<PostEntryDecision, { kind: 'rejected' }>;

export function reject(
  code: ErrorCode,
  detail: string,
  accountId: string | null = null,
  context: Record<string, string> = {},
): Rejection {
  return { kind: 'rejected', code, detail, accountId, context };
}

/**
 * Which account types each kind of transaction may debit and credit. The ledger enforces this itself so
 * that a faulty or compromised orchestrator cannot, say, mint money into a USER account from another
 * USER account under the name of a top-up.
 */
export const TYPE_RULES: Record<TransactionType, { debit: readonly string[]; credit: readonly string[] }> = {
  topup: { debit: ['EXTERNAL'], credit: ['USER'] },
  withdrawal: { debit: ['USER'], credit: ['EXTERNAL'] },
  transfer: { debit: ['USER'], credit: ['USER'] },
  payment: { debit: ['USER'], credit: ['USER', 'SYSTEM'] },
  refund: { debit: ['USER', 'SYSTEM'], credit: ['USER'] },
  bill_payment: { debit: ['USER'], credit: ['EXTERNAL', 'SYSTEM'] },
};

/**
 * Decides one journal entry against the current state of the accounts it touches. Pure: it returns the
 * postings with balances after and the updated accounts, or the one reason it refuses.
 */
export function decidePostEntry(
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
  for (const p of command.postings) {
    const account = working.get(p.accountId) ?? accounts.get(p.accountId);
    if (!account) return reject('ACCOUNT.NOT_FOUND', `account ${p.accountId} does not exist`, p.accountId);
    if (account.currency !== command.currency) {
      return reject(
        'CURRENCY.MISMATCH',
        `account ${account.id} holds ${account.currency}, the entry is in ${command.currency}`,
        account.id,
      );
    }
    if (account.status !== 'active') {
      return reject('ACCOUNT.INACTIVE', `account ${account.id} is ${account.status}`, account.id);
    }
    const allowed = TYPE_RULES[command.transactionType][p.side];
    if (!allowed.includes(account.type)) {
      return reject(
        'ACCOUNT.TYPE_NOT_ALLOWED',
        `a ${command.transactionType} may not ${p.side} a ${account.type} account`,
        account.id,
      );
    }
    working.set(account.id, account);
  }

  const denied = authorize(command, working);
  if (denied) return denied;

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
): Extract<PostEntryDecision, { kind: 'rejected' }> | null {
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

/**
 * Admins and the system may post anything the type rules allow. An owner may debit only its own
 * accounts, with one exception: a top-up debits the EXTERNAL funding account, and then the owner must
 * own every credited account instead (money can be brought in only to one's own account).
 */
function authorize(
  command: PostEntryCommand,
  accounts: ReadonlyMap<string, Account>,
): PostEntryDecision | null {
  const { actor } = command;
  if (actor.kind !== 'owner') return null;
  for (const p of command.postings) {
    const account = accounts.get(p.accountId)!;
    const mustOwn = command.transactionType === 'topup' ? p.side === 'credit' : p.side === 'debit';
    if (mustOwn && account.ownerId !== actor.id) {
      return reject(
        'AUTH.FORBIDDEN',
        `actor ${actor.id} may not ${p.side} account ${account.id}`,
        account.id,
      );
    }
  }
  return null;
}
