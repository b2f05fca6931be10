import type { Logger } from '@billing/platform/logger';
import { delay } from '@billing/platform/wait';
import type { BackgroundJob } from '@billing/platform/worker';
import pg from 'pg';
import { attemptProvider, type ProviderSettings } from '../providers/provider-client';
import { applyWorkflowStep, type SagaDeps } from '../saga/apply-decision';
import type { SagaState } from '../workflow/types';

export interface TaskRunnerOptions {
  databaseUrl: string;
  provider: ProviderSettings;
  pollIntervalMs: number;
  batchSizeMax: number;
}

interface TaskRow {
  id: string;
  transaction_id: string;
  kind: 'provider' | 'deadline';
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

  /** A step deadline: cheap, decided inside one transaction (the workflow ignores an answered step). */
  async function runDeadline(task: TaskRow): Promise<void> {
    await deps.knex.transaction(async (trx) => {
      const marked = await trx('saga_tasks')
        .where({ id: task.id })
        .whereNull('done_at')
        .update({ done_at: trx.fn.now() });
      if (marked === 0) return;
      const at = new Date(deps.nowMs()).toISOString();
      await applyWorkflowStep(
        deps,
        trx,
        task.transaction_id,
        null,
        { kind: 'step-deadline', commandId: task.command_id!, at },
        null,
      );
    });
  }

  async function run(task: TaskRow): Promise<void> {
    if (task.kind === 'deadline') return runDeadline(task);
    const row = await deps
      .knex('sagas')
      .where({ transaction_id: task.transaction_id })
      .first<{ state: SagaState } | undefined>('state');
    const state = row?.state;
    if (!state || state.status !== 'calling-provider' || state.providerAttempts !== task.attempt) {
      await deps
        .knex('saga_tasks')
        .where({ id: task.id })
        .update({ done_at: deps.knex.fn.now(), last_error: 'no longer due' });
      return;
    }
    const input = await attemptProvider(
      state,
      task.attempt,
      options.provider,
      new Date(deps.nowMs()).toISOString(),
    );
    await deps.knex.transaction(async (trx) => {
      const marked = await trx('saga_tasks')
        .where({ id: task.id })
        .whereNull('done_at')
        .update({ done_at: trx.fn.now() });
      // Another runner finished this task after our lease ran out: its result already counts.
      if (marked === 0) return;
      await applyWorkflowStep(deps, trx, task.transaction_id, null, input, null);
    });
  }

  async function loopForever(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await connectListener();
        const tasks = await claim();
        await Promise.all(
          tasks.map((t) => run(t).catch((err) => logger.error({ err, task: t.id }, 'saga task failed'))),
        );
        if (tasks.length === options.batchSizeMax) continue;
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
