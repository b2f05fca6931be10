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
  /** The account the capture must credit, checked when the hold was placed; null if none was named. */
  creditAccountId: string | null;
  /**
   * When a capture was first asked for. From then on the hold is owed to whoever was paid: it is never
   * released, by a command or by the expiry sweep, even while the capture itself keeps being refused.
   */
  captureRequestedAt: string | null;
}
