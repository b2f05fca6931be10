import type { ConsumedMessage } from '@billing/platform/consumer';
import { claimInbox } from '@billing/platform/inbox';
import type { TopUpInput } from '../topup/topup.workflow';
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

/** Ledger outcomes advance the saga they belong to; events that belong to no saga pass by. */
export async function handleLedgerEvents(
  deps: SagaDeps,
  batch: ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    for (const item of batch) {
      const event = item.message;
      const at = new Date(deps.nowMs()).toISOString();
      let transactionId: string | null;
      let input: TopUpInput;
      switch (event.type) {
        case 'EntryPosted':
          transactionId = event.data.transactionId;
          input = { kind: 'entry-posted', commandId: event.data.commandId, at };
          break;
        case 'CommandRejected':
          transactionId = event.data.transactionId;
          input = {
            kind: 'command-rejected',
            commandId: event.data.commandId,
            code: event.data.code,
            detail: event.data.detail,
            at,
          };
          break;
        case 'AccountOpened':
        case 'AccountStatusChanged':
        case 'AccountLimitsChanged':
        case 'CurrencyAdded':
        case 'HoldPlaced':
        case 'HoldCaptured':
        case 'HoldReleased':
          // No workflow waits on these yet; the hold-based workflows will.
          continue;
        default: {
          const unreachable: never = event;
          throw new Error(`unhandled event ${JSON.stringify(unreachable)}`);
        }
      }
      if (transactionId === null) continue;
      if (!(await claimInbox(trx, { messageId: event.messageId, type: event.type, ...item }))) continue;
      await applyWorkflowStep(deps, trx, transactionId, input, event);
    }
  });
}
