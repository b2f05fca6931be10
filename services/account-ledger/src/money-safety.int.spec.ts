import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { ChangeAccountStatus, OpenAccount } from '@billing/contracts/messages/accounts';
import { CaptureHold, PlaceHold, ReleaseHold } from '@billing/contracts/messages/holds';
import { PostEntry, type TransactionType } from '@billing/contracts/messages/ledger';
import { formatDecimal } from '@billing/contracts/money';
import { FUNDING_ROLE } from '@billing/contracts/policy';
import { uuidv7 } from '@billing/contracts/uuid';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerHarness, type LedgerEvent } from '../test/ledger-harness';

/**
 * The money-safety rules of issue 9 over the real broker and database: owners' top-ups only from the
 * funding provider, a hold's credit account judged before anything external happens, refusals that stay
 * refusals, holds that stay reserved once their capture was requested, and refusals that tell an owner
 * nothing about accounts it does not own.
 */
const ledger = new LedgerHarness('ledger-money-safety');
const alice: Actor = { kind: 'owner', id: 'alice' };
let bank: string;
let funding: string;
let alices: string;

const amounts = async (id: string) => {
  const row = await ledger.balanceOf(id);
  return { balance: formatDecimal(row.balance, 2), held: formatDecimal(row.held, 2) };
};

function outcomes(transactionId: string, type: string): LedgerEvent[] {
  return ledger.events().filter((e) => e.type === type && e.data.transactionId === transactionId);
}

function outcome(transactionId: string, type: string): Promise<LedgerEvent> {
  return waitFor(`${type} for ${transactionId}`, () => outcomes(transactionId, type)[0]);
}

async function openAccount(
  type: 'USER' | 'EXTERNAL',
  ownerId: string,
  options: { currency?: string; metadata?: Record<string, string> } = {},
): Promise<string> {
  const accountId = uuidv7();
  const open = createMessage(
    OpenAccount,
    {
      accountId,
      ownerId,
      ownerType: 'user',
      type,
      currency: options.currency ?? 'USD',
      metadata: options.metadata ?? {},
    },
    ledger.meta(),
  );
  await ledger.send('accountCommands', [{ key: accountId, value: open }]);
  await waitFor(`account ${accountId} opened`, () =>
    ledger.events('AccountOpened').find((e) => e.data.accountId === accountId),
  );
  return accountId;
}

async function changeStatus(accountId: string, status: 'active' | 'suspended'): Promise<void> {
  const change = createMessage(ChangeAccountStatus, { accountId, status, reason: 'test' }, ledger.meta());
  await ledger.send('accountCommands', [{ key: accountId, value: change }]);
  await waitFor(`account ${accountId} ${status}`, () =>
    ledger
      .events('AccountStatusChanged')
      .find((e) => e.data.accountId === accountId && e.data.status === status),
  );
}

function entry(
  type: TransactionType,
  from: string,
  to: string,
  amount: string,
  actor: Actor,
  transactionId = uuidv7(),
) {
  return createMessage(
    PostEntry,
    {
      commandId: uuidv7(),
      transactionId,
      transactionType: type,
      step: 'post',
      currency: 'USD',
      postings: [
        { accountId: from, side: 'debit', amount },
        { accountId: to, side: 'credit', amount },
      ],
    },
    ledger.meta(actor),
  );
}

function placeHold(
  accountId: string,
  creditAccountId: string | null,
  amount: string,
  options: { actor?: Actor; expiresInMs?: number; type?: TransactionType } = {},
) {
  return createMessage(
    PlaceHold,
    {
      commandId: uuidv7(),
      holdId: uuidv7(),
      transactionId: uuidv7(),
      transactionType: options.type ?? 'withdrawal',
      accountId,
      amount,
      currency: 'USD',
      expiresAt: new Date(Date.now() + (options.expiresInMs ?? 3_600_000)).toISOString(),
      creditAccountId,
    },
    ledger.meta(options.actor),
  );
}

/** A refusal with the account id taken out, to compare the refusals about two different accounts. */
function anonymised(event: LedgerEvent) {
  const data = event.data as Record<string, unknown> & { detail: string; accountId: string };
  return {
    code: data.code,
    detail: data.detail.replace(data.accountId, '<id>'),
    context: data.context,
  };
}

beforeAll(async () => {
  await ledger.start(1, { HOLD_SWEEP_INTERVAL_MS: '100' });
  bank = await openAccount('EXTERNAL', 'bank');
  funding = await openAccount('EXTERNAL', 'funding-provider', { metadata: { role: FUNDING_ROLE } });
  alices = await openAccount('USER', 'alice');
});

afterAll(async () => {
  await ledger.stop();
});

describe("owners' top-ups", () => {
  it("refuses an owner's top-up from a bank's EXTERNAL account and posts one from the funding provider's", async () => {
    const fromBank = entry('topup', bank, alices, '10.00', alice);
    const fromFunding = entry('topup', funding, alices, '10.00', alice);
    await ledger.send('ledgerCommands', [
      { key: bank, value: fromBank },
      { key: funding, value: fromFunding },
    ]);
    const refused = await outcome(fromBank.data.transactionId, 'CommandRejected');
    expect(refused.data).toMatchObject({
      code: 'ACCOUNT.UNAVAILABLE',
      accountId: bank,
      detail: `account ${bank} cannot take part in this topup`,
      context: {},
    });
    await outcome(fromFunding.data.transactionId, 'EntryPosted');
    expect(await amounts(bank)).toEqual({ balance: '0.00', held: '0.00' });
    expect(await amounts(alices)).toEqual({ balance: '10.00', held: '0.00' });
  });
});

describe('a withdrawal hold judges its credit account at placement', () => {
  it('refuses a missing, a USER, a suspended and an other-currency payout account before holding anything', async () => {
    const bobs = await openAccount('USER', 'bob');
    const suspended = await openAccount('EXTERNAL', 'payouts');
    await changeStatus(suspended, 'suspended');
    const euros = await openAccount('EXTERNAL', 'payouts', { currency: 'EUR' });
    const missing = uuidv7();
    const before = await amounts(alices);
    const holds = [missing, bobs, suspended, euros].map((to) =>
      placeHold(alices, to, '1.00', { actor: alice }),
    );
    await ledger.send(
      'ledgerCommands',
      holds.map((h) => ({ key: alices, value: h })),
    );
    const refusals = await Promise.all(holds.map((h) => outcome(h.data.transactionId, 'CommandRejected')));
    refusals.forEach((refusal, i) =>
      expect(refusal.data).toMatchObject({
        code: 'ACCOUNT.UNAVAILABLE',
        accountId: holds[i]!.data.creditAccountId,
        context: {},
      }),
    );
    expect(new Set(refusals.map((r) => JSON.stringify(anonymised(r)))).size).toBe(1);
    expect(holds.flatMap((h) => outcomes(h.data.transactionId, 'HoldPlaced'))).toEqual([]);
    expect(await amounts(alices)).toEqual(before);
    const stored = await ledger.knex('holds').whereIn(
      'transaction_id',
      holds.map((h) => h.data.transactionId),
    );
    expect(stored).toEqual([]);
  });
});

describe('a refusal stays a refusal', () => {
  it('answers a refused transfer resent under a new message id with the stored refusal, even once the funds are there', async () => {
    const carol = await openAccount('USER', 'carol');
    const dave = await openAccount('USER', 'dave');
    const transfer = entry('transfer', carol, dave, '5.00', { kind: 'owner', id: 'carol' });
    // Two copies in one send: the second is answered from the batch's own memory (or the table).
    await ledger.send('ledgerCommands', [
      { key: carol, value: transfer },
      { key: carol, value: { ...transfer, messageId: uuidv7() } },
    ]);
    const first = await waitFor('two refusals', () => {
      const answers = outcomes(transfer.data.transactionId, 'CommandRejected');
      return answers.length === 2 ? answers : undefined;
    });
    expect(first[0]!.data).toMatchObject({ code: 'ACCOUNT.INSUFFICIENT_FUNDS' });
    expect(first[1]!.data).toEqual(first[0]!.data);

    const funded = entry('topup', bank, carol, '20.00', ledger.meta().actor);
    await ledger.send('ledgerCommands', [{ key: bank, value: funded }]);
    await outcome(funded.data.transactionId, 'EntryPosted');

    // The saga's step-deadline resend: same command, new message id, which the inbox does not know.
    await ledger.send('ledgerCommands', [{ key: carol, value: { ...transfer, messageId: uuidv7() } }]);
    const answers = await waitFor('the third answer', () => {
      const all = outcomes(transfer.data.transactionId, 'CommandRejected');
      return all.length === 3 ? all : undefined;
    });
    expect(answers[2]!.data).toEqual(first[0]!.data);
    expect(outcomes(transfer.data.transactionId, 'EntryPosted')).toEqual([]);
    expect(await amounts(carol)).toEqual({ balance: '20.00', held: '0.00' });
    expect(await amounts(dave)).toEqual({ balance: '0.00', held: '0.00' });
    const stored = await ledger.knex('rejections').where({ transaction_id: transfer.data.transactionId });
    expect(stored).toMatchObject([{ step: 'post', command_type: 'PostEntry' }]);
  });
});

describe('once a capture was requested the hold is owed', () => {
  it('is not released by the sweep nor by a ReleaseHold, and a later capture past its expiry succeeds', async () => {
    const erin = await openAccount('USER', 'erin');
    const payout = await openAccount('EXTERNAL', 'payouts');
    const funded = entry('topup', bank, erin, '50.00', ledger.meta().actor);
    await ledger.send('ledgerCommands', [{ key: bank, value: funded }]);
    await outcome(funded.data.transactionId, 'EntryPosted');

    // Both holds expire at once; the capture of the first is refused while erin is suspended.
    const owed = placeHold(erin, payout, '30.00', { expiresInMs: 4000 });
    const free = createMessage(
      PlaceHold,
      { ...placeHold(erin, payout, '5.00').data, expiresAt: owed.data.expiresAt },
      ledger.meta(),
    );
    await ledger.send('ledgerCommands', [
      { key: erin, value: owed },
      { key: erin, value: free },
    ]);
    await outcome(owed.data.transactionId, 'HoldPlaced');
    await outcome(free.data.transactionId, 'HoldPlaced');
    await changeStatus(erin, 'suspended');
    const capture = (step: string) =>
      createMessage(
        CaptureHold,
        {
          commandId: uuidv7(),
          holdId: owed.data.holdId,
          transactionId: owed.data.transactionId,
          step,
          creditAccountId: payout,
          amount: null,
        },
        ledger.meta(),
      );
    await ledger.send('ledgerCommands', [{ key: erin, value: capture('capture') }]);
    const refused = await outcome(owed.data.transactionId, 'CommandRejected');
    expect(refused.data.code).toBe('ACCOUNT.INACTIVE');

    // The sweep released the other hold, which expired at the same instant, and left this one.
    const released = await outcome(free.data.transactionId, 'HoldReleased');
    expect(released.data).toMatchObject({ reason: 'expired' });
    expect(outcomes(owed.data.transactionId, 'HoldReleased')).toEqual([]);
    expect(await amounts(erin)).toEqual({ balance: '50.00', held: '30.00' });
    const hold = await ledger.knex('holds').where({ id: owed.data.holdId }).first();
    expect(hold).toMatchObject({ status: 'open' });
    expect(hold.capture_requested_at).not.toBeNull();

    const release = createMessage(
      ReleaseHold,
      {
        commandId: uuidv7(),
        holdId: owed.data.holdId,
        transactionId: owed.data.transactionId,
        reason: 'payout refused',
      },
      ledger.meta(),
    );
    await ledger.send('ledgerCommands', [{ key: erin, value: release }]);
    const releaseRefused = await waitFor('the release refused', () =>
      outcomes(owed.data.transactionId, 'CommandRejected').find((e) => e.data.commandType === 'ReleaseHold'),
    );
    expect(releaseRefused.data.code).toBe('HOLD.CLOSED');
    expect(releaseRefused.data.detail).toContain('a capture was requested');

    // The saga retries under a new step once erin is active again; the hold is past its expiry by now.
    await changeStatus(erin, 'active');
    await ledger.send('ledgerCommands', [{ key: erin, value: capture('capture-2') }]);
    const captured = await outcome(owed.data.transactionId, 'HoldCaptured');
    expect(captured.data).toMatchObject({ capturedAmount: '30.00' });
    expect(await amounts(erin)).toEqual({ balance: '20.00', held: '0.00' });
    expect(await amounts(payout)).toEqual({ balance: '30.00', held: '0.00' });
  });
});

describe('owners cannot probe accounts they do not own', () => {
  it('gives identical refusals for a transfer to a missing account and to one in another currency', async () => {
    const euros = await openAccount('USER', 'bob', { currency: 'EUR' });
    const missing = uuidv7();
    const toEuros = entry('transfer', alices, euros, '1.00', alice);
    const toMissing = entry('transfer', alices, missing, '1.00', alice);
    await ledger.send('ledgerCommands', [
      { key: alices, value: toEuros },
      { key: alices, value: toMissing },
    ]);
    const a = await outcome(toEuros.data.transactionId, 'CommandRejected');
    const b = await outcome(toMissing.data.transactionId, 'CommandRejected');
    expect(a.data).toMatchObject({ code: 'ACCOUNT.UNAVAILABLE', accountId: euros, context: {} });
    expect(anonymised(a)).toEqual(anonymised(b));
    expect(b.data.detail).toBe(`account ${missing} cannot take part in this transfer`);
  });

  it('tells an admin the specific reasons', async () => {
    const euros = await openAccount('USER', 'bob', { currency: 'EUR' });
    const toEuros = entry('transfer', alices, euros, '1.00', ledger.meta().actor);
    const toMissing = entry('transfer', alices, uuidv7(), '1.00', ledger.meta().actor);
    await ledger.send('ledgerCommands', [
      { key: alices, value: toEuros },
      { key: alices, value: toMissing },
    ]);
    expect((await outcome(toEuros.data.transactionId, 'CommandRejected')).data.code).toBe(
      'CURRENCY.MISMATCH',
    );
    expect((await outcome(toMissing.data.transactionId, 'CommandRejected')).data.code).toBe(
      'ACCOUNT.NOT_FOUND',
    );
  });
});
