import type { Actor } from '@billing/contracts/envelope';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import type { Account } from '../accounts/account';
import { checkLimits, type PostEntryDecision } from '../post-entry/post-entry.decide';
import { reject } from '../shared/rejection';

export interface OriginalPosting {
  accountId: string;
  side: 'debit' | 'credit';
  amountMinor: bigint;
}

export interface OriginalEntry {
  id: string;
  currency: string;
  transactionType: TransactionType;
  postings: OriginalPosting[];
  reversedBy: string | null;
}

/**
 * Corrects an entry with its mirror image. Only admins and the system reverse entries (an owner cannot
 * undo a payment it made); the type rules of the original do not apply since the mirror of a valid entry
 * is valid, but limits do: a reversal that would overdraw an account is refused like any debit.
 */
export function decideReverseEntry(
  entry: OriginalEntry | undefined,
  entryId: string,
  accounts: ReadonlyMap<string, Account>,
  actor: Actor,
  scale: number,
): PostEntryDecision {
  if (actor.kind === 'owner') return reject('AUTH.FORBIDDEN', 'only an admin may reverse an entry');
  if (!entry) return reject('ENTRY.NOT_FOUND', `entry ${entryId} does not exist`);
  if (entry.reversedBy !== null) {
    return reject('ENTRY.ALREADY_REVERSED', `entry ${entryId} was already reversed by ${entry.reversedBy}`);
  }
  const working = new Map<string, Account>();
  const postings = entry.postings.map((p) => {
    const account = working.get(p.accountId) ?? accounts.get(p.accountId)!;
    const side = p.side === 'debit' ? ('credit' as const) : ('debit' as const);
    const next = {
      ...account,
      balanceMinor: account.balanceMinor + (side === 'credit' ? p.amountMinor : -p.amountMinor),
      version: account.version + 1,
    };
    working.set(next.id, next);
    return {
      accountId: p.accountId,
      side,
      amountMinor: p.amountMinor,
      balanceAfterMinor: next.balanceMinor,
      streamVersion: next.version,
    };
  });
  const inactive = [...working.values()].find((a) => a.status === 'closed');
  if (inactive) return reject('ACCOUNT.INACTIVE', `account ${inactive.id} is closed`, inactive.id);
  const limits = checkLimits(accounts, working.values(), scale);
  if (limits) return limits;
  return { kind: 'posted', postings, accounts: [...working.values()] };
}
