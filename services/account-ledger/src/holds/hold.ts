import type { TransactionType } from '@billing/contracts/messages/ledger';

export type HoldStatus = 'open' | 'captured' | 'released' | 'expired';

/** A reservation on one account. Open holds lower the account's available balance by their amount. */
export interface Hold {
  id: string;
  accountId: string;
  transactionId: string;
  transactionType: TransactionType;
  currency: string;
  amountMinor: bigint;
  status: HoldStatus;
  expiresAt: string;
  capturedMinor: bigint;
  entryId: string | null;
}
