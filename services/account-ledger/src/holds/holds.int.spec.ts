import { createMessage } from '@billing/contracts/catalog';
import { CaptureHold, PlaceHold, ReleaseHold } from '@billing/contracts/messages/holds';
import { ReverseEntry } from '@billing/contracts/messages/ledger';
import { formatDecimal } from '@billing/contracts/money';
import { uuidv7 } from '@billing/contracts/uuid';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerHarness, type LedgerEvent } from '../../test/ledger-harness';

const ledger = new LedgerHarness('ledger-holds');
let bank: string;
let user: string;

const amounts = async (id: string) => {
  const row = await ledger.balanceOf(id);
  return { balance: formatDecimal(row.balance, 2), held: formatDecimal(row.held, 2) };
};

function outcome(transactionId: string, type: string): Promise<LedgerEvent> {
  return waitFor(`${type} for ${transactionId}`, () =>
    ledger.events().find((e) => e.type === type && e.data.transactionId === transactionId),
  );
}

function placeHold(amount: string, expiresAt = new Date(Date.now() + 3_600_000).toISOString()) {
  return createMessage(
    PlaceHold,
    {
      commandId: uuidv7(),
      holdId: uuidv7(),
      transactionId: uuidv7(),
      transactionType: 'withdrawal',
      accountId: user,
      amount,
      currency: 'USD',
      expiresAt,
    },
    ledger.meta(),
  );
}

beforeAll(async () => {
  await ledger.start(1, { HOLD_SWEEP_INTERVAL_MS: '100' });
  bank = await ledger.openAccount('EXTERNAL', 'bank');
  user = await ledger.openAccount('USER', 'alice');
  const funding = ledger.postEntry('topup', bank, user, '100.00');
  await ledger.send('ledgerCommands', [{ key: bank, value: funding }]);
  await outcome(funding.data.transactionId, 'EntryPosted');
});

afterAll(async () => {
  await ledger.stop();
});

describe('holds through the ledger, over Kafka', () => {
  it('places a hold, captures part of it into the external account, and frees the rest', async () => {
    const place = placeHold('30.00');
    await ledger.send('ledgerCommands', [{ key: user, value: place }]);
    const placed = await outcome(place.data.transactionId, 'HoldPlaced');
    expect(placed.data).toMatchObject({ amount: '30.00', availableAfter: '70.00' });
    expect(await amounts(user)).toEqual({ balance: '100.00', held: '30.00' });

    const capture = createMessage(
      CaptureHold,
      {
        commandId: uuidv7(),
        holdId: place.data.holdId,
        transactionId: place.data.transactionId,
        step: 'capture',
        creditAccountId: bank,
        amount: '20.00',
      },
      ledger.meta(),
    );
    await ledger.send('ledgerCommands', [
      { key: user, value: capture },
      { key: user, value: { ...capture, messageId: uuidv7() } },
    ]);
    const captured = await outcome(place.data.transactionId, 'HoldCaptured');
    expect(captured.data).toMatchObject({
      capturedAmount: '20.00',
      releasedAmount: '10.00',
      availableAfter: '80.00',
    });
    const entry = await outcome(place.data.transactionId, 'EntryPosted');
    expect(entry.data.postings).toEqual([
      expect.objectContaining({ accountId: user, side: 'debit', amount: '20.00', balanceAfter: '80.00' }),
      expect.objectContaining({ accountId: bank, side: 'credit', amount: '20.00' }),
    ]);
    // The repeated capture is answered with the original outcome and moves nothing.
    await waitFor('second HoldCaptured answer', () =>
      ledger.events('HoldCaptured').filter((e) => e.data.transactionId === place.data.transactionId)
        .length === 2
        ? true
        : undefined,
    );
    expect(await amounts(user)).toEqual({ balance: '80.00', held: '0.00' });
  });

  it('refuses a hold beyond the available balance with the available and requested amounts', async () => {
    const place = placeHold('80.01');
    await ledger.send('ledgerCommands', [{ key: user, value: place }]);
    const refused = await outcome(place.data.transactionId, 'CommandRejected');
    expect(refused.data).toMatchObject({
      code: 'ACCOUNT.INSUFFICIENT_FUNDS',
      context: { available: '80.00', requested: '80.01' },
    });
  });

  it('releases a hold on request, and a release after that is answered again without effect', async () => {
    const place = placeHold('5.00');
    const release = createMessage(
      ReleaseHold,
      {
        commandId: uuidv7(),
        holdId: place.data.holdId,
        transactionId: place.data.transactionId,
        reason: 'payout refused',
      },
      ledger.meta(),
    );
    await ledger.send('ledgerCommands', [
      { key: user, value: place },
      { key: user, value: release },
      { key: user, value: { ...release, messageId: uuidv7() } },
    ]);
    await waitFor('two HoldReleased answers', () =>
      ledger.events('HoldReleased').filter((e) => e.data.transactionId === place.data.transactionId)
        .length === 2
        ? true
        : undefined,
    );
    expect(await amounts(user)).toEqual({ balance: '80.00', held: '0.00' });
  });

  it('releases an expired hold by itself (the sweep) with reason "expired"', async () => {
    const place = placeHold('7.00', new Date(Date.now() + 1500).toISOString());
    await ledger.send('ledgerCommands', [{ key: user, value: place }]);
    await outcome(place.data.transactionId, 'HoldPlaced');
    const released = await outcome(place.data.transactionId, 'HoldReleased');
    expect(released.data).toMatchObject({ reason: 'expired', commandId: null, amount: '7.00' });
    expect(await amounts(user)).toEqual({ balance: '80.00', held: '0.00' });
  });

  it('reverses an entry once with its mirror image, and refuses a second reversal', async () => {
    const topup = ledger.postEntry('topup', bank, user, '15.00');
    await ledger.send('ledgerCommands', [{ key: bank, value: topup }]);
    const posted = await outcome(topup.data.transactionId, 'EntryPosted');
    const reverse = (step: string) =>
      createMessage(
        ReverseEntry,
        {
          commandId: uuidv7(),
          entryId: posted.data.entryId as string,
          transactionId: uuidv7(),
          step,
          reason: 'wrong account',
        },
        ledger.meta(),
      );
    const first = reverse('reverse');
    const second = reverse('reverse');
    await ledger.send('ledgerCommands', [
      { key: user, value: first },
      { key: user, value: second },
    ]);
    const reversal = await outcome(first.data.transactionId, 'EntryPosted');
    expect(reversal.data).toMatchObject({ reversesEntryId: posted.data.entryId });
    const refused = await outcome(second.data.transactionId, 'CommandRejected');
    expect(refused.data.code).toBe('ENTRY.ALREADY_REVERSED');
    expect(await amounts(user)).toEqual({ balance: '80.00', held: '0.00' });
  });
});
