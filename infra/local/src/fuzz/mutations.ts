import fc from 'fast-check';

/**
 * Ways to spoil a valid request, each a named arbitrary, so that the summary and a violation say what
 * was tried. Bodies are mutated as parsed objects where the mutation is structural, and as bytes where
 * it is about the encoding (malformed JSON, invalid UTF-8, oversized).
 */

export type Body = Record<string, unknown>;

export interface BodyMutation {
  kind: string;
  /** The bytes to send, and headers that replace the valid request's. */
  body: Buffer | undefined;
  headers?: Record<string, string | undefined>;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

export const WRONG_TYPED_VALUES: unknown[] = [
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  null,
  [],
  {},
  [1, 2],
  { a: 1 },
  '',
  'x',
];

/** Amounts at and past every edge: zero, negative, exponent notation, too many decimals, huge, numbers. */
export const BAD_AMOUNTS: unknown[] = [
  '0',
  '0.00',
  '-1.00',
  '-0',
  '-0.01',
  '1e3',
  '1E-2',
  '1.001',
  '0.000000000000000000001',
  '1.',
  '.5',
  '001.00',
  '1,00',
  ' 1.00',
  '1.00 ',
  '0x10',
  'NaN',
  'Infinity',
  '١٢٣',
  '999999999999999999',
  '999999999999999999.99',
  '9999999999999999999',
  '1'.repeat(40),
  `1.${'0'.repeat(30)}`,
  '170141183460469231731687303715884105728',
  1.5,
  100,
  -5,
  0,
];

export const BAD_CURRENCIES: unknown[] = [
  'XXX',
  'usd',
  'US',
  'USDD',
  'US D',
  '€',
  'ABCDEFGHIJK',
  'Usd',
  '',
  'CHF',
  'ZZZ9',
];

export const MALFORMED_JSON: string[] = [
  '',
  '{',
  '}',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}}',
  '{"a":1} trailing',
  'nul',
  'undefined',
  '{"a":NaN}',
  '{"amount":01}',
  '\u0000',
  '{"a":"\\uZZZZ"}',
  '{"a":"\\ud800"}',
  '[',
  '{"a":[1,2}',
];

export const NON_OBJECT_JSON: string[] = ['[]', '[{}]', '"text"', '1', '-0', 'null', 'true', '1e999'];

/** Byte sequences that are not UTF-8: a lone continuation, overlong forms, a surrogate, past U+10FFFF. */
export const INVALID_UTF8: number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc3, 0x28],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

export const WRONG_CONTENT_TYPES: (string | undefined)[] = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json-patch+json',
  'application/problem+json',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/jsonx',
  '*/*',
  'application',
  ';',
];

/** Replaces the first occurrence of a string value in the encoded body with raw bytes. */
function withBytes(body: Body, field: string, bytes: number[]): Buffer {
  const marker = '\u0001FUZZ\u0001';
  const text = JSON.stringify({ ...body, [field]: marker });
  const [before, after] = text.split(JSON.stringify(marker).slice(1, -1));
  return Buffer.concat([Buffer.from(before!, 'utf8'), Buffer.from(bytes), Buffer.from(after ?? '', 'utf8')]);
}

/** Turns a valid body (and its required fields present) into the mutated request body. */
export type BodyMutator = (body: Body, required: string[]) => BodyMutation;

const pickField = (fields: string[], i: number, fallback: string) =>
  fields.length > 0 ? fields[i % fields.length]! : fallback;

/**
 * Every body mutation, as an arbitrary of functions of the valid body: built once, since building
 * arbitraries (regular expressions above all) costs far more than drawing from them.
 */
export const BODY_MUTATION_ARB: fc.Arbitrary<BodyMutator> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom(...WRONG_TYPED_VALUES))
      .map(([i, v]): BodyMutator => (body) => {
        const f = pickField(Object.keys(body), i, 'amount');
        return { kind: `type:${f}`, body: json({ ...body, [f]: v }) };
      }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('extra', 'constructor', 'toString', 'Amount', 'amount '),
        fc.jsonValue({ maxDepth: 1 }),
      )
      .map(([f, v]): BodyMutator => (body) => ({ kind: 'extra-field', body: json({ ...body, [f]: v }) })),
  },
  {
    weight: 1,
    arbitrary: fc.constant<BodyMutator>((body) => {
      const text = JSON.stringify(body);
      const sep = Object.keys(body).length > 0 ? ',' : '';
      return {
        kind: 'proto-field',
        body: Buffer.from(`${text.slice(0, -1)}${sep}"__proto__":{"isAdmin":true}}`),
      };
    }),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.constantFrom(...BAD_AMOUNTS),
        fc.bigInt({ min: 10n ** 18n, max: 10n ** 40n }).map((n) => n.toString()),
        fc.bigInt({ min: -(10n ** 20n), max: -1n }).map((n) => `${n}.00`),
        fc.integer({ min: 3, max: 25 }).map((d) => `1.${'1'.repeat(d)}`),
      )
      .map((amount): BodyMutator => (body) => ({ kind: 'amount', body: json({ ...body, amount }) })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom(...BAD_CURRENCIES),
        fc
          .tuple(...[0, 1, 2].map(() => fc.integer({ min: 65, max: 90 })))
          .map((c) => String.fromCharCode(...c)),
        fc.constantFrom('JPY', 'BTC', 'ETH', 'POINTS', 'GBP'),
      )
      .map((currency): BodyMutator => (body) => ({ kind: 'currency', body: json({ ...body, currency }) })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 64 * 1024 + 1, max: 256 * 1024 }).map((size): BodyMutator => (body) => ({
      kind: 'oversized',
      body: json({ ...body, padding: 'x'.repeat(size) }),
    })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 60 * 1024 }).map((size): BodyMutator => (body) => ({
      kind: 'near-limit',
      body: json({ ...body, padding: 'x'.repeat(size) }),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc
        .constantFrom(...MALFORMED_JSON)
        .map((text): BodyMutator => () => ({ kind: 'malformed-json', body: Buffer.from(text, 'utf8') })),
      fc.nat().map((n): BodyMutator => (body) => ({
        kind: 'malformed-json',
        body: Buffer.from(JSON.stringify(body).slice(0, n % 40), 'utf8'),
      })),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 100, max: 30_000 }).map((depth): BodyMutator => () => ({
      kind: 'deep-json',
      body: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`),
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(...NON_OBJECT_JSON)
      .map((text): BodyMutator => () => ({ kind: 'non-object-json', body: Buffer.from(text) })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8))
      .map(([i, bytes]): BodyMutator => (body) => {
        const f = pickField(
          Object.keys(body).filter((k) => typeof body[k] === 'string'),
          i,
          'extra',
        );
        return { kind: 'bad-utf8', body: withBytes(body, f, bytes) };
      }),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...WRONG_CONTENT_TYPES).map((type): BodyMutator => (body) => ({
      kind: 'content-type',
      body: json(body),
      headers: { 'content-type': type },
    })),
  },
  { weight: 1, arbitrary: fc.constant<BodyMutator>(() => ({ kind: 'no-body', body: undefined })) },
  {
    weight: 3,
    arbitrary: fc.nat().map((i): BodyMutator => (body, required) => {
      const f = pickField(required, i, 'amount');
      const rest = { ...body };
      delete rest[f];
      return { kind: `missing:${f}`, body: json(rest) };
    }),
  },
);

/** Idempotency keys that break the key's own rules, sent in the header or in the body. */
export const BAD_KEYS: string[] = [
  '',
  'short',
  'a'.repeat(129),
  'has space in it',
  'ключ-ключ-ключ',
  'key/with/slash',
  'key\u00ff\u00fe-latin1',
  'key%00null',
];

export const BAD_PREFER: string[] = [
  'wait=31',
  'wait=-1',
  'wait=abc',
  'wait=99999999999999999999',
  'wait=1.5',
  'wait=',
  'wait',
  'respond-async, wait=1',
  'wait=1, wait=2',
  'handling=strict',
  'wait="2"',
];

/** Path segments that are not ids: not UUIDs, percent-encoded junk, very long. */
export const BAD_IDS: string[] = [
  'not-a-uuid',
  '0',
  '-1',
  'null',
  'undefined',
  '%00',
  '%ff',
  '%zz',
  '%2e%2e',
  '%2F',
  '%c3%28',
  '..%2F..%2Fetc%2Fpasswd',
  'a'.repeat(5000),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0192F0A0-0000-7000-8000-00000000000A',
  '{id}',
  '%7Bid%7D',
  ';',
  '%20',
];

/** Query strings that break the parameters' rules; `{}` stands for the operation's own parameter names. */
export const BAD_QUERIES: string[] = [
  'limit=0',
  'limit=201',
  'limit=-1',
  'limit=abc',
  'limit=1.5',
  'limit=1e2',
  'limit=99999999999999999999999',
  'limit=1&limit=2',
  'limit[]=1',
  'limit[a]=1',
  'cursor=%00',
  'cursor=' + 'A'.repeat(600),
  'cursor=!!!',
  'cursor=AAAA',
  'cursor=eyJ4IjoxfQ',
  'from=yesterday',
  'from=2026-13-01',
  'from=2026-02-30',
  'from=2026-01-01T00:00:00',
  'from=2027-01-01&to=2026-01-01',
  'from=2026-01-01&to=2026-01-01',
  'to=%ff',
  'type=unknown',
  'status=weird',
  'status=stuck&status=needs_attention',
  'status=',
  'ownerId=',
  'ownerId=' + 'o'.repeat(200),
  'ownerId=%00',
  'accountId=not-a-uuid',
  'transactionId=%ff',
  'sort=desc',
  '__proto__=1',
  'constructor=x',
  '=',
  '&&&',
  '%',
  '%zz=1',
];
