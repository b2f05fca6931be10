import type { PostEntryMessage, ReverseEntryMessage } from '@billing/contracts/messages/ledger';
import type { LedgerBatch } from '../ledger-commands/ledger-batch';
import type { OriginalEntry } from '../reverse-entry/reverse-entry.decide';
import { decideReverseEntry } from '../reverse-entry/reverse-entry.decide';
import { metaFrom } from '../shared/ledger-deps';
import { decidePostEntry } from './post-entry.decide';

export async function applyPostEntry(batch: LedgerBatch, command: PostEntryMessage): Promise<void> {
  const meta = metaFrom(batch.deps, command);
  const key = command.data.postings.find((p) => p.side === 'debit')?.accountId ?? command.data.transactionId;
  if (await batch.answeredBefore(command, key, meta)) return;
  const decision = decidePostEntry(
    { ...command.data, actor: command.actor },
    batch.accounts,
    batch.currencies,
  );
  if (decision.kind === 'rejected') return batch.reject(command, key, meta, decision);
  for (const account of decision.accounts) batch.update(account);
  batch.recordEntry({ ...command.data, reversesEntryId: null }, decision.postings, command, meta);
}

export async function applyReverseEntry(
  batch: LedgerBatch,
  command: ReverseEntryMessage,
  originals: ReadonlyMap<string, OriginalEntry>,
): Promise<void> {
  const meta = metaFrom(batch.deps, command);
  const original = originals.get(command.data.entryId);
  const key = original?.postings.find((p) => p.side === 'credit')?.accountId ?? command.data.transactionId;
  if (await batch.answeredBefore(command, key, meta)) return;
  const scale = original ? batch.scaleOf(original.currency) : 0;
  const decision = decideReverseEntry(original, command.data.entryId, batch.accounts, command.actor, scale);
  if (decision.kind === 'rejected') return batch.reject(command, key, meta, decision);
  for (const account of decision.accounts) batch.update(account);
  batch.recordEntry(
    {
      transactionId: command.data.transactionId,
      step: command.data.step,
      transactionType: original!.transactionType,
      currency: original!.currency,
      commandId: command.data.commandId,
      reversesEntryId: original!.id,
    },
    decision.postings,
    command,
    meta,
  );
  // Another reversal of the same entry later in this batch must see this one.
  (originals as Map<string, OriginalEntry>).set(original!.id, {
    ...original!,
    reversedBy: command.data.commandId,
  });
}
