import { uuidv7 } from '@billing/contracts/uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSummary, aTopUpEntry, aTransactionEvent, anAccountOpened } from '../../test/builders';
import { startProjection, type ProjectionHarness } from '../../test/harness';

let h: ProjectionHarness;
const admin = { kind: 'admin' as const, id: 'admin-1' };
const alice = { kind: 'owner' as const, id: `alice-${uuidv7().slice(-6)}` };
const bob = { kind: 'owner' as const, id: `bob-${uuidv7().slice(-6)}` };
let bank: string;
let aliceMain: string;
let aliceSavings: string;
let bobMain: string;
let payment: ReturnType<typeof aSummary>;
const HOUR = 3600_000;
const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

type Page = { items: { transactionId: string }[]; nextCursor: string | null };

beforeAll(async () => {
  h = await startProjection('queries', { STUCK_AFTER_MS: '60000', QUERY_STATEMENT_TIMEOUT_MS: '1000' });
  const opened = [
    anAccountOpened({ type: 'EXTERNAL', ownerId: 'bank', openedAt: at(10 * HOUR) }),
    anAccountOpened({ ownerId: alice.id, openedAt: at(9 * HOUR) }),
    anAccountOpened({ ownerId: alice.id, openedAt: at(8 * HOUR) }),
    anAccountOpened({ ownerId: bob.id, openedAt: at(7 * HOUR) }),
  ];
  [bank, aliceMain, aliceSavings, bobMain] = opened.map((o) => o.data.accountId) as [
    string,
    string,
    string,
    string,
  ];
  for (const o of opened) await h.publish('ledgerEvents', o.data.accountId, o);
  // Three top-ups of alice's main account, three and two hours ago and now.
  await h.publish(
    'ledgerEvents',
    bank,
    aTopUpEntry(
      { id: bank, balanceAfter: '-100.00', version: 2 },
      { id: aliceMain, balanceAfter: '100.00', version: 2 },
      '100.00',
      { postedAt: at(3 * HOUR) },
    ),
    aTopUpEntry(
      { id: bank, balanceAfter: '-150.00', version: 3 },
      { id: aliceMain, balanceAfter: '150.00', version: 3 },
      '50.00',
      { postedAt: at(2 * HOUR) },
    ),
    aTopUpEntry(
      { id: bank, balanceAfter: '-155.00', version: 4 },
      { id: aliceMain, balanceAfter: '155.00', version: 4 },
      '5.00',
    ),
  );
  payment = aSummary({
    type: 'payment',
    amount: '50.00',
    sourceAccountId: aliceMain,
    destinationAccountId: bobMain,
    createdAt: at(HOUR),
  });
  const refund = (amount: string) =>
    aSummary({
      type: 'refund',
      amount,
      sourceAccountId: bobMain,
      destinationAccountId: aliceMain,
      originalTransactionId: payment.transactionId,
    });
  await h.publish(
    'transactionEvents',
    payment.transactionId,
    aTransactionEvent('pending', payment),
    aTransactionEvent('completed', payment),
  );
  const [r1, r2, r3] = [refund('10.00'), refund('5.00'), refund('3.00')];
  await h.publish(
    'transactionEvents',
    r1.transactionId,
    aTransactionEvent('pending', r1),
    aTransactionEvent('completed', r1),
  );
  await h.publish('transactionEvents', r2.transactionId, aTransactionEvent('pending', r2));
  await h.publish(
    'transactionEvents',
    r3.transactionId,
    aTransactionEvent('pending', r3),
    aTransactionEvent('failed', r3),
  );
  await h.caughtUp();
});

afterAll(async () => {
  await h?.stop();
});

describe('queries over Kafka request-reply', () => {
  it('answers from a pool of its own whose statements cannot outlive the query statement timeout', async () => {
    const reads = h.projection.queryDeps.knex;
    expect(reads).not.toBe(h.projection.worker.knex);
    const started = Date.now();
    await expect(reads.raw('select pg_sleep(3)')).rejects.toThrow(/statement timeout/);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('shows an account with its available balance, limits and version', async () => {
    const reply = await h.ask({ type: 'GetAccount', actor: alice, accountId: aliceMain });
    expect(reply.data).toMatchObject({
      id: aliceMain,
      balance: '155.00',
      availableBalance: '155.00',
      heldAmount: '0.00',
      openHolds: [],
      limits: { minBalance: '0.00', maxBalance: null },
      version: 4,
    });
  });

  it("answers another owner's account as not found", async () => {
    expect(await h.ask({ type: 'GetAccount', actor: bob, accountId: aliceMain })).toMatchObject({
      ok: false,
      code: 'ACCOUNT.NOT_FOUND',
    });
    expect(await h.ask({ type: 'GetAccountBalance', actor: bob, accountId: aliceMain })).toMatchObject({
      ok: false,
      code: 'ACCOUNT.NOT_FOUND',
    });
  });

  it('answers many balance reads asked at once exactly as each account query does, each as its asker may see it', async () => {
    const asks = [
      { actor: alice, accountId: aliceMain },
      { actor: alice, accountId: aliceSavings },
      { actor: bob, accountId: aliceMain },
      { actor: admin, accountId: bobMain },
      { actor: admin, accountId: uuidv7() },
      { actor: bob, accountId: bobMain },
    ];
    const [balances, accounts] = await Promise.all([
      Promise.all(asks.map((a) => h.ask({ type: 'GetAccountBalance', ...a }))),
      Promise.all(asks.map((a) => h.ask({ type: 'GetAccount', ...a }))),
    ]);
    asks.forEach((_, i) => {
      const account = accounts[i] as { ok: boolean; code?: string; data?: Record<string, unknown> };
      if (!account.ok) {
        expect(balances[i]).toMatchObject({ ok: false, code: account.code });
        return;
      }
      const { id, balance, availableBalance, currency, status } = account.data!;
      expect(balances[i]).toEqual({
        ok: true,
        data: { accountId: id, balance, availableBalance, currency, status },
      });
    });
    expect(balances.filter((b) => (b as { ok: boolean }).ok)).toHaveLength(4);
  });

  it('lists the accounts of an owner, oldest first, a page at a time; another owner sees none of them', async () => {
    const first = await h.ask<{ items: { id: string }[]; nextCursor: string }>({
      type: 'ListAccounts',
      actor: admin,
      ownerId: alice.id,
      limit: 1,
      cursor: null,
    });
    expect(first.data!.items.map((a) => a.id)).toEqual([aliceMain]);
    const second = await h.ask<{ items: { id: string }[]; nextCursor: string | null }>({
      type: 'ListAccounts',
      actor: alice,
      ownerId: alice.id,
      limit: 1,
      cursor: first.data!.nextCursor,
    });
    expect(second.data).toMatchObject({ items: [{ id: aliceSavings }], nextCursor: null });
    expect(
      (await h.ask({ type: 'ListAccounts', actor: bob, ownerId: alice.id, limit: 10, cursor: null })).data,
    ).toEqual({ items: [], nextCursor: null });
  });

  it('shows a payment with its refunds and what is left refundable', async () => {
    const reply = await h.ask<Record<string, unknown>>({
      type: 'GetTransaction',
      actor: alice,
      transactionId: payment.transactionId,
    });
    expect(reply.data).toMatchObject({
      transactionId: payment.transactionId,
      type: 'payment',
      status: 'completed',
      refundedAmount: '10.00',
      // 50.00 - 10.00 completed - 5.00 pending; the failed 3.00 gives nothing back.
      refundableAmount: '35.00',
      finishedAt: expect.any(String),
    });
    expect(reply.data!.refunds).toHaveLength(3);
  });

  it('hides a transaction from an owner it does not touch', async () => {
    const outsider = { kind: 'owner' as const, id: 'mallory' };
    expect(
      await h.ask({ type: 'GetTransaction', actor: outsider, transactionId: payment.transactionId }),
    ).toMatchObject({ code: 'TRANSACTION.NOT_FOUND' });
  });

  it("lists an account's transactions newest first, filtered by type, status and time", async () => {
    const ask = (o: object) =>
      h.ask<Page>({
        type: 'ListAccountTransactions',
        actor: alice,
        accountId: aliceMain,
        transactionType: null,
        status: null,
        from: null,
        to: null,
        limit: 50,
        cursor: null,
        ...o,
      });
    const all = (await ask({})).data!.items;
    expect(all[all.length - 1]!.transactionId).toBe(payment.transactionId);
    expect(all).toHaveLength(4);
    expect((await ask({ transactionType: 'payment' })).data!.items.map((t) => t.transactionId)).toEqual([
      payment.transactionId,
    ]);
    expect((await ask({ status: 'failed' })).data!.items).toHaveLength(1);
    expect((await ask({ to: at(30 * 60_000) })).data!.items.map((t) => t.transactionId)).toEqual([
      payment.transactionId,
    ]);
    expect(await ask({ cursor: 'bm90LWEtY3Vyc29y' })).toMatchObject({ ok: false, code: 'REQUEST.INVALID' });
    expect(
      await h.ask({
        type: 'ListAccountTransactions',
        actor: bob,
        accountId: aliceMain,
        transactionType: null,
        status: null,
        from: null,
        to: null,
        limit: 5,
        cursor: null,
      }),
    ).toMatchObject({ code: 'ACCOUNT.NOT_FOUND' });
  });

  it('returns every transaction exactly once across pages while new transactions arrive', async () => {
    const account = anAccountOpened({ ownerId: alice.id });
    const id = account.data.accountId;
    await h.publish('ledgerEvents', id, account);
    const make = (createdAt: string) =>
      aSummary({ sourceAccountId: bank, destinationAccountId: id, createdAt, updatedAt: createdAt });
    // Some share a timestamp: the id breaks the tie, so the order is total.
    const initial = Array.from({ length: 30 }, (_, i) => make(at(HOUR + Math.floor(i / 3) * 1000)));
    for (const s of initial)
      await h.publish('transactionEvents', s.transactionId, aTransactionEvent('pending', s));
    await h.caughtUp();
    const seen: string[] = [];
    let cursor: string | null = null;
    let arriving = 0;
    do {
      const page: { data?: Page } = await h.ask<Page>({
        type: 'ListAccountTransactions',
        actor: admin,
        accountId: id,
        transactionType: null,
        status: null,
        from: null,
        to: null,
        limit: 7,
        cursor,
      });
      seen.push(...page.data!.items.map((t) => t.transactionId));
      cursor = page.data!.nextCursor;
      // New transactions arrive between pages: newer ones and, adversarially, older ones too.
      const newer = make(at(0));
      const older = make(at(5 * HOUR + arriving * 1000));
      arriving += 1;
      await h.publish('transactionEvents', newer.transactionId, aTransactionEvent('pending', newer));
      await h.publish('transactionEvents', older.transactionId, aTransactionEvent('pending', older));
      await h.caughtUp();
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    for (const s of initial) expect(seen.filter((x) => x === s.transactionId)).toHaveLength(1);
  });

  it('gives a statement with opening and closing balances and running balances', async () => {
    const reply = await h.ask<{
      openingBalance: string;
      closingBalance: string;
      lines: { balanceAfter: string; amount: string }[];
      truncated: boolean;
    }>({
      type: 'GetStatement',
      actor: alice,
      accountId: aliceMain,
      from: at(2.5 * HOUR),
      to: at(HOUR),
    });
    expect(reply.data).toMatchObject({
      openingBalance: '100.00',
      closingBalance: '150.00',
      truncated: false,
    });
    expect(reply.data!.lines).toEqual([
      expect.objectContaining({ amount: '50.00', balanceAfter: '150.00', side: 'credit', version: 3 }),
    ]);
    const whole = await h.ask<{ openingBalance: string; closingBalance: string; lines: unknown[] }>({
      type: 'GetStatement',
      actor: alice,
      accountId: aliceMain,
      from: null,
      to: null,
    });
    expect(whole.data).toMatchObject({ openingBalance: '0.00', closingBalance: '155.00' });
    expect(whole.data!.lines).toHaveLength(3);
  });

  it('gives admins a trial balance that nets to zero, and refuses owners', async () => {
    const reply = await h.ask({ type: 'GetTrialBalance', actor: admin });
    expect(reply.data).toEqual({
      currencies: [{ currency: 'USD', debits: '155.00', credits: '155.00', net: '0.00' }],
    });
    expect(await h.ask({ type: 'GetTrialBalance', actor: alice })).toMatchObject({
      ok: false,
      code: 'AUTH.FORBIDDEN',
    });
  });

  it('lists transactions pending past their deadline as stuck, for admins only', async () => {
    const stuck = aSummary({ createdAt: at(2 * 60_000), updatedAt: at(2 * 60_000) });
    const recent = aSummary();
    await h.publish('transactionEvents', stuck.transactionId, aTransactionEvent('pending', stuck));
    await h.publish('transactionEvents', recent.transactionId, aTransactionEvent('pending', recent));
    await h.caughtUp();
    const reply = await h.ask<{
      items: { transactionId: string; deadlineAt: string }[];
      stuckAfterMs: number;
    }>({ type: 'ListStuckTransactions', actor: admin, limit: 200, cursor: null });
    const ids = reply.data!.items.map((t) => t.transactionId);
    expect(ids).toContain(stuck.transactionId);
    expect(ids).not.toContain(recent.transactionId);
    expect(ids).not.toContain(payment.transactionId);
    expect(reply.data!.stuckAfterMs).toBe(60_000);
    expect(
      await h.ask({ type: 'ListStuckTransactions', actor: alice, limit: 10, cursor: null }),
    ).toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });

  it('lists transactions that need attention, oldest first, with their reason, for admins only', async () => {
    const older = aSummary({ type: 'withdrawal', createdAt: at(3 * 60_000), updatedAt: at(3 * 60_000) });
    const newer = aSummary({ type: 'bill_payment', createdAt: at(60_000), updatedAt: at(60_000) });
    const settled = aSummary({ createdAt: at(2 * 60_000), updatedAt: at(2 * 60_000) });
    for (const s of [older, newer, settled])
      await h.publish(
        'transactionEvents',
        s.transactionId,
        aTransactionEvent('pending', s),
        aTransactionEvent('needs_attention', s),
      );
    // A later final event takes a transaction off the list.
    await h.publish('transactionEvents', settled.transactionId, aTransactionEvent('completed', settled));
    await h.caughtUp();
    const ask = (cursor: string | null) =>
      h.ask<{
        items: { transactionId: string; status: string; reason: unknown }[];
        nextCursor: string | null;
      }>({
        type: 'ListTransactionsNeedingAttention',
        actor: admin,
        limit: 1,
        cursor,
      });
    const first = await ask(null);
    expect(first.data!.items).toEqual([
      expect.objectContaining({
        transactionId: older.transactionId,
        status: 'needs_attention',
        reason: { code: 'SAGA.CAPTURE_FAILED', detail: expect.any(String) },
      }),
    ]);
    const second = await ask(first.data!.nextCursor);
    expect(second.data).toEqual({
      items: [expect.objectContaining({ transactionId: newer.transactionId })],
      nextCursor: null,
    });
    // Not stuck: that list is for transactions still pending past their deadline.
    const stuck = await h.ask<Page>({
      type: 'ListStuckTransactions',
      actor: admin,
      limit: 200,
      cursor: null,
    });
    expect(stuck.data!.items.map((t) => t.transactionId)).not.toContain(older.transactionId);
    expect(
      await h.ask({ type: 'ListTransactionsNeedingAttention', actor: alice, limit: 10, cursor: null }),
    ).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN' });
  });

  it("answers another owner's account exactly as a missing one, on every account query", async () => {
    const missing = uuidv7();
    const queries = (accountId: string) => [
      { type: 'GetAccount', actor: bob, accountId },
      { type: 'GetAccountBalance', actor: bob, accountId },
      {
        type: 'ListAccountTransactions',
        actor: bob,
        accountId,
        transactionType: null,
        status: null,
        from: null,
        to: null,
        limit: 5,
        cursor: null,
      },
      { type: 'GetStatement', actor: bob, accountId, from: null, to: null },
    ];
    const answers = async (accountId: string) =>
      Promise.all(
        queries(accountId).map(async (q) => {
          const reply = await h.ask(q);
          return { ...reply, detail: reply.detail?.replace(accountId, '<id>') };
        }),
      );
    const others = await answers(aliceMain);
    expect(others.every((r) => r.ok === false && r.code === 'ACCOUNT.NOT_FOUND')).toBe(true);
    expect(await answers(missing)).toEqual(others);
  });

  it('shows a refund only to the owners of its parties, and one refused before its payment was known to no owner', async () => {
    // Refused before the payment was known: it names no accounts, only the payment id it was sent.
    const unknownPayment = uuidv7();
    const early = aSummary({
      type: 'refund',
      amount: '1.00',
      sourceAccountId: unknownPayment,
      destinationAccountId: unknownPayment,
      originalTransactionId: unknownPayment,
    });
    // Mallory asked to refund alice's payment to bob; the orchestrator refused, naming its parties.
    const strangers = aSummary({
      type: 'refund',
      amount: '2.00',
      sourceAccountId: bobMain,
      destinationAccountId: aliceMain,
      originalTransactionId: payment.transactionId,
    });
    for (const s of [early, strangers])
      await h.publish('transactionEvents', s.transactionId, aTransactionEvent('failed', s));
    await h.caughtUp();
    const mallory = { kind: 'owner' as const, id: 'mallory' };
    const get = (actor: typeof alice | typeof admin, transactionId: string) =>
      h.ask<Record<string, unknown>>({ type: 'GetTransaction', actor, transactionId });
    for (const owner of [alice, bob, mallory]) {
      const reply = await get(owner, early.transactionId);
      expect(reply).toEqual({
        ok: false,
        code: 'TRANSACTION.NOT_FOUND',
        detail: `transaction ${early.transactionId} not found`,
      });
    }
    expect((await get(admin, early.transactionId)).data).toMatchObject({ status: 'failed' });
    expect(await get(mallory, strangers.transactionId)).toMatchObject({ code: 'TRANSACTION.NOT_FOUND' });
    expect(await get(mallory, uuidv7())).toMatchObject({ code: 'TRANSACTION.NOT_FOUND' });
    expect((await get(alice, strangers.transactionId)).data).toMatchObject({ sourceAccountId: bobMain });
  });

  it('lists the currencies the ledger knows', async () => {
    const reply = await h.ask<{ currencies: { code: string; scale: number }[] }>({
      type: 'ListCurrencies',
      actor: alice,
    });
    expect(reply.data!.currencies).toContainEqual({ code: 'USD', scale: 2, kind: 'fiat' });
    expect(reply.data!.currencies).toContainEqual({ code: 'JPY', scale: 0, kind: 'fiat' });
  });

  it('refuses a limit above the maximum as an invalid request', async () => {
    expect(
      await h.ask({ type: 'ListStuckTransactions', actor: admin, limit: 201, cursor: null }),
    ).toMatchObject({ code: 'REQUEST.INVALID' });
  });
});
