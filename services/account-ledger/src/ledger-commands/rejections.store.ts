import type { CommandRejectedMessage } from '@billing/contracts/messages/ledger';
import type { Knex } from '@billing/platform/db';
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

/**
 * The stored refusals of every (transaction, step) a batch names, in one query. Read after the batch
 * took its row locks, so a refusal committed by a batch that held them is seen.
 */
export async function loadRejections(
  trx: Knex.Transaction,
  commands: readonly LedgerCommand[],
): Promise<Map<string, StoredRejection>> {
  if (commands.length === 0) return new Map();
  const pairs = commands.map((c) => [c.data.transactionId, rejectionStep(c)]);
  const rows: RejectionRow[] = await trx('rejections').whereIn(['transaction_id', 'step'], pairs).select('*');
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

/** Stores a batch's new refusals in one statement; a (transaction, step) keeps its first refusal. */
export async function insertRejections(
  trx: Knex.Transaction,
  rejections: readonly StoredRejection[],
): Promise<void> {
  if (rejections.length === 0) return;
  await trx('rejections')
    .insert(
      rejections.map((r) => ({
        transaction_id: r.transactionId,
        step: r.step,
        command_type: r.commandType,
        command_id: r.commandId,
        message_id: r.messageId,
        data: JSON.stringify(r.data),
        rejected_at: r.rejectedAt,
      })),
    )
    .onConflict(['transaction_id', 'step'])
    .ignore();
}
