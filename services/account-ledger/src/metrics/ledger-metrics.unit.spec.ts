import { metricsRegistry } from '@billing/platform/metrics';
import { describe, expect, it } from 'vitest';
import { countLedgerOutcomes, postedTransactionType } from './ledger-metrics';

const posted = (transactionType: string) => ({
  topic: 'billing.ledger.events',
  type: 'EntryPosted',
  payload: JSON.stringify({
    type: 'EntryPosted',
    data: { entryId: 'e', transactionType, postings: [{ accountId: 'a' }, { accountId: 'b' }] },
  }),
});

describe('ledger outcome metrics', () => {
  it('finds the transaction type of a posted entry without parsing the payload', () => {
    expect(postedTransactionType(posted('bill_payment').payload)).toBe('bill_payment');
    expect(postedTransactionType('{"type":"EntryPosted","data":{}}')).toBe('unknown');
  });

  it('counts postings by transaction type and rejections by code, and ignores other events', async () => {
    countLedgerOutcomes([
      posted('transfer'),
      posted('transfer'),
      posted('topup'),
      {
        topic: 'billing.ledger.events',
        type: 'CommandRejected',
        payload: JSON.stringify({
          type: 'CommandRejected',
          data: { code: 'ACCOUNT.INSUFFICIENT_FUNDS', commandType: 'PostEntry' },
        }),
      },
      { topic: 'billing.ledger.events', type: 'AccountOpened', payload: 'not parsed' },
    ]);
    const text = await metricsRegistry.metrics();
    expect(text).toContain('ledger_postings_total{transaction_type="transfer"} 2');
    expect(text).toContain('ledger_postings_total{transaction_type="topup"} 1');
    expect(text).toContain(
      'ledger_rejections_total{code="ACCOUNT.INSUFFICIENT_FUNDS",command_type="PostEntry"} 1',
    );
  });
});
