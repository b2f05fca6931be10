import { createMessage, type MessageMeta } from '@billing/contracts/catalog';
import type { Envelope } from '@billing/contracts/envelope';
import type { HybridLogicalClock } from '@billing/contracts/hlc';
import { CaptureHold, PlaceHold, ReleaseHold } from '@billing/contracts/messages/holds';
import { PostEntry } from '@billing/contracts/messages/ledger';
import {
  TransactionActionRefused,
  TransactionActionReplayed,
  TransactionInvestigationCleared,
  TransactionInvestigationFlagged,
  TransactionStepRetried,
} from '@billing/contracts/messages/operations';
import {
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionNeedsAttention,
  TransactionProviderStepRecorded,
  TransactionRequestRejected,
  TransactionRequestReplayed,
  TransactionReversed,
} from '@billing/contracts/messages/transactions';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { runStatement, statement, type Knex } from '@billing/platform/db';
import { withMessageLogContext } from '@billing/platform/log-context';
import type { Logger } from '@billing/platform/logger';
import { appendToOutbox, type OutboxMessage } from '@billing/platform/outbox';
import { decide } from '../workflow/decide';
import type { ProviderStep } from '../providers/provider-client';
import type {
  LedgerCommandData,
  OperatorEvent,
  SagaState,
  WorkflowAction,
  WorkflowInput,
  WorkflowSettings,
} from '../workflow/types';
import {
  loadSaga,
  releaseRefund,
  saveSaga,
  type SagaDeadline,
  type SagaRecord,
  type SagaWrites,
} from './saga.store';

export interface SagaDeps {
  knex: Knex;
  hlc: HybridLogicalClock;
  nowMs: () => number;
  topicPrefix: string;
  logger: Logger;
  settings: WorkflowSettings;
  /** Counts what an alert watches (sagas escalated to needs_attention). */
  metrics?: SagaMetrics;
}

export interface SagaMetrics {
  needsAttention(code: string): void;
}

const EVENTS = {
  TransactionAccepted,
  TransactionCompleted,
  TransactionFailed,
  TransactionReversed,
  TransactionNeedsAttention,
} as const;

/**
 * Runs one workflow step inside the caller's transaction: load and lock the saga, decide, save the new
 * state and turn every action into outbox rows, scheduled tasks or reservation changes. State and its
 * consequences commit together or not at all.
 */
export async function applyWorkflowStep(
  deps: SagaDeps,
  trx: Knex.Transaction,
  transactionId: string,
  input: WorkflowInput,
  cause: Envelope | null,
  loaded?: SagaRecord,
  outbox?: OutboxMessage[],
  /** A batch handler's saga writes, made once at the end of its batch; without it, written now. */
  writes?: SagaWrites,
): Promise<SagaRecord> {
  const record = loaded ?? (await loadSaga(trx, transactionId));
  if (record.state.status === 'absent' && input.kind !== 'requested' && input.kind !== 'operator')
    return record;
  const nowMs = deps.nowMs();
  const decision = decide(input, record.state, {
    settings: deps.settings,
    newId: () => uuidv7(nowMs),
  });
  // A decision that keeps the state (an ignored or refused input) writes nothing but its messages.
  const saved = decision.state !== record.state && decision.state.status !== 'absent';
  if (decision.state !== record.state) {
    const nowIso = new Date(nowMs).toISOString();
    const deadline = deadlineOf(decision.state, decision.actions, nowMs);
    if (writes) writes.save(transactionId, record, decision.state, nowIso, deadline);
    else await saveSaga(trx, transactionId, record, decision.state, nowIso, deadline);
  }
  if (cause) deps.hlc.observe(cause.hlc);
  const outgoing: OutboxMessage[] = [];
  for (const action of decision.actions) {
    outgoing.push(...(await perform(deps, trx, action, cause, nowMs, transactionId)));
  }
  // A batch handler collects every step's messages and appends them once, at the end of the batch.
  if (outbox) outbox.push(...outgoing);
  else await appendToOutbox(trx, outgoing);
  return { state: decision.state, version: record.version + (saved ? 1 : 0) };
}

/** One provider attempt for the transaction events topic, keyed by its transaction like every other. */
export function providerStepMessage(
  deps: Pick<SagaDeps, 'hlc' | 'nowMs' | 'topicPrefix'>,
  step: ProviderStep,
): OutboxMessage {
  return {
    topic: topicName('transactionEvents', deps.topicPrefix),
    key: step.transactionId,
    envelope: createMessage(TransactionProviderStepRecorded, step, {
      actor: { kind: 'system', id: 'saga-orchestrator' },
      hlc: deps.hlc.now(),
      causedBy: null,
      nowMs: deps.nowMs(),
    }),
  };
}

/**
 * A step deadline lives on the saga's own row (written by the same update as its state), not as a task
 * row: arming, re-arming and disarming it costs no statement of its own, and an answered step leaves
 * nothing behind to fire later. Disarmed when the saga waits for no ledger command any more.
 */
function deadlineOf(
  state: SagaState,
  actions: readonly WorkflowAction[],
  nowMs: number,
): SagaDeadline | null | undefined {
  for (const action of actions) {
    if (action.kind === 'schedule' && action.task === 'deadline') {
      return {
        at: new Date(nowMs + action.dueInMs).toISOString(),
        commandId: action.commandId,
        attempt: action.attempt,
      };
    }
  }
  if (state.status === 'absent' || state.pendingCommandId === null) return null;
  return undefined;
}

function operatorEvent(event: OperatorEvent, meta: MessageMeta): Envelope {
  switch (event.type) {
    case 'TransactionStepRetried':
      return createMessage(TransactionStepRetried, event.data, meta);
    case 'TransactionInvestigationFlagged':
      return createMessage(TransactionInvestigationFlagged, event.data, meta);
    case 'TransactionInvestigationCleared':
      return createMessage(TransactionInvestigationCleared, event.data, meta);
    case 'TransactionActionRefused':
      return createMessage(TransactionActionRefused, event.data, meta);
    case 'TransactionActionReplayed':
      return createMessage(TransactionActionReplayed, event.data, meta);
  }
}

function ledgerCommand(command: LedgerCommandData, meta: MessageMeta): Envelope {
  switch (command.type) {
    case 'PostEntry':
      return createMessage(PostEntry, command.data, meta);
    case 'PlaceHold':
      return createMessage(PlaceHold, command.data, meta);
    case 'CaptureHold':
      return createMessage(CaptureHold, command.data, meta);
    case 'ReleaseHold':
      return createMessage(ReleaseHold, command.data, meta);
  }
}

/**
 * A task row and, when it is due at once, the wake-up of the task runner (delivered at commit, like
 * NOTIFY): one statement, the insert a data-modifying CTE beside `pg_notify`.
 */
const SCHEDULE_TASK = statement(
  'saga_schedule_task',
  `with scheduled as (
     insert into saga_tasks (transaction_id, kind, attempt, command_id, due_at)
     values ($1::uuid, $2::text, $3::int, null, $4::timestamptz)
   )
   select pg_notify('saga_tasks_due', '') where $5::boolean`,
);

/** Brings a saga's task forward to now and, only when one moved, wakes the task runner at commit. */
const EXPEDITE_TASK = statement(
  'saga_expedite_task',
  `with moved as (
     update saga_tasks set due_at = now()
     where transaction_id = $1::uuid and kind = $2::text and done_at is null and due_at > now()
     returning id
   )
   select pg_notify('saga_tasks_due', '') where exists (select 1 from moved)`,
);

async function perform(
  deps: SagaDeps,
  trx: Knex.Transaction,
  action: WorkflowAction,
  cause: Envelope | null,
  nowMs: number,
  transactionId: string,
): Promise<OutboxMessage[]> {
  const meta = (
    actor = cause?.actor ?? { kind: 'system' as const, id: 'saga-orchestrator' },
  ): MessageMeta => ({
    actor,
    hlc: deps.hlc.now(),
    causedBy: cause ? { messageId: cause.messageId, correlationId: cause.correlationId } : null,
    nowMs,
  });
  switch (action.kind) {
    case 'send':
      return [
        {
          topic: topicName('ledgerCommands', deps.topicPrefix),
          key: action.key,
          envelope: ledgerCommand(action.command, meta(action.actor)),
        },
      ];
    case 'publish':
      if (action.event === 'TransactionNeedsAttention')
        deps.metrics?.needsAttention(action.summary.reason?.code ?? 'SAGA.NEEDS_ATTENTION');
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
    case 'replay-request':
      return [
        {
          topic: topicName('transactionEvents', deps.topicPrefix),
          key: action.summary.transactionId,
          envelope: createMessage(
            TransactionRequestReplayed,
            { requestHash: action.requestHash, transaction: action.summary },
            meta(),
          ),
        },
      ];
    case 'schedule':
      // Step deadlines are columns of the saga row (deadlineOf); the others are task rows.
      if (action.task === 'deadline') return [];
      await runStatement(trx, SCHEDULE_TASK, [
        transactionId,
        action.task,
        action.attempt,
        new Date(nowMs + action.dueInMs).toISOString(),
        // A task due now wakes the task runner at commit instead of waiting for its next poll.
        action.dueInMs === 0,
      ]);
      return [];
    case 'operator-event':
      return [
        {
          topic: topicName('transactionEvents', deps.topicPrefix),
          key: transactionId,
          envelope: operatorEvent(action.event, meta()),
        },
      ];
    case 'expedite': {
      // Only a task that has not run yet moves; one a runner holds finishes as it would have.
      await runStatement(trx, EXPEDITE_TASK, [transactionId, action.task]);
      return [];
    }
    case 'release-refund':
      await releaseRefund(trx, action.originalTransactionId, action.amount);
      return [];
    case 'complete':
      return [];
    case 'ignore':
      // About one message of the batch: the line carries its correlation id, not the batch's.
      withMessageLogContext(cause, () =>
        deps.logger.info({ transactionId, reason: action.reason }, 'workflow input ignored'),
      );
      return [];
    default: {
      const unreachable: never = action;
      throw new Error(`unknown action ${JSON.stringify(unreachable)}`);
    }
  }
}
