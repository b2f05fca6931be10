import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, migrate, type Knex } from '@billing/platform/db';
import { testEnv } from '@billing/testing/env';
import { createTestDatabase } from '@billing/testing/infra';
import { statementsSent } from '@billing/testing/statements';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aRequest } from '../../test/builders';
import { migrations } from '../migrations';
import type { ActiveSaga } from '../workflow/types';
import { loadSagas, SagaWrites } from './saga.store';

/**
 * A batch's saga writes against a real database: what one insert and one update leave in the rows, and
 * that the version check still catches a concurrent writer.
 */
let db: { url: string; drop(): Promise<void> };
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase(testEnv().databaseUrl, 'saga_writes');
  knex = createDatabase({ url: db.url, poolMax: 2, applicationName: 'saga-writes' });
  await migrate(knex, migrations, 'knex_migrations');
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

function aSaga(
  transactionId: string,
  status: ActiveSaga['status'],
  extra: Partial<ActiveSaga> = {},
): ActiveSaga {
  const request = aRequest({ transactionId, type: 'transfer' });
  return {
    status,
    summary: {
      transactionId,
      type: 'transfer',
      status: 'pending',
      amount: request.amount,
      currency: request.currency,
      sourceAccountId: request.sourceAccountId,
      destinationAccountId: request.destinationAccountId,
      originalTransactionId: null,
      idempotencyKey: request.idempotencyKey,
      reason: null,
      details: {},
    } as ActiveSaga['summary'],
    requestHash: request.requestHash,
    actor: { kind: 'admin', id: 'ops' },
    pendingCommandId: null,
    holdId: null,
    providerAttempts: 0,
    releaseReason: null,
    ...extra,
  };
}

interface Row {
  transaction_id: string;
  status: string;
  version: number;
  state: ActiveSaga;
  completed_at: Date | null;
  deadline_at: Date | null;
  deadline_command_id: string | null;
  deadline_attempt: number | null;
}

async function rows(ids: string[]): Promise<Map<string, Row>> {
  const found = await knex('sagas').whereIn('transaction_id', ids).select<Row[]>('*');
  return new Map(found.map((r) => [r.transaction_id, r]));
}

describe('the saga writes of a batch', () => {
  it('writes new and changed sagas with one statement each, however many', async () => {
    const ids = Array.from({ length: 30 }, () => uuidv7());
    const first = new SagaWrites();
    const at = '2026-12-01T10:00:00.000Z';
    for (const id of ids)
      first.save(id, { state: { status: 'absent' }, version: 0 }, aSaga(id, 'posting'), at, {
        at: '2026-12-01T10:00:30.000Z',
        commandId: id,
        attempt: 0,
      });
    await knex.transaction((trx) => first.flush(trx));

    const records = await knex.transaction((trx) => loadSagas(trx, ids));
    const second = new SagaWrites();
    const later = '2026-12-01T10:00:01.000Z';
    ids.forEach((id, i) => {
      // Even sagas finish; odd ones change without touching their deadline.
      if (i % 2 === 0) second.save(id, records.get(id)!, aSaga(id, 'completed'), later, null);
      else second.save(id, records.get(id)!, aSaga(id, 'posting', { resends: 1 }), later);
    });
    const before = await statementsSent();
    await knex.transaction((trx) => second.flush(trx));
    expect((await statementsSent()) - before).toBe(3); // begin, the update, commit

    const written = await rows(ids);
    ids.forEach((id, i) => {
      const row = written.get(id)!;
      expect(row.version).toBe(2);
      if (i % 2 === 0) {
        expect(row.status).toBe('completed');
        expect(row.completed_at?.toISOString()).toBe(later);
        expect(row.deadline_at).toBeNull();
        expect(row.deadline_command_id).toBeNull();
      } else {
        expect(row.status).toBe('posting');
        expect(row.state.resends).toBe(1);
        expect(row.completed_at).toBeNull();
        expect(row.deadline_at?.toISOString()).toBe('2026-12-01T10:00:30.000Z');
        expect(row.deadline_command_id).toBe(id);
        expect(row.deadline_attempt).toBe(0);
      }
    });
  });

  it('writes a saga saved twice in one batch once, in its last state, two versions on', async () => {
    const id = uuidv7();
    const writes = new SagaWrites();
    const absent = { state: { status: 'absent' as const }, version: 0 };
    writes.save(id, absent, aSaga(id, 'posting'), '2026-12-01T11:00:00.000Z', {
      at: '2026-12-01T11:00:30.000Z',
      commandId: id,
      attempt: 0,
    });
    // The second save leaves the deadline as the first set it.
    writes.save(
      id,
      { state: aSaga(id, 'posting'), version: 1 },
      aSaga(id, 'posting', { resends: 2 }),
      '2026-12-01T11:00:01.000Z',
    );
    expect(writes.size).toBe(1);
    await knex.transaction((trx) => writes.flush(trx));
    const row = (await rows([id])).get(id)!;
    expect(row.version).toBe(2);
    expect(row.state.resends).toBe(2);
    expect(row.deadline_command_id).toBe(id);
  });

  it('refuses a saga saved out of order within a batch', () => {
    const id = uuidv7();
    const writes = new SagaWrites();
    writes.save(
      id,
      { state: { status: 'absent' }, version: 0 },
      aSaga(id, 'posting'),
      '2026-12-01T11:00:00.000Z',
    );
    expect(() =>
      writes.save(
        id,
        { state: { status: 'absent' }, version: 0 },
        aSaga(id, 'completed'),
        '2026-12-01T11:00:01.000Z',
      ),
    ).toThrow(/out of order/);
  });

  it('fails the batch when another writer moved a saga on since the batch loaded it', async () => {
    const id = uuidv7();
    const create = new SagaWrites();
    create.save(
      id,
      { state: { status: 'absent' }, version: 0 },
      aSaga(id, 'posting'),
      '2026-12-01T12:00:00.000Z',
    );
    await knex.transaction((trx) => create.flush(trx));
    const stale = { state: aSaga(id, 'posting'), version: 1 };
    await knex('sagas').where({ transaction_id: id }).update({ version: 2 });

    const writes = new SagaWrites();
    writes.save(id, stale, aSaga(id, 'completed'), '2026-12-01T12:00:01.000Z', null);
    await expect(knex.transaction((trx) => writes.flush(trx))).rejects.toThrow(/changed concurrently/);
    const row = (await rows([id])).get(id)!;
    expect(row.status).toBe('posting');
    expect(row.version).toBe(2);
  });
});
