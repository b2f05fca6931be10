import type { ConsumedMessage } from '@billing/platform/consumer';
import { claimInbox } from '@billing/platform/inbox';
import { applyWorkflowStep, type SagaDeps } from './apply-decision';

/** Client requests: each starts (or, when replayed, re-finds) one saga. One transaction per batch. */
export async function handleTransactionCommands(
  deps: SagaDeps,
  batch: ConsumedMessage<'transactionCommands'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    for (const item of batch) {
      const message = item.message;
      if (!(await claimInbox(trx, { messageId: message.messageId, type: message.type, ...item }))) continue;
      const at = new Date(deps.nowMs()).toISOString();
      await applyWorkflowStep(
        deps,
        trx,
        message.data.transactionId,
        { kind: 'requested', request: message.data, actor: message.actor, at },
        message,
      );
    }
  });
}

/** Ledger outcomes advance the saga they belong to; events of no saga (accounts opened) pass by. */
export async function handleLedgerEvents(
  deps: SagaDeps,
  batch: ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    for (const item of batch) {
      const event = item.message;
      if (event.type === 'AccountOpened') continue;
      const transactionId = event.data.transactionId;
      if (transactionId === null) continue;
      if (!(await claimInbox(trx, { messageId: event.messageId, type: event.type, ...item }))) continue;
      const at = new Date(deps.nowMs()).toISOString();
      const input =
        event.type === 'EntryPosted'
          ? ({ kind: 'entry-posted', commandId: event.data.commandId, at } as const)
          : ({
              kind: 'command-rejected',
              commandId: event.data.commandId,
              code: event.data.code,
              detail: event.data.detail,
              at,
            } as const);
      await applyWorkflowStep(deps, trx, transactionId, input, event);
    }
  });
}
