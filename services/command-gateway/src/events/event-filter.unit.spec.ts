import { FIXTURE_IDS, fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { matches, toPayload, type StreamFilter } from './event-filter';

const USER = FIXTURE_IDS.userAccount;
const EXTERNAL = FIXTURE_IDS.externalAccount;
const following = (accountId: string | null, transactionId: string | null = null): StreamFilter => ({
  accountId,
  transactionId,
});

describe('which events a stream gets', () => {
  it('sends an account stream the entries, holds and transactions that touch the account', () => {
    for (const event of [fixtures.EntryPosted, fixtures.TransactionAccepted, fixtures.HoldPlaced]) {
      expect(matches(event, following(USER)), event.type).toBe(true);
    }
    expect(matches(fixtures.AccountOpened, following(USER))).toBe(true);
    expect(matches(fixtures.EntryPosted, following('0192f0a0-0000-7000-8000-0000000000ff'))).toBe(false);
  });

  it('passes a needs_attention event on to the streams of its transaction and of its accounts', () => {
    const event = fixtures.TransactionNeedsAttention;
    expect(matches(event, following(null, event.data.transactionId))).toBe(true);
    expect(matches(event, following(event.data.sourceAccountId))).toBe(true);
    expect(matches(event, following(event.data.destinationAccountId))).toBe(true);
    expect(toPayload(event, following(event.data.sourceAccountId), 'owner').data).toEqual(event.data);
  });

  it('sends a transaction stream every event of that transaction, and no account events', () => {
    const tx = following(null, FIXTURE_IDS.transaction);
    for (const event of [fixtures.EntryPosted, fixtures.TransactionCompleted, fixtures.CommandRejected]) {
      expect(matches(event, tx), event.type).toBe(true);
    }
    expect(matches(fixtures.AccountOpened, tx)).toBe(false);
    expect(matches(fixtures.CurrencyAdded, tx)).toBe(false);
  });
});

describe('what a stream sends of an event', () => {
  it('carries the type, the time and the data under its own key', () => {
    expect(toPayload(fixtures.TransactionAccepted, following(USER), 'owner')).toEqual({
      type: 'TransactionAccepted',
      occurredAt: fixtures.TransactionAccepted.occurredAt,
      data: fixtures.TransactionAccepted.data,
    });
  });

  it("hides other accounts' balances from an owner, but not from an admin", () => {
    const owner = toPayload(fixtures.EntryPosted, following(USER), 'owner').data as { postings: object[] };
    expect(owner.postings).toEqual([
      { accountId: EXTERNAL, side: 'debit', amount: '100.00' },
      expect.objectContaining({ accountId: USER, balanceAfter: '100.00' }),
    ]);
    const admin = toPayload(fixtures.EntryPosted, following(USER), 'admin').data;
    expect(admin).toEqual(fixtures.EntryPosted.data);
  });

  it("hides a hold's available balance from an owner following the transaction, not the account", () => {
    const byTransaction = toPayload(fixtures.HoldPlaced, following(null, FIXTURE_IDS.transaction), 'owner');
    expect(byTransaction.data).not.toHaveProperty('availableAfter');
    expect(byTransaction.data).toHaveProperty('amount', '25.00');
    const byAccount = toPayload(fixtures.HoldPlaced, following(USER), 'owner');
    expect(byAccount.data).toHaveProperty('availableAfter', '75.00');
  });

  it("hides the figures of another account's refusal from an owner", () => {
    const rejected = {
      ...fixtures.CommandRejected,
      data: { ...fixtures.CommandRejected.data, context: { available: '3.00' } },
    };
    const data = toPayload(rejected, following(USER, FIXTURE_IDS.transaction), 'owner').data;
    expect(data).toHaveProperty('context', {});
    expect(toPayload(rejected, following(EXTERNAL), 'owner').data).toHaveProperty('context', {
      available: '3.00',
    });
  });

  it("sends a provider step to its transaction's stream with the reference, its detail to admins only", () => {
    const step = {
      ...fixtures.TransactionProviderStepRecorded,
      data: { ...fixtures.TransactionProviderStepRecorded.data, detail: 'connect ECONNREFUSED 10.0.0.7:443' },
    };
    expect(matches(step, following(null, FIXTURE_IDS.transaction))).toBe(true);
    expect(matches(step, following(USER))).toBe(false);
    const owner = toPayload(step, following(null, FIXTURE_IDS.transaction), 'owner').data;
    expect(owner).toMatchObject({ providerReference: 'EKEDC-000123', detail: null });
    const admin = toPayload(step, following(null, FIXTURE_IDS.transaction), 'admin').data;
    expect(admin).toHaveProperty('detail', 'connect ECONNREFUSED 10.0.0.7:443');
  });
});
