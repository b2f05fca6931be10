import type { CommandRejectedMessage } from '@billing/contracts/messages/ledger';
import { runStatement, statement, type Knex } from '@billing/platform/db';
import type { LedgerCommand } from './ledger-batch';

/** A refusal as stored: the CommandRejected that answered it, to be answered again under a new id. */
export interface StoredRejection {
  transactionId: string;
  step: string;
  commandType: string;
  commandId: string;
  messageId: string;
  data: CommandRejectedMessage['data'];
  rejectedAt: string;
}

/**
 * The name under which a command's refusal is remembered. Entries, reversals and captures carry their
 * step (a saga retrying a refused capture does so under a new step, which is a new command); a
 * transaction has one hold and one release, named by the command.
 */
export function rejectionStep(command: LedgerCommand): string {
  switch (command.type) {
    case 'PostEntry':
    case 'ReverseEntry':
    case 'CaptureHold':
      return command.data.step;
    case 'PlaceHold':
      return 'hold';
    case 'ReleaseHold':
      return 'release';
    default: {
      const unreachable: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unreachable)}`);
    }
  }
}

export function rejectionKey(transactionId: string, step: string): string {
  return `${transactionId}/${step}`;
}

interface RejectionRow {
  transaction_id: string;
  step: string;
  command_type: string;
  command_id: string;
  message_id: string;
  data: CommandRejectedMessage['data'];
  rejected_at: Date;
}

const LOAD_REJECTIONS = statement(
  'ledger_load_rejections',
  `select transaction_id, step, command_type, command_id, message_id, data, rejected_at from rejections
    where (transaction_id, step) in (select * from unnest($1::uuid[], $2::text[]))`,
);

/**
 * The stored refusals of every (transaction, step) a batch names, in one query. Read after the batch
 * took its row locks, so a refusal committed by a batch that held them is seen.
 */
export async function loadRejections(
  trx: Knex.Transaction,
  commands: readonly LedgerCommand[],
): Promise<Map<string, StoredRejection>> {
  if (commands.length === 0) return new Map();
  const rows = await runStatement<RejectionRow>(trx, LOAD_REJECTIONS, [
    commands.map((c) => c.data.transactionId),
    commands.map((c) => rejectionStep(c)),
  ]);
  return new Map(
    rows.map((r) => [
      rejectionKey(r.transaction_id, r.step),
      {
        transactionId: r.transaction_id,
        step: r.step,
        commandType: r.command_type,
        commandId: r.command_id,
        messageId: r.message_id,
        data: r.data,
        rejectedAt: r.rejected_at.toISOString(),
      },
    ]),
  );
}

const INSERT_REJECTIONS = statement(
  'ledger_insert_rejections',
  `insert into rejections (transaction_id, step, command_type, command_id, message_id, data, rejected_at)
   select * from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::jsonb[],
                        $7::timestamptz[])
   on conflict (transaction_id, step) do nothing`,
);

/** Stores a batch's new refusals in one statement; a (transaction, step) keeps its first refusal. */
export async function insertRejections(
  trx: Knex.Transaction,
  rejections: readonly StoredRejection[],
): Promise<void> {
  if (rejections.length === 0) return;
  await runStatement(trx, INSERT_REJECTIONS, [
    rejections.map((r) => r.transactionId),
    rejections.map((r) => r.step),
    rejections.map((r) => r.commandType),
    rejections.map((r) => r.commandId),
    rejections.map((r) => r.messageId),
    rejections.map((r) => JSON.stringify(r.data)),
    rejections.map((r) => r.rejectedAt),
  ]);
}
