import { createMessage, type MessageMeta } from '@billing/contracts/catalog';
import type { Envelope } from '@billing/contracts/envelope';
import type { HybridLogicalClock } from '@billing/contracts/hlc';
import { PostEntry } from '@billing/contracts/messages/ledger';
import {
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionRequestRejected,
} from '@billing/contracts/messages/transactions';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import type { Knex } from '@billing/platform/db';
import { appendToOutbox, type OutboxMessage } from '@billing/platform/outbox';
import type { Logger } from '@billing/platform/logger';
import { decideTopUp, type TopUpInput, type WorkflowAction } from '../topup/topup.workflow';
import { loadSaga, saveSaga } from './saga.store';

export interface SagaDeps {
  knex: Knex;
  hlc: HybridLogicalClock;
  nowMs: () => number;
  topicPrefix: string;
  logger: Logger;
}

const EVENTS = { TransactionAccepted, TransactionCompleted, TransactionFailed } as const;

/**
 * Runs one workflow step inside the caller's transaction: load and lock the saga, decide, save the new
 * state and write every action to the outbox. State and messages commit together or not at all.
 */
export async function applyWorkflowStep(
  deps: SagaDeps,
  trx: Knex.Transaction,
  transactionId: string,
  input: TopUpInput,
  cause: Envelope,
): Promise<void> {
  const record = await loadSaga(trx, transactionId);
  const nowMs = deps.nowMs();
  const decision = decideTopUp(input, record.state, () => uuidv7(nowMs));
  // A decision that keeps the state (an ignored or refused input) writes nothing but its messages.
  if (decision.state !== record.state) {
    await saveSaga(trx, transactionId, record, decision.state, new Date(nowMs).toISOString());
  }
  deps.hlc.observe(cause.hlc);
  const outgoing = decision.actions.flatMap((action) => toOutbox(deps, action, cause, nowMs, transactionId));
  await appendToOutbox(trx, outgoing);
}

function toOutbox(
  deps: SagaDeps,
  action: WorkflowAction,
  cause: Envelope,
  nowMs: number,
  transactionId: string,
): OutboxMessage[] {
  const meta = (actor = cause.actor): MessageMeta => ({
    actor,
    hlc: deps.hlc.now(),
    causedBy: { messageId: cause.messageId, correlationId: cause.correlationId },
    nowMs,
  });
  switch (action.kind) {
    case 'send':
      return [
        {
          topic: topicName('ledgerCommands', deps.topicPrefix),
          key: action.key,
          envelope: createMessage(PostEntry, action.command, meta(action.actor)),
        },
      ];
    case 'publish':
      return [
        {
          topic: topicName('transactionEvents', deps.topicPrefix),
          key: action.summary.transactionId,
          envelope: createMessage(EVENTS[action.event], action.summary, meta()),
        },
      ];
    case 'refuse-request':
      return [
        {
          topic: topicName('transactionEvents', deps.topicPrefix),
          key: action.transactionId,
          envelope: createMessage(
            TransactionRequestRejected,
            {
              transactionId: action.transactionId,
              requestHash: action.requestHash,
              code: action.code,
              detail: action.detail,
            },
            meta(),
          ),
        },
      ];
    case 'complete':
      return [];
    case 'ignore':
      deps.logger.info({ transactionId, reason: action.reason }, 'workflow input ignored');
      return [];
    default: {
      const unreachable: never = action;
      throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
    }
  }
}
