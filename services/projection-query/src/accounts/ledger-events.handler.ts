import type { ConsumedMessage } from '@billing/platform/consumer';
import { runStatement, type Knex } from '@billing/platform/db';
import type { ApplyTarget } from '../read-model/apply-target';
import { inReadModelTransaction } from '../read-model/apply-target';
import { lockAccountStreams } from '../read-model/locks';
import { perSchema } from '../shared/statements';
import type { AccountEffect, AccountState } from './account.evolve';
import { evolveAccount } from './account.evolve';
import { routeLedgerEvent, type AccountStreamItem } from './account-stream';
import { loadAccounts, loadPending, park, saveAccounts, unpark, writeEffects } from './account.store';
import { sequence, type Candidate } from './stream-order';

/** Parked items loaded per account and round; more than this waiting on one account means a lost event. */
const PENDING_LOAD_MAX = 1000;
/** Rounds of draining the parked items of an account with more of them than one load holds. */
const DRAIN_ROUNDS_MAX = 100;

const ADD_CURRENCY = perSchema(
  'currency_add',
  (schema) =>
    `insert into ${schema}.currencies (code, scale, kind) values ($1::text, $2::smallint, $3::text)
     on conflict (code) do nothing`,
);

/**
 * Applies a batch of ledger events in one transaction: the position, the account views, their history,
 * holds and totals, and the parked early arrivals all commit together, or nothing does.
 */
export async function applyLedgerEvents(target: ApplyTarget, batch: ConsumedMessage<'ledgerEvents'>[]) {
  await inReadModelTransaction(target, batch, (trx, fresh) =>
    applyFreshLedgerEvents(trx, target.schema, fresh),
  );
}

/** The part of a read-model transaction that applies ledger events not applied yet (see inReadModelTransaction). */
export async function applyFreshLedgerEvents(
  trx: Knex.Transaction,
  schema: string,
  fresh: readonly ConsumedMessage<'ledgerEvents'>[],
): Promise<void> {
  const arrivals = new Map<string, AccountStreamItem[]>();
  for (const { message } of fresh) {
    const route = routeLedgerEvent(message);
    switch (route.kind) {
      case 'stream':
        for (const item of route.items)
          arrivals.set(item.accountId, [...(arrivals.get(item.accountId) ?? []), item]);
        break;
      case 'currency-added':
        await runStatement(trx, ADD_CURRENCY(schema), [route.code, route.scale, route.currencyKind]);
        break;
      case 'ignored':
        break;
      default: {
        const unreachable: never = route;
        throw new Error(`unhandled route ${JSON.stringify(unreachable)}`);
      }
    }
  }
  let draining = await applyStreamItems(trx, schema, arrivals);
  for (let round = 1; draining.length > 0 && round < DRAIN_ROUNDS_MAX; round++) {
    draining = await applyStreamItems(trx, schema, new Map(draining.map((id) => [id, []])));
  }
}

/**
 * Orders the arrivals of each account together with its parked items, applies what continues the
 * stream, parks what comes early and drops duplicates. Returns the accounts that may have more parked
 * items ready than were loaded.
 */
async function applyStreamItems(
  trx: Knex.Transaction,
  schema: string,
  arrivals: ReadonlyMap<string, AccountStreamItem[]>,
): Promise<string[]> {
  const ids = [...arrivals.keys()].sort();
  if (ids.length === 0) return [];
  await lockAccountStreams(trx, schema, ids);
  const states = await loadAccounts(trx, schema, ids);
  const pending = await loadPending(trx, schema, ids, PENDING_LOAD_MAX);
  const changed: AccountState[] = [];
  const effects: AccountEffect[] = [];
  const toPark: AccountStreamItem[] = [];
  const toUnpark: AccountStreamItem[] = [];
  const more: string[] = [];
  for (const id of ids) {
    const parked = pending.get(id) ?? [];
    const candidates: Candidate<AccountStreamItem>[] = [
      ...parked.map((item) => ({ item, parked: true })),
      ...(arrivals.get(id) ?? []).map((item) => ({ item, parked: false })),
    ];
    const result = sequence(states.get(id)?.version ?? 0, candidates);
    let state = states.get(id) ?? null;
    for (const { item } of result.apply) {
      const evolution = evolveAccount(state, item);
      state = evolution.state;
      effects.push(...evolution.effects);
    }
    if (state !== null && result.apply.length > 0) changed.push(state);
    for (const c of [...result.apply, ...result.drop]) if (c.parked) toUnpark.push(c.item);
    for (const c of result.park) if (!c.parked) toPark.push(c.item);
    if (parked.length === PENDING_LOAD_MAX && result.apply.some((c) => c.parked)) more.push(id);
  }
  await saveAccounts(trx, schema, changed);
  await writeEffects(trx, schema, effects);
  await unpark(trx, schema, toUnpark);
  await park(trx, schema, toPark);
  return more;
}
