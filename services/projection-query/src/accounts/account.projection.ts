import type { AccountOpenedMessage, AccountStatusChangedMessage } from '@billing/contracts/messages/accounts';
import type { EntryPostedMessage } from '@billing/contracts/messages/ledger';
import { decimalPlaces } from '@billing/contracts/money';
import type { Knex } from '@billing/platform/db';

/** AccountOpened creates the view once; a re-announcement of an open account changes nothing. */
export async function projectAccountOpened(
  trx: Knex.Transaction,
  event: AccountOpenedMessage,
): Promise<void> {
  const d = event.data;
  await trx('account_views')
    .insert({
      id: d.accountId,
      owner_id: d.ownerId,
      owner_type: d.ownerType,
      type: d.type,
      currency: d.currency,
      // The ledger writes amounts at the currency's scale, so the opening balance tells the scale.
      scale: decimalPlaces(d.balance),
      status: d.status,
      balance: d.balance,
      metadata: JSON.stringify(d.metadata),
      stream_version: d.streamVersion,
      created_at: d.openedAt,
      updated_at: d.openedAt,
    })
    .onConflict('id')
    .ignore();
}

/**
 * Each posting carries the account's balance after it and the stream version it made. Entries keyed by
 * another account travel on other partitions, so they can arrive out of order: a posting is applied
 * only when its version is newer than the view's, and the balance it carries is absolute.
 */
export async function projectEntryPosted(trx: Knex.Transaction, event: EntryPostedMessage): Promise<void> {
  for (const p of event.data.postings) {
    await trx('account_views')
      .where({ id: p.accountId })
      .andWhere('stream_version', '<', p.streamVersion)
      .update({ balance: p.balanceAfter, stream_version: p.streamVersion, updated_at: event.data.postedAt });
  }
}

/** A status change carries the account's stream version; an older one never overwrites a newer state. */
export async function projectStatusChanged(
  trx: Knex.Transaction,
  event: AccountStatusChangedMessage,
): Promise<void> {
  await trx('account_views')
    .where({ id: event.data.accountId })
    .andWhere('status_version', '<', event.data.streamVersion)
    .update({
      status: event.data.status,
      status_version: event.data.streamVersion,
      updated_at: event.data.changedAt,
    });
}
