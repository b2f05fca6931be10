import type { Knex } from '@billing/platform/db';

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
