import type { TopicMessage } from '@billing/contracts/catalog';
import { fundingAccountId, settlementAccountId } from '@billing/contracts/uuid';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { claimInboxBatch } from '@billing/platform/inbox';
import { appendToOutbox, type OutboxMessage } from '@billing/platform/outbox';
import type {
  MovementRequest,
  OperatorRequest,
  RefundReservation,
  WorkflowInput,
  WorkflowSettings,
} from '../workflow/types';
import { applyWorkflowStep, type SagaDeps } from './apply-decision';
import { findPayment, loadSagas, reserveRefund, SagaWrites } from './saga.store';

type TransactionCommand = TopicMessage<'transactionCommands'>;
type OperatorCommand = Extract<
  TransactionCommand,
  { type: 'RetryTransactionStep' | 'FlagTransactionForInvestigation' | 'ClearTransactionInvestigation' }
>;
type MovementCommand = Exclude<TransactionCommand, OperatorCommand>;

/** An operator's command in the shape the workflow decides, or null for a money movement's request. */
function operatorRequestOf(command: TransactionCommand): OperatorRequest | null {
  const { transactionId, requestHash } = command.data;
  switch (command.type) {
    case 'RetryTransactionStep':
      return { transactionId, requestId: command.data.requestId, requestHash, action: 'retry' };
    case 'FlagTransactionForInvestigation':
      return {
        transactionId,
        requestId: command.data.requestId,
        requestHash,
        action: 'flag',
        note: command.data.note,
      };
    case 'ClearTransactionInvestigation':
      return {
        transactionId,
        requestId: command.data.requestId,
        requestHash,
        action: 'clear',
        note: command.data.note,
      };
    default:
      return null;
  }
}

/**
 * Client requests: each starts (or, when replayed, re-finds) one saga. One transaction per batch, and a
 * handful of statements for the whole batch: the inbox is claimed and the sagas are loaded and locked in
 * one statement each; the sagas' new states (`SagaWrites`) and every step's messages are written at the
 * end, one statement per table.
 */
export async function handleTransactionCommands(
  deps: SagaDeps,
  batch: ConsumedMessage<'transactionCommands'>[],
): Promise<void> {
  await deps.knex.transaction(async (trx) => {
    const fresh = await claimInboxBatch(
      trx,
      batch.map((item) => ({ ...item, messageId: item.message.messageId, type: item.message.type })),
    );
    const records = await loadSagas(
      trx,
      fresh.map((item) => item.message.data.transactionId),
    );
    const outbox: OutboxMessage[] = [];
    const writes = new SagaWrites();
    for (const item of fresh) {
      const command = item.message;
      const transactionId = command.data.transactionId;
      const at = new Date(deps.nowMs()).toISOString();
      const operator = operatorRequestOf(command);
      const input: WorkflowInput = operator
        ? { kind: 'operator', request: operator, actor: command.actor, at }
        : {
            kind: 'requested',
            request: await toRequest(trx, command as MovementCommand, deps.settings),
            actor: command.actor,
            at,
          };
      const record = records.get(transactionId)!;
      records.set(
        transactionId,
        await applyWorkflowStep(deps, trx, transactionId, input, command, record, outbox, writes),
      );
    }
    await writes.flush(trx);
    await appendToOutbox(trx, outbox);
  });
}

/** The request of any movement type in the one shape the workflows share. */
async function toRequest(
  trx: Knex.Transaction,
  command: MovementCommand,
  settings: WorkflowSettings,
): Promise<MovementRequest> {
  const common = { originalTransactionId: null, details: {}, funding: null };
  switch (command.type) {
    case 'RequestTopUp': {
      const { sourceAccountId, funding, ...rest } = command.data;
      if (sourceAccountId !== null)
        return { type: 'topup', ...rest, ...common, sourceAccountId, funding, sourceNamedByCaller: true };
      // An owner's top-up comes from the funding provider's account, credited only once it collected.
      return {
        type: 'topup',
        ...rest,
        ...common,
        sourceAccountId: fundingAccountId(settings.fundingProvider, rest.currency),
        funding,
        sourceNamedByCaller: false,
        details: funding
          ? {
              fundingProvider: settings.fundingProvider,
              fundingMethod: funding.method,
              fundingSourceReference: funding.sourceReference,
            }
          : {},
      };
    }
    case 'RequestWithdrawal':
      return { type: 'withdrawal', ...command.data, ...common };
    case 'RequestTransfer':
      return { type: 'transfer', ...command.data, ...common };
    case 'RequestPayment':
      return { type: 'payment', ...command.data, ...common };
    case 'RequestRefund': {
      // A refund gives money back the way it came: from the merchant to the customer of the payment.
      const { originalTransactionId, ...rest } = command.data;
      const payment = await findPayment(trx, originalTransactionId, rest.currency);
      if (!payment) {
        // No completed payment in that currency: refused before anything is held. The summary names
        // no accounts (the caller may own none of them), only the id it sent.
        return {
          type: 'refund',
          ...rest,
          sourceAccountId: originalTransactionId,
          destinationAccountId: originalTransactionId,
          originalTransactionId,
          details: {},
          funding: null,
          refusal: {
            code: 'REFUND.NOT_REFUNDABLE',
            detail: 'only a completed payment in the same currency can be refunded',
          },
        };
      }
      return {
        type: 'refund',
        ...rest,
        sourceAccountId: payment.destinationAccountId,
        destinationAccountId: payment.sourceAccountId,
        originalTransactionId,
        details: {},
        funding: null,
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
        funding: null,
      };
    }
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Ledger outcomes advance the saga they belong to; events that belong to no saga pass by. */
export async function handleLedgerEvents(
  deps: SagaDeps,
  batch: ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  const relevant: { item: ConsumedMessage<'ledgerEvents'>; transactionId: string; input: WorkflowInput }[] =
    [];
  for (const item of batch) {
    const event = item.message;
    const at = new Date(deps.nowMs()).toISOString();
    let input: WorkflowInput;
    switch (event.type) {
      case 'HoldReleased':
        // Released by the ledger's expiry sweep, not asked for: the saga must find out what happened.
        input =
          event.data.commandId === null
            ? { kind: 'hold-expired', holdId: event.data.holdId, at }
            : { kind: 'ledger-done', event: event.type, commandId: event.data.commandId, at };
        break;
      case 'EntryPosted':
      case 'HoldPlaced':
      case 'HoldCaptured':
        if (event.data.commandId === null) continue;
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
    const transactionId = event.data.transactionId;
    if (transactionId) relevant.push({ item, transactionId, input });
  }
  if (relevant.length === 0) return;
  await deps.knex.transaction(async (trx) => {
    const fresh = await claimInboxBatch(
      trx,
      relevant.map((r) => ({ ...r.item, messageId: r.item.message.messageId, type: r.item.message.type, r })),
    );
    const records = await loadSagas(
      trx,
      fresh.map((f) => f.r.transactionId),
    );
    const outbox: OutboxMessage[] = [];
    const writes = new SagaWrites();
    for (const { r } of fresh) {
      const { transactionId, item } = r;
      let { input } = r;
      const record = records.get(transactionId)!;
      const state = record.state;
      if (input.kind === 'hold-expired' && (state.status === 'absent' || state.holdId !== input.holdId))
        continue;
      if (
        input.kind === 'ledger-done' &&
        input.event === 'HoldPlaced' &&
        state.status === 'holding' &&
        state.flow === 'refund' &&
        state.pendingCommandId === input.commandId
      ) {
        // The ledger has authorized the refund and reserved its funds: now, and only now, count it
        // against the payment.
        input = { ...input, refund: await reserve(trx, state.summary.originalTransactionId!, state.summary) };
      }
      records.set(
        transactionId,
        await applyWorkflowStep(deps, trx, transactionId, input, item.message, record, outbox, writes),
      );
    }
    await writes.flush(trx);
    await appendToOutbox(trx, outbox);
  });
}

async function reserve(
  trx: Knex.Transaction,
  originalTransactionId: string,
  refund: { amount: string; currency: string },
): Promise<RefundReservation> {
  const result = await reserveRefund(trx, originalTransactionId, refund.amount, refund.currency);
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
