import type { Knex } from '@billing/platform/db';
import type { TransactionProviderStepRecordedMessage } from '@billing/contracts/messages/transactions';
import { tableOf } from '../read-model/schema';
import { insertIgnoringDuplicates } from '../shared/insert-chunked';

/** One row of the timeline's provider steps, as the event says it. Pure. */
export function providerStepRow(message: TransactionProviderStepRecordedMessage) {
  const { data } = message;
  return {
    transaction_id: data.transactionId,
    hlc: message.hlc,
    provider: data.provider,
    operation: data.operation,
    attempt: data.attempt,
    outcome: data.outcome,
    code: data.code,
    detail: data.detail,
    provider_reference: data.providerReference,
    at: data.at,
  };
}

/** Records each provider attempt once, by its HLC stamp: a republished event adds nothing. */
export async function applyProviderSteps(
  trx: Knex.Transaction,
  schema: string,
  messages: readonly TransactionProviderStepRecordedMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await insertIgnoringDuplicates(
    trx,
    tableOf(schema, 'transaction_provider_steps'),
    messages.map(providerStepRow),
    ['transaction_id', 'hlc'],
  );
}
