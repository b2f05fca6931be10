import type { Actor } from './envelope';
import type { AccountType } from './messages/accounts';
import type { TransactionType } from './messages/ledger';

/**
 * Who may move money from where: the one table every service reads. The gateway uses it to refuse
 * early, the orchestrator to decide which workflow a request gets (and to refuse it), and the ledger,
 * which owns the accounts, to judge every posting, hold and capture again. A rule changed here changes
 * all three.
 */
export interface MovementRule {
  /** Account types the movement may debit (hold on) and credit. */
  debit: readonly AccountType[];
  credit: readonly AccountType[];
  /**
   * Which side an owner must own. `debit`: money leaves only one's own account. `credit`: money comes in
   * only to one's own account (an owner's top-up, collected through the funding provider).
   */
  ownerMustOwn: 'debit' | 'credit';
  /** May an owner name the account the money comes from? Never for a top-up. */
  ownerNamesSource: boolean;
}

export const MOVEMENT_RULES: Record<TransactionType, MovementRule> = {
  topup: { debit: ['EXTERNAL'], credit: ['USER'], ownerMustOwn: 'credit', ownerNamesSource: false },
  withdrawal: { debit: ['USER'], credit: ['EXTERNAL'], ownerMustOwn: 'debit', ownerNamesSource: true },
  transfer: { debit: ['USER'], credit: ['USER'], ownerMustOwn: 'debit', ownerNamesSource: true },
  payment: { debit: ['USER'], credit: ['USER', 'SYSTEM'], ownerMustOwn: 'debit', ownerNamesSource: true },
  // A refund debits the merchant of the payment: only the merchant's owner (or an admin) may give back.
  refund: { debit: ['USER', 'SYSTEM'], credit: ['USER'], ownerMustOwn: 'debit', ownerNamesSource: true },
  bill_payment: {
    debit: ['USER'],
    credit: ['EXTERNAL', 'SYSTEM'],
    ownerMustOwn: 'debit',
    ownerNamesSource: true,
  },
};

/** Metadata role of the funding provider's EXTERNAL accounts (opened by the orchestrator). */
export const FUNDING_ROLE = 'funding';

/**
 * May this actor take part in a movement on an account of this owner, on this side? Admins and the
 * platform itself may; an owner only on the side the rule makes it own. The ledger calls this for every
 * posting; the other side of an owner's movement is anybody's account.
 */
export function mayActOn(
  actor: Actor,
  type: TransactionType,
  side: 'debit' | 'credit',
  accountOwnerId: string,
): boolean {
  if (actor.kind !== 'owner') return true;
  if (MOVEMENT_RULES[type].ownerMustOwn !== side) return true;
  return accountOwnerId === actor.id;
}

/**
 * An owner's top-up debits only a funding provider's account (money that provider confirmed it
 * collected); an admin's may debit any EXTERNAL account it names.
 */
export function mayDebitForTopUp(actor: Actor, account: { metadata: Record<string, unknown> }): boolean {
  return actor.kind !== 'owner' || account.metadata.role === FUNDING_ROLE;
}
