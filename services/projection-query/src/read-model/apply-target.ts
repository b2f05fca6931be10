import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import type { MessageTopicId } from '@billing/contracts/catalog';
import { holdSwapLockShared } from './locks';
import { advancePositions } from './positions';

/** Where a batch is applied: the live schema (under the swap lock) or a rebuild's shadow schema. */
export interface ApplyTarget {
  knex: Knex;
  schema: string;
  /** Live batches hold the swap lock shared, so a swap waits for them and they wait for it. */
  live: boolean;
  nowMs: () => number;
  /** The broker cluster the positions are taken in (null: offsets are checked, not the cluster). */
  clusterId?: string | null;
}

/**
 * One read-model transaction: the swap lock (live batches), the positions of every partition of the
 * batch, and `apply` with the messages not applied yet. Everything commits together or nothing does,
 * so a redelivered batch changes nothing.
 */
export async function inReadModelTransaction<T extends MessageTopicId>(
  target: ApplyTarget,
  batch: readonly ConsumedMessage<T>[],
  apply: (trx: Knex.Transaction, fresh: ConsumedMessage<T>[]) => Promise<void>,
): Promise<void> {
  if (batch.length === 0) return;
  await target.knex.transaction(async (trx) => {
    if (target.live) await holdSwapLockShared(trx);
    const nowIso = new Date(target.nowMs()).toISOString();
    const fresh = await advancePositions(trx, target.schema, batch, nowIso, {
      clusterId: target.clusterId ?? null,
    });
    await apply(trx, fresh);
  });
}
