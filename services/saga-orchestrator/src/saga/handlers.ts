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
import { findPayment, loadSagas, reserveRefund, SagaWrites, type SagaRecord } from './saga.store';

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
  await applySagaInputs(deps, batch, []);
}

/** Ledger outcomes advance the saga they belong to; events that belong to no saga pass by. */
export async function handleLedgerEvents(
  deps: SagaDeps,
  batch: ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  await applySagaInputs(deps, [], batch);
}

export type SagaInput = ConsumedMessage<'transactionCommands'> | ConsumedMessage<'ledgerEvents'>;

/** The full names of the two topics the orchestrator consumes. */
export interface SagaTopics {
  transactionCommands: string;
  ledgerEvents: string;
}

/**
 * Client requests and ledger outcomes, mixed as one fetch of both topics brought them: applied in one
 * transaction (one inbox claim, one load of every saga they touch, one write of the sagas and one of
 * the outbox). Requests go first, then outcomes, each in their order: an outcome can only answer a
 * command a saga sent before, so this is the order in which they happened.
 */
export async function handleSagaInputs(
  deps: SagaDeps,
  topics: SagaTopics,
  batch: readonly SagaInput[],
): Promise<void> {
  const commands: ConsumedMessage<'transactionCommands'>[] = [];
  const events: ConsumedMessage<'ledgerEvents'>[] = [];
  for (const m of batch) {
    if (m.topic === topics.transactionCommands) commands.push(m as ConsumedMessage<'transactionCommands'>);
    else if (m.topic === topics.ledgerEvents) events.push(m as ConsumedMessage<'ledgerEvents'>);
    else throw new Error(`a message of ${m.topic}, which the orchestrator does not consume`);
  }
  await applySagaInputs(deps, commands, events);
}

type Claimable<R> = ConsumedMessage<'transactionCommands' | 'ledgerEvents'> & {
  messageId: string;
  type: string;
  r: R;
};

async function applySagaInputs(
  deps: SagaDeps,
  commands: readonly ConsumedMessage<'transactionCommands'>[],
  events: readonly ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  const relevant = ledgerInputsOf(deps, events);
  if (commands.length === 0 && relevant.length === 0) return;
  await deps.knex.transaction(async (trx) => {
    const claimable: Claimable<{ transactionId: string; outcome: RelevantOutcome | null }>[] = [
      ...commands.map((item) => ({
        ...item,
        messageId: item.message.messageId,
        type: item.message.type,
        r: { transactionId: item.message.data.transactionId, outcome: null },
      })),
      ...relevant.map((r) => ({
        ...r.item,
        messageId: r.item.message.messageId,
        type: r.item.message.type,
        r: { transactionId: r.transactionId, outcome: r },
      })),
    ];
    const fresh = await claimInboxBatch(trx, claimable);
    const records = await loadSagas(
      trx,
      fresh.map((f) => f.r.transactionId),
    );
    const outbox: OutboxMessage[] = [];
    const writes = new SagaWrites();
    for (const f of fresh) {
      const { transactionId, outcome } = f.r;
      const record = records.get(transactionId)!;
      const next = outcome
        ? await applyOutcome(deps, trx, outcome, record, outbox, writes)
        : await applyCommand(deps, trx, f.message as TransactionCommand, record, outbox, writes);
      if (next) records.set(transactionId, next);
    }
    await writes.flush(trx);
    await appendToOutbox(trx, outbox);
  });
}

async function applyCommand(
  deps: SagaDeps,
  trx: Knex.Transaction,
  command: TransactionCommand,
  record: SagaRecord,
  outbox: OutboxMessage[],
  writes: SagaWrites,
): Promise<SagaRecord> {
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
  return applyWorkflowStep(deps, trx, transactionId, input, command, record, outbox, writes);
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

interface RelevantOutcome {
  item: ConsumedMessage<'ledgerEvents'>;
  transactionId: string;
  input: WorkflowInput;
}

/** The ledger events that answer a saga, as workflow inputs; the others pass by. */
function ledgerInputsOf(
  deps: SagaDeps,
  batch: readonly ConsumedMessage<'ledgerEvents'>[],
): RelevantOutcome[] {
  const relevant: RelevantOutcome[] = [];
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
  return relevant;
}

/** One ledger outcome applied to its saga; null when it answers nothing the saga waits for. */
async function applyOutcome(
  deps: SagaDeps,
  trx: Knex.Transaction,
  outcome: RelevantOutcome,
  record: SagaRecord,
  outbox: OutboxMessage[],
  writes: SagaWrites,
): Promise<SagaRecord | null> {
  const { transactionId, item } = outcome;
  let { input } = outcome;
  const state = record.state;
  if (input.kind === 'hold-expired' && (state.status === 'absent' || state.holdId !== input.holdId))
    return null;
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
  return applyWorkflowStep(deps, trx, transactionId, input, item.message, record, outbox, writes);
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
