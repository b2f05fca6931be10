import { formatDecimal } from '@billing/contracts/money';
import { uuidv7 } from '@billing/contracts/uuid';
import { asConsumed } from '@billing/testing/contract';
import { testEnv } from '@billing/testing/env';
import { groupCaughtUp } from '@billing/testing/kafka-probe';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerHarness } from '../test/ledger-harness';
import { handleLedgerCommands } from './ledger-commands/ledger-commands.handler';

const ledger = new LedgerHarness('ledger-concurrency');

beforeAll(async () => {
  // Two ledger instances in one consumer group on one database: batches on different partitions run at
  // the same time and meet on the same account rows.
  await ledger.start(2);
});

afterAll(async () => {
  await ledger.stop();
});

describe('account-ledger under concurrency and crashes', () => {
  it('200 concurrent debits of 1.00 against 50.00: exactly 50 succeed and the balance ends at 0.00', async () => {
    const bank = await ledger.openAccount('EXTERNAL', 'bank');
    const user = await ledger.openAccount('USER', 'alice');
    const funding = ledger.postEntry('topup', bank, user, '50.00');
    await ledger.send('ledgerCommands', [{ key: bank, value: funding }]);
    await waitFor('funded', () =>
      ledger.events('EntryPosted').find((e) => e.data.transactionId === funding.data.transactionId),
    );

    const ids = new Set<string>();
    const debits = Array.from({ length: 200 }, () => {
      const command = ledger.postEntry('withdrawal', user, bank, '1.00');
      ids.add(command.data.transactionId);
      // Random keys spread the debits over every partition, so both instances work on them at once.
      return { key: uuidv7(), value: command };
    });
    await Promise.all(
      [0, 1, 2, 3].map((i) => ledger.send('ledgerCommands', debits.slice(i * 50, i * 50 + 50))),
    );

    const outcomes = await waitFor(
      '200 outcomes',
      () => {
        const found = ledger.outcomesOf(ids);
        return found.length >= 200 ? found : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(outcomes).toHaveLength(200);
    const posted = outcomes.filter((e) => e.type === 'EntryPosted');
    const refused = outcomes.filter((e) => e.type === 'CommandRejected');
    expect(posted).toHaveLength(50);
    expect(refused).toHaveLength(150);
    expect(new Set(refused.map((e) => e.data.code))).toEqual(new Set(['ACCOUNT.INSUFFICIENT_FUNDS']));
    const balance = await ledger.balanceOf(user);
    expect(formatDecimal(balance.balance, 2)).toBe('0.00');
  });

  it('a crash between the database commit and the offset commit reprocesses nothing twice', async () => {
    const bank = await ledger.openAccount('EXTERNAL', 'bank-2');
    const user = await ledger.openAccount('USER', 'bob');
    const commands = Array.from({ length: 5 }, () => ledger.postEntry('topup', bank, user, '10.00'));
    const ids = new Set(commands.map((c) => c.data.transactionId));
    // The batch was applied and committed to the database by a consumer that then died before it could
    // commit its offsets...
    const deps = { knex: ledger.knex, hlc: ledger.hlc, nowMs: Date.now, topicPrefix: ledger.prefix };
    await handleLedgerCommands(deps, commands.map((c, i) => asConsumed(c, i)) as never[]);
    // ...so the broker hands the same messages to the group again.
    await ledger.send(
      'ledgerCommands',
      commands.map((c) => ({ key: bank, value: c })),
    );

    await waitFor('outcomes of the applied batch', () =>
      ledger.outcomesOf(ids).length >= 5 ? true : undefined,
    );
    // Wait until the group has consumed past the redelivered messages (committed offsets at the end of
    // the topic) and the relay has published everything, then check nothing was applied twice.
    await waitFor('redelivery consumed', async () => {
      const caughtUp = await groupCaughtUp(
        testEnv().kafkaBrokers,
        `${ledger.prefix}account-ledger.ledger-commands`,
        ledger.topic('ledgerCommands'),
      );
      const unpublished = await ledger.knex('outbox').whereNull('published_at').count<{ count: string }[]>();
      const seen = await ledger.probe.caughtUp(ledger.topic('ledgerEvents'));
      return caughtUp && unpublished[0]!.count === '0' && seen ? true : undefined;
    });
    const entries = await ledger
      .knex('journal_entries')
      .whereIn('transaction_id', [...ids])
      .count<{ count: string }[]>();
    expect(entries[0]!.count).toBe('5');
    expect(formatDecimal((await ledger.balanceOf(user)).balance, 2)).toBe('50.00');
    expect(ledger.outcomesOf(ids)).toHaveLength(5);
  });
});
