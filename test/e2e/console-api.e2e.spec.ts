import { GatewayProblem } from '@billing/client/problem';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typedClient } from './http';
import { startSystem, type RunningSystem } from './system';

/**
 * The routes the operator console reads, through the typed client against the four real services: who
 * is signed in, the transaction activity, a transaction's timeline, and an account's events as an async
 * iterator over SSE. Owners get what the rest of the API gives them: their own, and 403/404 otherwise.
 */
const KEYS = { admin: 'e2e-console-admin-01', alice: 'e2e-console-alice-01', bob: 'e2e-console-bob-0001' };
let system: RunningSystem;
let bank: string;
let alices: string;
let bobs: string;
let topUp: string;

const client = (who: keyof typeof KEYS) => typedClient(system, KEYS[who]);

async function problemOf(call: Promise<unknown>): Promise<GatewayProblem> {
  const outcome = await call.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(outcome instanceof GatewayProblem)) throw new Error(`expected a problem, got ${String(outcome)}`);
  return outcome;
}

beforeAll(async () => {
  system = await startSystem('console-api', {
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
          { key: KEYS.bob, role: 'owner', ownerId: 'bob' },
        ]),
      },
    },
  });
  const open = async (who: keyof typeof KEYS, ownerId: string, type: 'USER' | 'EXTERNAL') =>
    (await client(who).accounts.open({ ownerId, ownerType: 'user', currency: 'USD', type })).body.id;
  bank = await open('admin', 'bank_c', 'EXTERNAL');
  alices = await open('alice', 'alice', 'USER');
  bobs = await open('bob', 'bob', 'USER');
  const answer = await client('admin').transactions.topUp(
    { sourceAccountId: bank, destinationAccountId: alices, amount: '40.00', currency: 'USD' },
    { waitSeconds: 20 },
  );
  expect(answer.status).toBe(200);
  topUp = answer.body.transactionId;
  await waitFor('read side caught up', async () =>
    (await client('alice').accounts.balance(alices)).balance === '40.00' ? true : undefined,
  );
});

afterAll(async () => {
  await system?.stop();
});

describe('the console routes', () => {
  it('says who a credential is', async () => {
    expect(await client('admin').me()).toMatchObject({ kind: 'admin' });
    expect(await client('alice').me()).toEqual({ kind: 'owner', id: 'alice' });
  });

  it('gives an admin the activity of the last minutes, and refuses an owner with 403', async () => {
    const activity = await waitFor('top-up counted', async () => {
      const a = await client('admin').reports.activity(10);
      return a.perMinute.reduce((n, m) => n + m.completed, 0) >= 1 ? a : undefined;
    });
    expect(activity.perMinute).toHaveLength(10);
    expect(activity.latencyMs.count).toBeGreaterThanOrEqual(1);
    expect(activity.latencyMs.p50).toBeGreaterThanOrEqual(0);
    expect(activity.stuck).toBe(0);
    const refused = await problemOf(client('alice').reports.activity(10));
    expect({ status: refused.status, code: refused.code }).toEqual({ status: 403, code: 'AUTH.FORBIDDEN' });
  });

  it("shows a top-up's timeline to its owner and hides it from another owner", async () => {
    const timeline = await client('alice').transactions.timeline(topUp);
    expect(timeline.status).toBe('completed');
    expect(timeline.steps.map((s) => s.kind)).toEqual(['created', 'posting', 'posting', 'finished']);
    expect(timeline.entries.map((e) => [e.accountId, e.side, e.amount]).sort()).toEqual(
      [
        [bank, 'debit', '40.00'],
        [alices, 'credit', '40.00'],
      ].sort(),
    );
    const hidden = await problemOf(client('bob').transactions.timeline(topUp));
    expect({ status: hidden.status, code: hidden.code }).toEqual({
      status: 404,
      code: 'TRANSACTION.NOT_FOUND',
    });
  });

  it("streams an account's events as an async iterator while money moves", async () => {
    const abort = new AbortController();
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of client('alice').events(
        { accountId: alices },
        { signal: abort.signal, onOpen: opened },
      )) {
        seen.push(event.type);
        if (event.type === 'TransactionCompleted') break;
      }
    })();
    await open;
    const transfer = await client('alice').transactions.transfer(
      { sourceAccountId: alices, destinationAccountId: bobs, amount: '5.00', currency: 'USD' },
      { waitSeconds: 20 },
    );
    expect(transfer.body.status).toBe('completed');
    await waitFor('completion streamed', async () =>
      seen.includes('TransactionCompleted') ? true : undefined,
    );
    abort.abort();
    await reading.catch(() => undefined);
    expect(seen).toContain('EntryPosted');
  });

  it('pages through an account’s transactions with the async iterator', async () => {
    const ids: string[] = [];
    for await (const t of client('alice').accounts.transactions(alices, { limit: 1 }))
      ids.push(t.transactionId);
    expect(ids).toHaveLength(2);
    expect(ids).toContain(topUp);
  });
});
