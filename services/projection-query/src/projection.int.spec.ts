import { fixtures } from '@billing/contracts/fixtures';
import { uuidv7 } from '@billing/contracts/uuid';
import { fixturesConsumedBy } from '@billing/testing/contract';
import { waitFor } from '@billing/testing/wait';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aHoldCaptured,
  aHoldPlaced,
  aHoldReleased,
  anAccountOpened,
  aTopUpEntry,
  anEntryPosted,
  aStatusChange,
  aSummary,
  aTransactionEvent,
} from '../test/builders';
import { startProjection, type ProjectionHarness } from '../test/harness';
import { recordReplayOutcomes, recordReplayRequests } from './dead-letters/dead-letter-folding';
import { applyLedgerEvents } from './accounts/ledger-events.handler';
import { LIVE_SCHEMA, tableOf } from './read-model/schema';
import { applyTransactionEvents } from './transactions/transaction-events.handler';

let h: ProjectionHarness;

beforeAll(async () => {
  h = await startProjection('projection');
});

afterAll(async () => {
  await h?.stop();
});

const knex = () => h.projection.worker.knex;
const t = (name: Parameters<typeof tableOf>[1]) => tableOf(LIVE_SCHEMA, name);
const accountRow = (id: string) =>
  knex()(t('accounts'))
    .where({ id })
    .first<{ balance: string; version: number; status: string } | undefined>();
const pendingOf = (id: string) =>
  knex()(t('pending_events'))
    .where({ account_id: id })
    .select<{ version: number; slot: number }[]>('version', 'slot');

async function openPair() {
  const bank = anAccountOpened({ type: 'EXTERNAL', ownerId: 'bank' });
  const user = anAccountOpened({ ownerId: `user-${uuidv7().slice(-6)}` });
  await h.publish('ledgerEvents', bank.data.accountId, bank);
  await h.publish('ledgerEvents', user.data.accountId, user);
  return { bank: bank.data.accountId, user: user.data.accountId };
}

describe('projection-query against real Kafka and PostgreSQL', () => {
  it('finds the event topics keeping events forever (retention.ms=-1, cleanup.policy=delete)', async () => {
    const { resources } = await h.admin.describeConfigs({
      includeSynonyms: false,
      resources: [h.topic('ledgerEvents'), h.topic('transactionEvents')].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'cleanup.policy'],
      })),
    });
    for (const resource of resources) {
      const config = Object.fromEntries(resource.configEntries.map((e) => [e.configName, e.configValue]));
      expect(config).toEqual({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });
    }
  });

  it('counts a redelivered event once: again on the topic, republished under a new id, or redelivered at its offset', async () => {
    const { bank, user } = await openPair();
    const entry = aTopUpEntry(
      { id: bank, balanceAfter: '-10.00', version: 2 },
      { id: user, balanceAfter: '10.00', version: 2 },
      '10.00',
    );
    const replayed = { ...entry, messageId: uuidv7() }; // the ledger answering a replayed command
    await h.publish('ledgerEvents', bank, entry, entry, replayed);
    await h.caughtUp();
    expect(await accountRow(user)).toMatchObject({ balance: '10.00', version: 2 });
    expect(
      await knex()(t('account_history')).where({ account_id: user }).count<{ count: string }[]>(),
    ).toEqual([{ count: '1' }]);

    // A batch redelivered after a crash between the database commit and the offset commit.
    const consumed = { message: entry, topic: 'redelivery-test', partition: 0, offset: '0', key: bank };
    const target = { knex: knex(), schema: LIVE_SCHEMA, live: true, nowMs: Date.now };
    const totalsBefore = await knex()(t('currency_totals')).where({ currency: 'USD' }).first();
    await applyLedgerEvents(target, [consumed]);
    await applyLedgerEvents(target, [consumed]);
    expect(await knex()(t('currency_totals')).where({ currency: 'USD' }).first()).toEqual(totalsBefore);
    expect(await accountRow(user)).toMatchObject({ balance: '10.00', version: 2 });
  });

  it('does not apply an out-of-order event early: it waits until the gap before it closes', async () => {
    const { bank, user } = await openPair();
    const first = aTopUpEntry(
      { id: bank, balanceAfter: '-10.00', version: 2 },
      { id: user, balanceAfter: '10.00', version: 2 },
      '10.00',
    );
    const second = aTopUpEntry(
      { id: bank, balanceAfter: '-30.00', version: 3 },
      { id: user, balanceAfter: '30.00', version: 3 },
      '20.00',
    );
    // The later entry travels on another partition and arrives first.
    await h.publish('ledgerEvents', `other-key-${uuidv7()}`, second);
    await waitFor('the early entry parked', async () =>
      (await pendingOf(user)).length === 1 ? true : undefined,
    );
    await h.caughtUp();
    expect(await accountRow(user)).toMatchObject({ balance: '0.00', version: 1 });
    expect(
      await knex()(t('account_history')).where({ account_id: user }).count<{ count: string }[]>(),
    ).toEqual([{ count: '0' }]);

    await h.publish('ledgerEvents', bank, first);
    await h.caughtUp();
    expect(await accountRow(user)).toMatchObject({ balance: '30.00', version: 3 });
    expect(await pendingOf(user)).toEqual([]);
    const lines = await knex()(t('account_history'))
      .where({ account_id: user })
      .orderBy('version')
      .select('version', 'balance_after');
    expect(lines).toEqual([
      { version: 2, balance_after: '10.00' },
      { version: 3, balance_after: '30.00' },
    ]);
  });

  it('parks a posting for an account whose AccountOpened has not arrived yet', async () => {
    const bank = anAccountOpened({ type: 'EXTERNAL', ownerId: 'bank' });
    const user = anAccountOpened();
    const id = user.data.accountId;
    await h.publish('ledgerEvents', bank.data.accountId, bank);
    await h.publish(
      'ledgerEvents',
      bank.data.accountId,
      aTopUpEntry(
        { id: bank.data.accountId, balanceAfter: '-5.00', version: 2 },
        { id, balanceAfter: '5.00', version: 2 },
        '5.00',
      ),
    );
    await waitFor('posting parked', async () => ((await pendingOf(id)).length === 1 ? true : undefined));
    expect(await accountRow(id)).toBeUndefined();
    await h.publish('ledgerEvents', id, user);
    await h.caughtUp();
    expect(await accountRow(id)).toMatchObject({ balance: '5.00', version: 2 });
  });

  it('follows holds into the available balance, and applies a capture only after its posting', async () => {
    const { bank, user } = await openPair();
    await h.publish(
      'ledgerEvents',
      bank,
      aTopUpEntry(
        { id: bank, balanceAfter: '-100.00', version: 2 },
        { id: user, balanceAfter: '100.00', version: 2 },
        '100.00',
      ),
    );
    const captured = aHoldPlaced({ accountId: user, amount: '25.00', version: 3, availableAfter: '75.00' });
    const released = aHoldPlaced({ accountId: user, amount: '5.00', version: 4, availableAfter: '70.00' });
    await h.publish('ledgerEvents', user, captured, released);
    await h.caughtUp();
    const balance = await h.ask({
      type: 'GetAccountBalance',
      actor: { kind: 'admin', id: 'a' },
      accountId: user,
    });
    expect(balance.data).toMatchObject({ balance: '100.00', availableBalance: '70.00' });

    const { holdId, transactionId } = captured.data;
    const capture = aHoldCaptured({
      accountId: user,
      holdId,
      transactionId,
      captured: '20.00',
      released: '5.00',
      version: 5,
      availableAfter: '75.00',
    });
    const posting = anEntryPosted(
      [
        { accountId: user, side: 'debit', amount: '20.00', balanceAfter: '80.00', streamVersion: 5 },
        { accountId: bank, side: 'credit', amount: '20.00', balanceAfter: '-80.00', streamVersion: 3 },
      ],
      { transactionId, transactionType: 'withdrawal', step: 'capture' },
    );
    // HoldCaptured first: it must wait for the capture posting of its version.
    await h.publish('ledgerEvents', `k-${uuidv7()}`, capture);
    await waitFor('capture parked', async () =>
      (await pendingOf(user)).some((p) => p.slot === 1) ? true : undefined,
    );
    expect((await knex()(t('holds')).where({ hold_id: holdId }).first())?.status).toBe('open');
    await h.publish(
      'ledgerEvents',
      user,
      posting,
      aHoldReleased({
        accountId: user,
        holdId: released.data.holdId,
        amount: '5.00',
        version: 6,
        availableAfter: '80.00',
      }),
    );
    await h.caughtUp();
    const view = await h.ask<Record<string, unknown>>({
      type: 'GetAccount',
      actor: { kind: 'admin', id: 'a' },
      accountId: user,
    });
    expect(view.data).toMatchObject({
      balance: '80.00',
      availableBalance: '80.00',
      heldAmount: '0.00',
      openHoldCount: 0,
      version: 6,
    });
    expect(await knex()(t('holds')).where({ hold_id: holdId }).first()).toMatchObject({
      status: 'captured',
      captured_amount: '20.00',
    });
    expect(await pendingOf(user)).toEqual([]);
  });

  it('ignores an unchanged-status answer carrying the version of another event', async () => {
    const { bank, user } = await openPair();
    // The ledger answers "set active" on an active account at its current version (2, the posting's).
    await h.publish(
      'ledgerEvents',
      user,
      aStatusChange({ accountId: user, from: 'active', to: 'active', version: 2 }),
    );
    await h.publish(
      'ledgerEvents',
      bank,
      aTopUpEntry(
        { id: bank, balanceAfter: '-1.00', version: 2 },
        { id: user, balanceAfter: '1.00', version: 2 },
        '1.00',
      ),
    );
    await h.publish(
      'ledgerEvents',
      user,
      aStatusChange({ accountId: user, from: 'active', to: 'suspended', version: 3 }),
    );
    await h.caughtUp();
    expect(await accountRow(user)).toMatchObject({ balance: '1.00', version: 3, status: 'suspended' });
  });

  it('shows a transaction that needs attention with its reason until a later final event supersedes it', async () => {
    const { bank, user } = await openPair();
    const summary = aSummary({ type: 'withdrawal', sourceAccountId: user, destinationAccountId: bank });
    const accepted = aTransactionEvent('pending', summary);
    const attention = aTransactionEvent('needs_attention', summary);
    await h.publish('transactionEvents', summary.transactionId, accepted, attention);
    await h.caughtUp();
    const ask = () =>
      h.ask<Record<string, unknown>>({
        type: 'GetTransaction',
        actor: { kind: 'admin', id: 'a' },
        transactionId: summary.transactionId,
      });
    expect((await ask()).data).toMatchObject({
      status: 'needs_attention',
      reason: { code: 'SAGA.CAPTURE_FAILED' },
      finishedAt: null,
    });

    const completed = aTransactionEvent('completed', summary);
    // The completion, then the needs_attention event again (an outbox relay resending its batch).
    await h.publish('transactionEvents', summary.transactionId, completed, attention);
    await h.caughtUp();
    expect((await ask()).data).toMatchObject({
      status: 'completed',
      reason: null,
      finishedAt: expect.any(String),
    });
  });

  it('reports consumer lag and the age of the last applied event in /metrics and /health/ready', async () => {
    await h.caughtUp();
    const metrics = await fetch(`${h.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toMatch(
      new RegExp(
        `projection_consumer_lag_messages\\{topic="${h.topic('ledgerEvents').replace(/\./g, '\\.')}",partition="\\d"\\} 0`,
      ),
    );
    expect(text).toMatch(/projection_last_applied_event_age_seconds\{topic="[^"]+ledger\.events"\} \d/);
    const ready = (await (await fetch(`${h.url}/health/ready`)).json()) as {
      checks: { name: string; detail?: unknown }[];
    };
    const readSide = ready.checks.find((c) => c.name === 'read-side');
    expect(readSide?.detail).toMatchObject({
      topics: { [h.topic('ledgerEvents')]: { lag: '0' } },
      pendingEvents: expect.any(Number),
    });
  });

  it.each(fixturesConsumedBy('projection-query').map((f, i) => ({ ...f, offset: i })))(
    'handles the $type fixture from $topic (consumer contract)',
    async ({ topic, message, offset }) => {
      const target = { knex: knex(), schema: LIVE_SCHEMA, live: true, nowMs: Date.now };
      const consumed = { message, topic: 'contract-test', partition: 0, offset: String(offset), key: null };
      const handled =
        topic === 'ledgerEvents'
          ? applyLedgerEvents(target, [consumed] as never[])
          : topic === 'deadLetterReplays'
            ? recordReplayRequests(knex(), [consumed] as never[])
            : topic === 'deadLetterReplayOutcomes'
              ? recordReplayOutcomes(knex(), [consumed] as never[])
              : applyTransactionEvents(target, [consumed] as never[]);
      await expect(handled).resolves.toBeUndefined();
    },
  );

  it('has applied the contract fixtures as the read model describes them', async () => {
    expect(await knex()(t('currencies')).where({ code: 'CHF' }).first()).toMatchObject({ scale: 2 });
    expect(fixtures.TransactionCompleted.data.transactionId).toBeDefined();
  });
});
