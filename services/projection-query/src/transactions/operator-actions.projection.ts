import { runStatement, type Knex } from '@billing/platform/db';
import type {
  TransactionInvestigationClearedMessage,
  TransactionInvestigationFlaggedMessage,
  TransactionStepRetriedMessage,
} from '@billing/contracts/messages/operations';
import { perSchema } from '../shared/statements';

export type OperatorEventMessage =
  | TransactionStepRetriedMessage
  | TransactionInvestigationFlaggedMessage
  | TransactionInvestigationClearedMessage;

/** One row of the timeline's operator steps, as the event says it. Pure. */
export function operatorActionRow(message: OperatorEventMessage) {
  const base = { transaction_id: message.data.transactionId, hlc: message.hlc };
  switch (message.type) {
    case 'TransactionStepRetried':
      return {
        ...base,
        kind: 'step_retried',
        label: message.data.step,
        note: null,
        actor: JSON.stringify(message.data.requestedBy),
        at: message.data.at,
      };
    case 'TransactionInvestigationFlagged':
      return {
        ...base,
        kind: 'investigation_flagged',
        label: 'flagged for investigation',
        note: message.data.note,
        actor: JSON.stringify(message.data.flaggedBy),
        at: message.data.flaggedAt,
      };
    case 'TransactionInvestigationCleared':
      return {
        ...base,
        kind: 'investigation_cleared',
        label: 'investigation cleared',
        note: message.data.note,
        actor: JSON.stringify(message.data.clearedBy),
        at: message.data.clearedAt,
      };
  }
}

const RECORD_ACTIONS = perSchema(
  'operator_actions_insert',
  (schema) =>
    `insert into ${schema}.transaction_operator_actions (transaction_id, hlc, kind, label, note, actor, at)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
     on conflict (transaction_id, hlc) do nothing`,
);

// One statement per event: an upsert cannot touch a row twice, and a batch may flag and clear one transaction.
const SET_INVESTIGATION = perSchema(
  'investigations_upsert',
  (schema) =>
    `insert into ${schema}.transaction_investigations as i
       (transaction_id, flagged, note, flagged_by, flagged_at, last_hlc)
     values ($1::uuid, $2::boolean, $3::text, $4::jsonb, $5::timestamptz, $6::text)
     on conflict (transaction_id) do update
       set flagged = excluded.flagged, note = excluded.note, flagged_by = excluded.flagged_by,
           flagged_at = excluded.flagged_at, last_hlc = excluded.last_hlc
     where i.last_hlc < excluded.last_hlc`,
);

/**
 * Records operators' actions (each once, by its HLC stamp) and keeps each transaction's investigation
 * flag as its newest flag or clear event says: a republished older event has an older stamp and leaves
 * the flag as it is.
 */
export async function applyOperatorEvents(
  trx: Knex.Transaction,
  schema: string,
  messages: readonly OperatorEventMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const actions = messages.map(operatorActionRow);
  await runStatement(trx, RECORD_ACTIONS(schema), [
    actions.map((a) => a.transaction_id),
    actions.map((a) => a.hlc),
    actions.map((a) => a.kind),
    actions.map((a) => a.label),
    actions.map((a) => a.note),
    actions.map((a) => a.actor),
    actions.map((a) => a.at),
  ]);
  for (const message of messages) {
    if (message.type === 'TransactionStepRetried') continue;
    const row =
      message.type === 'TransactionInvestigationFlagged'
        ? {
            transaction_id: message.data.transactionId,
            flagged: true,
            note: message.data.note,
            flagged_by: JSON.stringify(message.data.flaggedBy),
            flagged_at: message.data.flaggedAt,
            last_hlc: message.hlc,
          }
        : {
            transaction_id: message.data.transactionId,
            flagged: false,
            note: null,
            flagged_by: null,
            flagged_at: null,
            last_hlc: message.hlc,
          };
    await runStatement(trx, SET_INVESTIGATION(schema), [
      row.transaction_id,
      row.flagged,
      row.note,
      row.flagged_by,
      row.flagged_at,
      row.last_hlc,
    ]);
  }
}
