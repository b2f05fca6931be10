import { uuidv7 } from '@billing/contracts/uuid';
import type { Knex } from '@billing/platform/db';

/**
 * Builds ledger states for the verifier's tests by writing rows directly, the way the ledger itself
 * writes them (entry, postings, one event per posting on the account's stream, snapshot updated), so a
 * test can then break exactly one thing. It lives in a `.spec.ts` file so the build leaves it out of
 * dist; no vitest project runs it, since they match `.unit.spec.ts` and `.int.spec.ts` only.
 */

const ACTOR = JSON.stringify({ kind: 'system', id: 'verify-test' });

export async function appendEvent(
  db: Knex,
  streamId: string,
  version: number,
  type: string,
  data: Record<string, unknown>,
  messageId: string = uuidv7(),
): Promise<void> {
  await db('events').insert({
    stream_id: streamId,
    version,
    type,
    data: JSON.stringify(data),
    message_id: messageId,
    hlc: 'verify-test',
    occurred_at: new Date().toISOString(),
  });
}

export interface AccountOptions {
  type: 'USER' | 'EXTERNAL' | 'SYSTEM';
  currency?: string;
  /** Defaults like the ledger's: USER accounts may not go below zero, the others are unbounded. */
  minBalance?: string | null;
  maxBalance?: string | null;
}

/** An opened account: snapshot at version 1 and its AccountOpened event. */
export async function openAccount(db: Knex, options: AccountOptions): Promise<string> {
  const id = uuidv7();
  const now = new Date().toISOString();
  await db('accounts').insert({
    id,
    owner_id: `owner-${id}`,
    owner_type: 'user',
    type: options.type,
    currency: options.currency ?? 'USD',
    status: 'active',
    balance: '0',
    min_balance: options.minBalance !== undefined ? options.minBalance : options.type === 'USER' ? '0' : null,
    max_balance: options.maxBalance ?? null,
    version: 1,
    created_at: now,
    updated_at: now,
  });
  await appendEvent(db, id, 1, 'AccountOpened', { accountId: id });
  return id;
}

export interface TestPosting {
  accountId: string;
  side: 'debit' | 'credit';
  amount: string;
  /** Written instead of the true balance after, to corrupt the posting. */
  balanceAfter?: string;
}

export interface TestEntry {
  currency?: string;
  postings: TestPosting[];
  reversesEntryId?: string;
  /** Written instead of EntryPosted on the accounts' streams, to corrupt the events. */
  eventType?: string;
  /** Written instead of the entry's own id in the events' data, to corrupt the events. */
  eventEntryId?: string;
}

/** Posts an entry as the ledger does and returns its id. Nothing checks that it balances. */
export async function postEntry(db: Knex, entry: TestEntry): Promise<string> {
  const entryId = uuidv7();
  const messageId = uuidv7();
  await db('journal_entries').insert({
    id: entryId,
    transaction_id: uuidv7(),
    step: 'post',
    transaction_type: 'transfer',
    currency: entry.currency ?? 'USD',
    command_id: uuidv7(),
    event_message_id: messageId,
    actor: ACTOR,
    hlc: 'verify-test',
    posted_at: new Date().toISOString(),
    reverses_entry_id: entry.reversesEntryId ?? null,
  });
  // Postings of one entry go in with one statement, as the ledger writes them: the balance check runs
  // per insert statement.
  const postings: Record<string, unknown>[] = [];
  for (const p of entry.postings) {
    // The snapshot moves in SQL, so the fixture does no arithmetic on amounts in JavaScript either.
    const { rows } = await db.raw<{ rows: { balance: string; version: number }[] }>(
      `update accounts
          set balance = balance + (case when ? = 'credit' then 1 else -1 end) * ?::numeric,
              version = version + 1, updated_at = now()
        where id = ? returning balance, version`,
      [p.side, p.amount, p.accountId],
    );
    const { balance, version } = rows[0]!;
    postings.push({
      entry_id: entryId,
      account_id: p.accountId,
      side: p.side,
      amount: p.amount,
      balance_after: p.balanceAfter ?? balance,
      stream_version: version,
    });
    const data = { entryId: entry.eventEntryId ?? entryId };
    await appendEvent(db, p.accountId, version, entry.eventType ?? 'EntryPosted', data, messageId);
  }
  if (postings.length > 0) await db('postings').insert(postings);
  return entryId;
}

/** A hold row only: whether the account's `held` follows is up to the test. */
export async function insertHold(
  db: Knex,
  accountId: string,
  amount: string,
  status: 'open' | 'captured' | 'released' | 'expired' = 'open',
): Promise<string> {
  const id = uuidv7();
  await db('holds').insert({
    id,
    account_id: accountId,
    transaction_id: uuidv7(),
    transaction_type: 'withdrawal',
    currency: 'USD',
    amount,
    status,
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    placed_event_id: uuidv7(),
    created_at: new Date().toISOString(),
  });
  return id;
}

export interface SeededLedger {
  external: string;
  user: string;
  entryId: string;
}

/** The consistent starting point: a top-up of 100.00 from an EXTERNAL account to a USER account. */
export async function seedLedger(db: Knex): Promise<SeededLedger> {
  const external = await openAccount(db, { type: 'EXTERNAL' });
  const user = await openAccount(db, { type: 'USER' });
  const entryId = await postEntry(db, {
    postings: [
      { accountId: external, side: 'debit', amount: '100.00' },
      { accountId: user, side: 'credit', amount: '100.00' },
    ],
  });
  return { external, user, entryId };
}
