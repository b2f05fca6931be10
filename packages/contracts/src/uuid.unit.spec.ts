import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDEMPOTENCY_NAMESPACE, UuidSchema, uuidv5, uuidv7 } from './uuid';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
const MAX_48_BIT_MS = 2 ** 48 - 1;
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function versionOf(id: string): string {
  return id.charAt(14);
}

/** The two most significant bits of octet 8 are 10 for the RFC 9562 variant: first hex digit 8, 9, a or b. */
function hasRfcVariant(id: string): boolean {
  return ['8', '9', 'a', 'b'].includes(id.charAt(19));
}

function embeddedMs(id: string): number {
  return Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

describe('uuidv7', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('given a timestamp, then the id is lower-case canonical, has version 7 and the RFC variant bits', () => {
    const id = uuidv7(Date.parse('2026-01-01T00:00:00.000Z'));
    expect(id).toMatch(CANONICAL);
    expect(versionOf(id)).toBe('7');
    expect(hasRfcVariant(id)).toBe(true);
  });

  it.each([0, 1, 1_735_689_600_123, MAX_48_BIT_MS])(
    'given the timestamp %i ms, then the first 48 bits parse back to it',
    (ms) => {
      expect(embeddedMs(uuidv7(ms))).toBe(ms);
    },
  );

  it('given no argument, then it embeds the current wall clock time', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-05-06T07:08:09.010Z'));
    expect(embeddedMs(uuidv7())).toBe(Date.parse('2030-05-06T07:08:09.010Z'));
  });

  it('given the same millisecond twice, then the random bits make the ids differ', () => {
    const ids = new Set(Array.from({ length: 100 }, () => uuidv7(1_000)));
    expect(ids.size).toBe(100);
  });

  it('given thousands of ids in one millisecond, across refills of the random pool, then no two are equal', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });

  it('property: every id has version 7, RFC variant bits, its timestamp, and parses with UuidSchema', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_48_BIT_MS }), (ms) => {
        const id = uuidv7(ms);
        expect(versionOf(id)).toBe('7');
        expect(hasRfcVariant(id)).toBe(true);
        expect(embeddedMs(id)).toBe(ms);
        expect(UuidSchema.safeParse(id).success).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: ids generated with increasing timestamps sort lexicographically in time order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: MAX_48_BIT_MS }), { minLength: 2, maxLength: 50 }),
        (timestamps) => {
          const ids = [...timestamps].sort((a, b) => a - b).map((ms) => uuidv7(ms));
          expect([...ids].sort()).toEqual(ids);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('uuidv5', () => {
  it('given the DNS namespace and "www.example.com", then it gives the RFC test vector 2ed6657d-…', () => {
    expect(uuidv5('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('given the DNS namespace and "python.org", then it matches the value Python’s uuid.uuid5 gives', () => {
    expect(uuidv5('python.org', DNS_NAMESPACE)).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('given a namespace written in upper case, then it gives the same id as the lower-case form', () => {
    expect(uuidv5('www.example.com', DNS_NAMESPACE.toUpperCase())).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('given the same name and namespace twice, then it returns the same id (deterministic)', () => {
    expect(uuidv5('admin:admin-1:topup-key-0001', IDEMPOTENCY_NAMESPACE)).toBe(
      uuidv5('admin:admin-1:topup-key-0001', IDEMPOTENCY_NAMESPACE),
    );
  });

  it('given different names, then it returns different ids', () => {
    expect(uuidv5('topup-key-0001', IDEMPOTENCY_NAMESPACE)).not.toBe(
      uuidv5('topup-key-0002', IDEMPOTENCY_NAMESPACE),
    );
  });

  it('given the same name in different namespaces, then it returns different ids', () => {
    expect(uuidv5('www.example.com', DNS_NAMESPACE)).not.toBe(uuidv5('www.example.com', URL_NAMESPACE));
  });

  it('given a namespace that is not 16 bytes of hex, then it throws', () => {
    expect(() => uuidv5('x', 'not-a-uuid')).toThrow(/not a UUID/);
    expect(() => uuidv5('x', '6ba7b810-9dad-11d1-80b4')).toThrow(/not a UUID/);
  });

  it('given the idempotency namespace, then it is itself a valid UUID', () => {
    expect(UuidSchema.safeParse(IDEMPOTENCY_NAMESPACE).success).toBe(true);
  });

  it('property: every id has version 5, RFC variant bits, parses with UuidSchema and is stable per name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (name) => {
        const id = uuidv5(name, IDEMPOTENCY_NAMESPACE);
        expect(id).toMatch(CANONICAL);
        expect(versionOf(id)).toBe('5');
        expect(hasRfcVariant(id)).toBe(true);
        expect(UuidSchema.safeParse(id).success).toBe(true);
        expect(uuidv5(name, IDEMPOTENCY_NAMESPACE)).toBe(id);
      }),
      { numRuns: 500 },
    );
  });

  it('property: distinct names give distinct ids', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 32 }), { minLength: 2, maxLength: 50 }), (names) => {
        const ids = new Set(names.map((name) => uuidv5(name, IDEMPOTENCY_NAMESPACE)));
        expect(ids.size).toBe(names.length);
      }),
      { numRuns: 200 },
    );
  });
});
