import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from './route';
import { credentialOf } from './session';
import { statementCsv } from './statement-csv';

describe('console routes', () => {
  it('round-trips every screen through its hash', () => {
    const routes: Route[] = [
      { screen: 'overview' },
      { screen: 'accounts', query: 'user 1' },
      { screen: 'account', id: '0192f0a0-0000-7000-8000-000000000002' },
      { screen: 'transaction', id: '0192f0a0-0000-7000-8000-000000000003' },
      { screen: 'operations' },
      { screen: 'dead-letters', state: '' },
      { screen: 'dead-letters', state: 'failed' },
      { screen: 'dead-letter', id: '1:42' },
    ];
    for (const route of routes) expect(parseRoute(hrefOf(route))).toEqual(route);
  });

  it('falls back to the overview for an unknown hash', () => {
    expect(parseRoute('#/nowhere')).toEqual({ screen: 'overview' });
  });
});

describe('credentialOf', () => {
  it('sends a JWT as a bearer token and anything else as an API key', () => {
    expect(credentialOf(' eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln ')).toEqual({
      bearer: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    });
    expect(credentialOf('dev-admin-key')).toEqual({ apiKey: 'dev-admin-key' });
  });
});

describe('statementCsv', () => {
  it('writes one line per posting with the amounts exactly as sent, quoting where needed', () => {
    const csv = statementCsv({
      accountId: '0192f0a0-0000-7000-8000-000000000002',
      currency: 'USD',
      from: null,
      to: '2026-02-01T00:00:00.000Z',
      openingBalance: '0.00',
      closingBalance: '100.10',
      truncated: false,
      lines: [
        {
          version: 2,
          entryId: '0192f0a0-0000-7000-8000-000000000004',
          transactionId: '0192f0a0-0000-7000-8000-000000000003',
          transactionType: 'topup',
          step: 'post, "first"',
          side: 'credit',
          amount: '100.10',
          balanceAfter: '100.10',
          reversesEntryId: null,
          postedAt: '2026-01-01T00:00:00.000Z',
        },
      ],
    });
    expect(csv.split('\r\n')).toEqual([
      'posted_at,transaction_id,transaction_type,step,side,amount,balance_after,currency',
      '2026-01-01T00:00:00.000Z,0192f0a0-0000-7000-8000-000000000003,topup,"post, ""first""",credit,100.10,100.10,USD',
      '',
    ]);
  });
});
