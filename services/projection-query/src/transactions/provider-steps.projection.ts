import { runStatement, type Knex } from '@billing/platform/db';
import type { TransactionProviderStepRecordedMessage } from '@billing/contracts/messages/transactions';
import { perSchema } from '../shared/statements';

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
  const steps = messages.map(providerStepRow);
  await runStatement(trx, RECORD_STEPS(schema), [
    steps.map((s) => s.transaction_id),
    steps.map((s) => s.hlc),
    steps.map((s) => s.provider),
    steps.map((s) => s.operation),
    steps.map((s) => s.attempt),
    steps.map((s) => s.outcome),
    steps.map((s) => s.code),
    steps.map((s) => s.detail),
    steps.map((s) => s.provider_reference),
    steps.map((s) => s.at),
  ]);
}

const RECORD_STEPS = perSchema(
  'provider_steps_insert',
  (schema) =>
    `insert into ${schema}.transaction_provider_steps (transaction_id, hlc, provider, operation, attempt, outcome,
       code, detail, provider_reference, at)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::timestamptz[])
     on conflict (transaction_id, hlc) do nothing`,
);
