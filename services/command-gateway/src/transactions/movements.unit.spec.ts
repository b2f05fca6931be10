import { createHash } from 'node:crypto';
import type { Actor } from '@billing/contracts/envelope';
import { IDEMPOTENCY_NAMESPACE, uuidv5 } from '@billing/contracts/uuid';
import { describe, expect, it } from 'vitest';
import {
  canonicalAmount,
  requestHash,
  TopUpBodySchema,
  transactionIdFor,
  type MovementTerms,
} from './movements';

const SOURCE = '0192f0a0-0000-7000-8000-000000000001';
const DESTINATION = '0192f0a0-0000-7000-8000-000000000002';
const owner = (id: string): Actor => ({ kind: 'owner', id });

function someTerms(overrides: Partial<MovementTerms> = {}): MovementTerms {
  return {
    type: 'transfer',
    sourceAccountId: SOURCE,
    destinationAccountId: DESTINATION,
    amount: '1.50',
    currency: 'USD',
    originalTransactionId: null,
    details: {},
    funding: null,
    ...overrides,
  };
}

describe('transactionIdFor', () => {
  it('gives different ids when the same characters split differently between owner id and key', () => {
    // "owner:a:b:c" was both owner "a" with key "b:c" and owner "a:b" with key "c".
    expect(transactionIdFor(owner('a:b'), 'c-000001')).not.toBe(transactionIdFor(owner('a'), 'b:c-000001'));
    expect(transactionIdFor(owner('x:y:z'), 'k:k-0001')).not.toBe(
      transactionIdFor(owner('x:y'), 'z:k:k-0001'),
    );
  });

  it('keeps the id it always had for ids without a colon, so retries across an upgrade match', () => {
    expect(transactionIdFor(owner('alice'), 'order:2026:0001')).toBe(
      uuidv5('owner:alice:order:2026:0001', IDEMPOTENCY_NAMESPACE),
    );
    expect(transactionIdFor({ kind: 'admin', id: 'key-abc' }, 'k-000001')).toBe(
      uuidv5('admin:key-abc:k-000001', IDEMPOTENCY_NAMESPACE),
    );
  });

  it('tells callers of different kinds apart', () => {
    expect(transactionIdFor({ kind: 'admin', id: 'a:b' }, 'k-000001')).not.toBe(
      transactionIdFor(owner('a:b'), 'k-000001'),
    );
  });
});

describe('canonicalAmount', () => {
  it.each([
    ['1.5', 'USD', '1.50'],
    ['1.50', 'USD', '1.50'],
    ['100', 'USD', '100.00'],
    ['7', 'JPY', '7'],
    ['0.1', 'BTC', '0.10000000'],
    ['1.500', 'XYZ', '1.5'],
    ['2.000', 'XYZ', '2'],
  ])('writes %s %s as %s', (amount, currency, expected) => {
    expect(canonicalAmount(amount, currency)).toBe(expected);
  });
});

describe('requestHash', () => {
  it('is the same for "1.5" and "1.50" of a currency with two decimals', () => {
    expect(requestHash(someTerms({ amount: '1.5' }))).toBe(requestHash(someTerms({ amount: '1.50' })));
    expect(requestHash(someTerms({ amount: '1.5' }))).not.toBe(requestHash(someTerms({ amount: '1.51' })));
  });

  it('covers the funding of a collected top-up', () => {
    const topUp = (method: 'card' | 'bank_debit', sourceReference: string) =>
      someTerms({ type: 'topup', sourceAccountId: null, funding: { method, sourceReference } });
    expect(requestHash(topUp('card', 'tok_0001'))).toBe(requestHash(topUp('card', 'tok_0001')));
    expect(requestHash(topUp('card', 'tok_0001'))).not.toBe(requestHash(topUp('bank_debit', 'tok_0001')));
    expect(requestHash(topUp('card', 'tok_0001'))).not.toBe(requestHash(topUp('card', 'tok_0002')));
  });

  it('keeps the hash a request without funding always had', () => {
    // sha256 of the canonical array the gateway has always hashed for such a transfer.
    const before = JSON.stringify(['transfer', SOURCE, DESTINATION, '1.50', 'USD', null, [null, null, null]]);
    expect(requestHash(someTerms())).toBe(createHash('sha256').update(before).digest('hex'));
  });
});

describe('TopUpBodySchema', () => {
  const base = { destinationAccountId: DESTINATION, amount: '10.00', currency: 'USD' };

  it('takes funding or a source, exactly one of them', () => {
    expect(
      TopUpBodySchema.safeParse({ ...base, funding: { method: 'card', sourceReference: 'tok_0001' } })
        .success,
    ).toBe(true);
    expect(TopUpBodySchema.safeParse({ ...base, sourceAccountId: SOURCE }).success).toBe(true);
    const neither = TopUpBodySchema.safeParse(base);
    expect(neither.error?.issues.map((i) => i.path.join('.'))).toEqual(['funding']);
    const both = TopUpBodySchema.safeParse({
      ...base,
      sourceAccountId: SOURCE,
      funding: { method: 'card', sourceReference: 'tok_0001' },
    });
    expect(both.error?.issues.map((i) => i.message)).toEqual([
      'send either sourceAccountId or funding, not both',
    ]);
  });

  it('refuses an unknown funding method and a malformed instrument reference', () => {
    expect(
      TopUpBodySchema.safeParse({ ...base, funding: { method: 'cash', sourceReference: 'tok_0001' } })
        .success,
    ).toBe(false);
    expect(
      TopUpBodySchema.safeParse({ ...base, funding: { method: 'card', sourceReference: 'a b' } }).success,
    ).toBe(false);
  });
});
