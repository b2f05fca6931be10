import type { Logger } from '@billing/platform/logger';
import { delay } from '@billing/platform/wait';
import type { BackgroundJob } from '@billing/platform/worker';
import pg from 'pg';
import { attemptProvider, voidAtProvider, type ProviderSettings } from '../providers/provider-client';
import { appendToOutbox } from '@billing/platform/outbox';
import { applyWorkflowStep, providerStepMessage, type SagaDeps } from '../saga/apply-decision';
import type { SagaState, WorkflowInput } from '../workflow/types';

export interface TaskRunnerOptions {
  databaseUrl: string;
  provider: ProviderSettings;
  pollIntervalMs: number;
  batchSizeMax: number;
}

interface TaskRow {
  id: string;
  transaction_id: string;
  kind: 'provider' | 'void' | 'deadline' | 'capture-retry';
  attempt: number;
  command_id: string | null;
}

/**
 * Runs the sagas' scheduled tasks: claims due rows under a lease (so another replica, or this one after
 * a crash, takes them over once the lease runs out), does the slow external call outside any database
 * transaction, then feeds the result back as a workflow step and marks the task done in one transaction.
 */
export function sagaTaskRunner(deps: SagaDeps, logger: Logger, options: TaskRunnerOptions): BackgroundJob {
  const stopping = new AbortController();
  const leaseMs = options.provider.timeoutMs * 3 + 1000;
  let loop: Promise<void> | null = null;
  let listener: pg.Client | null = null;
  let wake: (() => void) | null = null;

  async function claim(): Promise<TaskRow[]> {
    const result = await deps.knex.raw<{ rows: TaskRow[] }>(
      `update saga_tasks set locked_until = now() + (? * interval '1 millisecond')
        where id in (select id from saga_tasks
                      where done_at is null and due_at <= now() and (locked_until is null or locked_until < now())
                      order by due_at limit ? for update skip locked)
        returning id, transaction_id, kind, attempt, command_id`,
      [leaseMs, options.batchSizeMax],
    );
    return result.rows;
  }

  /**
   * A step deadline or a capture retry: cheap, decided inside one transaction (the workflow ignores
   * one that is no longer due).
   */
  async function runInTransaction(task: TaskRow): Promise<void> {
    await deps.knex.transaction(async (trx) => {
      const marked = await trx('saga_tasks')
        .where({ id: task.id })
        .whereNull('done_at')
        .update({ done_at: trx.fn.now() });
      if (marked === 0) return;
      const at = new Date(deps.nowMs()).toISOString();
      const input: WorkflowInput =
        task.kind === 'deadline'
          ? { kind: 'step-deadline', commandId: task.command_id!, at }
          : { kind: 'capture-retry', attempt: task.attempt, at };
      await applyWorkflowStep(deps, trx, task.transaction_id, input, null);
    });
  }

  /** Is this provider or void task still the one the saga waits for? */
  function stillDue(
    state: SagaState | undefined,
    task: TaskRow,
  ): state is Exclude<SagaState, { status: 'absent' }> {
    if (!state || state.status === 'absent') return false;
    if (task.kind === 'provider')
      return state.status === 'calling-provider' && state.providerAttempts === task.attempt;
    return state.status === 'voiding' && (state.voidAttempts ?? 1) === task.attempt;
  }

  async function run(task: TaskRow): Promise<void> {
    if (task.kind === 'deadline' || task.kind === 'capture-retry') return runInTransaction(task);
    const row = await deps
      .knex('sagas')
      .where({ transaction_id: task.transaction_id })
      .first<{ state: SagaState } | undefined>('state');
    const state = row?.state;
    if (!stillDue(state, task)) {
      await deps
        .knex('saga_tasks')
        .where({ id: task.id })
        .update({ done_at: deps.knex.fn.now(), last_error: 'no longer due' });
      return;
    }
    const at = new Date(deps.nowMs()).toISOString();
    const { input, step } =
      task.kind === 'provider'
        ? await attemptProvider(state, task.attempt, options.provider, at)
        : await voidAtProvider(state, task.attempt, options.provider, at);
    await deps.knex.transaction(async (trx) => {
      const marked = await trx('saga_tasks')
        .where({ id: task.id })
        .whereNull('done_at')
        .update({ done_at: trx.fn.now() });
      // Another runner finished this task after our lease ran out: its result already counts.
      if (marked === 0) return;
      // The attempt is on the timeline exactly when its outcome counted (same transaction, same outbox),
      // and ahead of whatever the saga decided from it.
      const outbox = [providerStepMessage(deps, step)];
      await applyWorkflowStep(deps, trx, task.transaction_id, input, null, undefined, outbox);
      await appendToOutbox(trx, outbox);
    });
  }

  /**
   * Fires the step deadlines that passed: each saga's deadline is disarmed and its step decided in one
   * transaction (the workflow sends the command again, re-arming it, or gives up). Rows another runner
   * holds are skipped.
   */
  async function fireDeadlines(): Promise<number> {
    const due = await deps
      .knex('sagas')
      .where('deadline_at', '<=', deps.knex.fn.now())
      .orderBy('deadline_at')
      .limit(options.batchSizeMax)
      .pluck<string[]>('transaction_id');
    for (const transactionId of due) {
      await deps.knex
        .transaction(async (trx) => {
          const row = await trx('sagas')
            .where({ transaction_id: transactionId })
            .andWhere('deadline_at', '<=', trx.fn.now())
            .forUpdate()
            .skipLocked()
            .first<{ deadline_command_id: string } | undefined>('deadline_command_id');
          if (!row) return;
          await trx('sagas')
            .where({ transaction_id: transactionId })
            .update({ deadline_at: null, deadline_command_id: null, deadline_attempt: null });
          const at = new Date(deps.nowMs()).toISOString();
          await applyWorkflowStep(
            deps,
            trx,
            transactionId,
            { kind: 'step-deadline', commandId: row.deadline_command_id, at },
            null,
          );
        })
        .catch((err) => logger.error({ err, transactionId }, 'step deadline failed'));
    }
    return due.length;
  }

  async function loopForever(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await connectListener();
        const fired = await fireDeadlines();
        const tasks = await claim();
        await Promise.all(
          tasks.map((t) => run(t).catch((err) => logger.error({ err, task: t.id }, 'saga task failed'))),
        );
        if (tasks.length === options.batchSizeMax || fired === options.batchSizeMax) continue;
      } catch (err) {
        logger.error({ err }, 'saga task runner iteration failed');
        await listener?.end().catch(() => undefined);
        listener = null;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        void delay(options.pollIntervalMs, stopping.signal).then(resolve);
      });
    }
  }

  async function connectListener(): Promise<void> {
    if (listener) return;
    const client = new pg.Client({
      connectionString: options.databaseUrl,
      application_name: 'saga-task-runner',
    });
    client.on('notification', () => wake?.());
    client.on('error', () => {
      listener = null;
    });
    await client.connect();
    await client.query('listen saga_tasks_due');
    listener = client;
  }

  return {
    start() {
      loop = loopForever();
    },
    async stop() {
      stopping.abort();
      wake?.();
      await loop;
      await listener?.end().catch(() => undefined);
    },
  };
}
