import type { Knex } from '@billing/platform/db';
import { initialTopUpState, type TopUpState } from '../topup/topup.workflow';

export interface SagaRecord {
  state: TopUpState;
  version: number;
}

/** Loads a saga and locks its row for the rest of the transaction; a missing saga is the initial state. */
export async function loadSaga(trx: Knex.Transaction, transactionId: string): Promise<SagaRecord> {
  const row = await trx('sagas')
    .where({ transaction_id: transactionId })
    .forUpdate()
    .first<{ state: TopUpState; version: number } | undefined>();
  return row ? { state: row.state, version: row.version } : { state: initialTopUpState(), version: 0 };
}

/** Writes the new state; the version check turns a concurrent writer into an error instead of a lost update. */
export async function saveSaga(
  trx: Knex.Transaction,
  transactionId: string,
  previous: SagaRecord,
  next: TopUpState,
  nowIso: string,
): Promise<void> {
  if (next.status === 'absent') return;
  const done = next.status === 'completed' || next.status === 'failed';
  if (previous.version === 0) {
    await trx('sagas').insert({
      transaction_id: transactionId,
      type: next.summary.type,
      status: next.status,
      state: JSON.stringify(next),
      request_hash: next.requestHash,
      version: 1,
      created_at: nowIso,
      updated_at: nowIso,
      completed_at: done ? nowIso : null,
    });
    return;
  }
  const updated = await trx('sagas')
    .where({ transaction_id: transactionId, version: previous.version })
    .update({
      status: next.status,
      state: JSON.stringify(next),
      version: previous.version + 1,
      updated_at: nowIso,
      completed_at: done ? nowIso : null,
    });
  if (updated !== 1) throw new Error(`saga ${transactionId} was changed concurrently`);
}
