import type { Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { AccountType } from '@billing/contracts/messages/accounts';
import { defaultMinBalance, type Account, type CurrencyCatalog } from '../accounts/account';

export interface OpenAccountCommand {
  accountId: string;
  ownerId: string;
  ownerType: string;
  type: AccountType;
  currency: string;
  metadata: Record<string, string>;
  actor: Actor;
}

export type OpenAccountDecision =
  | { kind: 'opened'; account: Account }
  | { kind: 'already-open'; account: Account }
  | { kind: 'rejected'; code: ErrorCode; detail: string };

/**
 * Opening is idempotent on the account id: the same request again answers with the account as it was
 * opened; a different request for a taken id is refused. Only admins open EXTERNAL and SYSTEM accounts;
 * an owner opens USER accounts for itself.
 */
export function decideOpenAccount(
  command: OpenAccountCommand,
  existing: Account | null,
  currencies: CurrencyCatalog,
  nowIso: string,
): OpenAccountDecision {
  const { actor } = command;
  if (actor.kind === 'owner' && (command.type !== 'USER' || command.ownerId !== actor.id)) {
    return {
      kind: 'rejected',
      code: 'AUTH.FORBIDDEN',
      detail: 'an owner may only open USER accounts for itself',
    };
  }
  if (!currencies.has(command.currency)) {
    return {
      kind: 'rejected',
      code: 'CURRENCY.UNKNOWN',
      detail: `currency ${command.currency} is not known`,
    };
  }
  if (existing) {
    const same =
      existing.ownerId === command.ownerId &&
      existing.ownerType === command.ownerType &&
      existing.type === command.type &&
      existing.currency === command.currency;
    return same
      ? { kind: 'already-open', account: existing }
      : {
          kind: 'rejected',
          code: 'ACCOUNT.ALREADY_EXISTS',
          detail: `account ${command.accountId} exists with other attributes`,
        };
  }
  return {
    kind: 'opened',
    account: {
      id: command.accountId,
      ownerId: command.ownerId,
      ownerType: command.ownerType,
      type: command.type,
      currency: command.currency,
      status: 'active',
      balanceMinor: 0n,
      heldMinor: 0n,
      minBalanceMinor: defaultMinBalance(command.type),
      maxBalanceMinor: null,
      metadata: command.metadata,
      version: 1,
      createdAt: nowIso,
    },
  };
}
