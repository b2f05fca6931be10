import type { TopicMessage } from '@billing/contracts/catalog';
import { settlementAccountId } from '@billing/contracts/uuid';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { claimInbox } from '@billing/platform/inbox';
import type { MovementRequest, RefundReservation, WorkflowInput } from '../workflow/types';
import { applyWorkflowStep, type SagaDeps } from './apply-decision';
import { findPayment, loadSaga, reserveRefund } from './saga.store';

type TransactionCommand = TopicMessage<'transactionCommands'>;

/** Client requests: each starts (or, when replayed, re-finds) one saga. One transaction per batch. */
export async function handleTransactionCommands(
  deps: SagaDeps,
  batch: ConsumedMessage<'transactionCommands'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    for (const item of batch) {
      const command = item.message;
      if (!(await claimInbox(trx, { messageId: command.messageId, type: command.type, ...item }))) continue;
      const at = new Date(deps.nowMs()).toISOString();
      const record = await loadSaga(trx, command.data.transactionId);
      const request = await toRequest(trx, command);
      let refund: RefundReservation | undefined;
      // A refund reserves its amount only when it starts; a replay must not reserve a second time.
      if (request.type === 'refund' && record.state.status === 'absent') refund = await reserve(trx, request);
      const input: WorkflowInput = {
        kind: 'requested',
        request,
        actor: command.actor,
        at,
        ...(refund ? { refund } : {}),
      };
      await applyWorkflowStep(deps, trx, request.transactionId, request.type, input, command, record);
    }
  });
}

/** The request of any movement type in the one shape the workflows share. */
async function toRequest(trx: Knex.Transaction, command: TransactionCommand): Promise<MovementRequest> {
  const common = { originalTransactionId: null, details: {} };
  switch (command.type) {
    case 'RequestTopUp':
      return { type: 'topup', ...command.data, ...common };
    case 'RequestWithdrawal':
      return { type: 'withdrawal', ...command.data, ...common };
    case 'RequestTransfer':
      return { type: 'transfer', ...command.data, ...common };
    case 'RequestPayment':
      return { type: 'payment', ...command.data, ...common };
    case 'RequestRefund': {
      // A refund gives money back the way it came: from the merchant to the customer of the payment.
      const payment = await findPayment(trx, command.data.originalTransactionId);
      const { originalTransactionId, ...rest } = command.data;
      return {
        type: 'refund',
        ...rest,
        sourceAccountId: payment?.destinationAccountId ?? originalTransactionId,
        destinationAccountId: payment?.sourceAccountId ?? originalTransactionId,
        originalTransactionId,
        details: {},
      };
    }
    case 'RequestBillPayment': {
      const { accountId, billType, provider, meterNumber, ...rest } = command.data;
      return {
        type: 'bill_payment',
        ...rest,
        sourceAccountId: accountId,
        destinationAccountId: settlementAccountId(provider, command.data.currency),
        originalTransactionId: null,
        details: { billType, provider, meterNumber },
      };
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
    }
  }
}

async function reserve(trx: Knex.Transaction, request: MovementRequest): Promise<RefundReservation> {
  const result = await reserveRefund(trx, request.originalTransactionId!, request.amount, request.currency);
  switch (result) {
    case 'reserved':
      return { reserved: true };
    case 'exceeds':
      return {
        reserved: false,
        code: 'REFUND.EXCEEDS_ORIGINAL',
        detail: 'the refunds would exceed the original payment',
      };
    case 'not-refundable':
      return {
        reserved: false,
        code: 'REFUND.NOT_REFUNDABLE',
        detail: 'only a completed payment in the same currency can be refunded',
      };
  }
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
      let input: WorkflowInput;
      switch (event.type) {
        case 'EntryPosted':
        case 'HoldPlaced':
        case 'HoldCaptured':
        case 'HoldReleased':
          if (event.data.commandId === null) continue; // released by the ledger's expiry sweep, not asked for
          input = { kind: 'ledger-done', event: event.type, commandId: event.data.commandId, at };
          break;
        case 'CommandRejected':
          if (event.data.transactionId === null) continue;
          input = {
            kind: 'ledger-refused',
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
          continue;
        default: {
          const unreachable: never = event;
          throw new Error(`unhandled event ${JSON.stringify(unreachable)}`);
        }
      }
      if (!(await claimInbox(trx, { messageId: event.messageId, type: event.type, ...item }))) continue;
      await applyWorkflowStep(deps, trx, event.data.transactionId!, null, input, event);
    }
  });
}
