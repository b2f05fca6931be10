import type { ConsumedMessage } from '@billing/platform/consumer';
import { claimInboxBatch } from '@billing/platform/inbox';
import { appendToOutbox } from '@billing/platform/outbox';
import { loadCurrencies, lockAccounts, saveAccounts } from '../accounts/account.store';
import { applyCaptureHold, applyPlaceHold, applyReleaseHold } from '../holds/holds.apply';
import { lockHolds } from '../holds/holds.store';
import { applyPostEntry, applyReverseEntry } from '../post-entry/post-entry.apply';
import type { LedgerDeps } from '../shared/ledger-deps';
import { loadEntries, loadEntriesBySteps } from './entries.store';
import { LedgerBatch, type LedgerCommand } from './ledger-batch';
import { insertRejections, loadRejections } from './rejections.store';

/**
 * Applies a batch of ledger commands in ONE transaction. Everything the batch touches is locked once,
 * holds before accounts and each in id order (the expiry sweep locks in the same order, so they queue
 * instead of deadlocking); the refusals stored for the batch's (transaction, step)s are read after the
 * locks; each command is decided against what its predecessors left; a refusal is an outcome event, not
 * an abort, so it never undoes its neighbours, and it is remembered. Events, postings, snapshots and outbox
 * rows commit together, and only then are the offsets committed.
 */
export async function handleLedgerCommands(
  deps: LedgerDeps,
  batch: ConsumedMessage<'ledgerCommands'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    const currencies = await loadCurrencies(trx);
    // The whole batch's inbox rows in one statement; a message seen before (or twice in this batch) drops out.
    const fresh: LedgerCommand[] = (
      await claimInboxBatch(
        trx,
        batch.map((item) => ({ ...item, messageId: item.message.messageId, type: item.message.type })),
      )
    ).map((item) => item.message);
    const holds = await lockHolds(trx, fresh.flatMap(holdIdOf), currencies);
    const originals = await loadEntries(
      trx,
      fresh.flatMap((c) => (c.type === 'ReverseEntry' ? [c.data.entryId] : [])),
      currencies,
    );
    const accountIds = fresh.flatMap((c): string[] => {
      switch (c.type) {
        case 'PostEntry':
          return c.data.postings.map((p) => p.accountId);
        // A hold's credit account is judged when the hold is placed, and its owner may be the one who
        // settles the hold (a top-up), so every hold command locks it with the held account.
        case 'PlaceHold':
          return present(c.data.accountId, c.data.creditAccountId);
        case 'CaptureHold': {
          const hold = holds.get(c.data.holdId);
          return present(hold?.accountId, hold?.creditAccountId, c.data.creditAccountId);
        }
        case 'ReleaseHold': {
          const hold = holds.get(c.data.holdId);
          return present(hold?.accountId, hold?.creditAccountId);
        }
        case 'ReverseEntry':
          return originals.get(c.data.entryId)?.postings.map((p) => p.accountId) ?? [];
      }
    });
    const accounts = await lockAccounts(trx, accountIds, currencies);
    const rejections = await loadRejections(trx, fresh);
    const posted = await loadEntriesBySteps(
      trx,
      fresh.flatMap((c) =>
        c.type === 'PostEntry' || c.type === 'ReverseEntry'
          ? [{ transactionId: c.data.transactionId, step: c.data.step }]
          : [],
      ),
    );
    const work = new LedgerBatch(trx, deps, currencies, accounts, holds, rejections, posted);
    for (const command of fresh) {
      switch (command.type) {
        case 'PostEntry':
          await applyPostEntry(work, command);
          break;
        case 'PlaceHold':
          await applyPlaceHold(work, command);
          break;
        case 'CaptureHold':
          await applyCaptureHold(work, command);
          break;
        case 'ReleaseHold':
          await applyReleaseHold(work, command);
          break;
        case 'ReverseEntry':
          await applyReverseEntry(work, command, originals);
          break;
        default: {
          const unreachable: never = command;
          throw new Error(`unhandled command ${JSON.stringify(unreachable)}`);
        }
      }
    }
    await work.flush();
    const nowIso = new Date(deps.nowMs()).toISOString();
    await saveAccounts(
      trx,
      [...work.touched].sort().map((id) => {
        const account = work.accounts.get(id)!;
        return { account, scale: work.scaleOf(account.currency) };
      }),
      nowIso,
    );
    await insertRejections(trx, work.newRejections);
    await appendToOutbox(trx, work.outgoing);
  });
}

function present(...ids: (string | null | undefined)[]): string[] {
  return ids.filter((id): id is string => typeof id === 'string');
}

function holdIdOf(command: LedgerCommand): string[] {
  return command.type === 'PlaceHold' || command.type === 'CaptureHold' || command.type === 'ReleaseHold'
    ? [command.data.holdId]
    : [];
}
