import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import { mayActOn, mayDebitForTopUp, MOVEMENT_RULES } from '@billing/contracts/policy';
import type { Account } from '../accounts/account';
import { reject, type Rejection } from './rejection';

/**
 * The checks every account taking part in a movement passes, whether it is posted at once, held, or
 * captured later: it exists, holds the movement's currency, is active, is of a type the movement may
 * debit or credit (MOVEMENT_RULES, the table the gateway and the orchestrator read too), and the actor
 * may act on it. One function, so a hold and its capture can never judge an account differently.
 */
export function checkParticipant(
  movement: { actor: Actor; type: TransactionType; currency: string },
  side: 'debit' | 'credit',
  accountId: string,
  account: Account | undefined,
): Rejection | null {
  if (!account) return reject('ACCOUNT.NOT_FOUND', `account ${accountId} does not exist`, accountId);
  if (account.currency !== movement.currency) {
    return reject(
      'CURRENCY.MISMATCH',
      `account ${account.id} holds ${account.currency}, the movement is in ${movement.currency}`,
      account.id,
    );
  }
  if (account.status !== 'active') {
    return reject('ACCOUNT.INACTIVE', `account ${account.id} is ${account.status}`, account.id);
  }
  if (!MOVEMENT_RULES[movement.type][side].includes(account.type)) {
    return reject(
      'ACCOUNT.TYPE_NOT_ALLOWED',
      `a ${movement.type} may not ${side} a ${account.type} account`,
      account.id,
    );
  }
  return authorizeParticipant(movement.actor, movement.type, side, account);
}

/**
 * Who may act on which side: an owner only on the side the rule makes it own (its own account is debited,
 * or for a top-up, credited), and an owner's top-up debits only a funding provider's account, never an
 * EXTERNAL account the owner picked. Admins and the platform may use any account the type rules allow.
 */
export function authorizeParticipant(
  actor: Actor,
  type: TransactionType,
  side: 'debit' | 'credit',
  account: Account,
): Rejection | null {
  if (!mayActOn(actor, type, side, account.ownerId)) {
    return reject('AUTH.FORBIDDEN', `actor ${actor.id} may not ${side} account ${account.id}`, account.id);
  }
  if (type === 'topup' && side === 'debit' && !mayDebitForTopUp(actor, account)) {
    return reject(
      'AUTH.FORBIDDEN',
      `an owner's top-up may debit only a funding provider's account, not ${account.id}`,
      account.id,
    );
  }
  return null;
}

/** Refusals that would tell an owner something about an account: its existence, type, currency, state. */
const REVEALING: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ACCOUNT.NOT_FOUND',
  'ACCOUNT.INACTIVE',
  'ACCOUNT.TYPE_NOT_ALLOWED',
  'ACCOUNT.LIMIT_EXCEEDED',
  'ACCOUNT.INSUFFICIENT_FUNDS',
  'CURRENCY.MISMATCH',
  'AUTH.FORBIDDEN',
]);

/** The one answer an owner gets about any account it does not own, whatever is wrong with it. */
export function unavailable(accountId: string, type: TransactionType): Rejection {
  return reject('ACCOUNT.UNAVAILABLE', `account ${accountId} cannot take part in this ${type}`, accountId);
}

/**
 * A refusal as the actor may see it. An owner naming someone else's account (or an id that exists
 * nowhere) must not learn whether it exists, nor its type, currency, status or limits, or the ledger
 * becomes an oracle for probing other people's accounts: all of those become one code with one detail
 * and no figures. Refusals about the owner's own accounts stay specific (it may know its own funds), and
 * admins and the platform always get the specific code.
 */
export function asSeenBy(
  actor: Actor,
  type: TransactionType,
  accounts: ReadonlyMap<string, Account>,
  rejection: Rejection,
): Rejection {
  if (actor.kind !== 'owner' || rejection.accountId === null || !REVEALING.has(rejection.code)) {
    return rejection;
  }
  if (accounts.get(rejection.accountId)?.ownerId === actor.id) return rejection;
  return unavailable(rejection.accountId, type);
}
