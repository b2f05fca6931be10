import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSpec, type JsonSchema } from './spec';
import { valueArb, type ValueContext } from './values';
import type { World } from './world';

/** Request schemas in the shape z.toJSONSchema gives the gateway's document: refs, patterns, enums, formats. */
const schemas: Record<string, JsonSchema> = {
  Uuid: { type: 'string', format: 'uuid' },
  Amount: { type: 'string', pattern: '^(0|[1-9][0-9]{0,17})(\\.[0-9]{1,18})?$' },
  Request: {
    type: 'object',
    properties: {
      idempotencyKey: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{8,128}$' },
      sourceAccountId: { $ref: '#/components/schemas/Uuid' },
      amount: { $ref: '#/components/schemas/Amount' },
      currency: { type: 'string', pattern: '^[A-Z][A-Z0-9]{2,9}$' },
      kind: { type: 'string', enum: ['a', 'b'] },
      meterNumber: { type: 'string', pattern: '^[0-9]{6,20}$' },
      from: {
        anyOf: [
          { type: 'string', format: 'date-time' },
          { type: 'string', format: 'date' },
        ],
      },
      limit: { type: 'integer', minimum: 1, maximum: 200 },
      metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 512 } },
    },
    required: ['sourceAccountId', 'amount', 'currency'],
    additionalProperties: false,
  },
};
const spec = loadSpec({ openapi: '3.1.0', paths: {}, components: { schemas } });
const world: World = {
  run: 'unit',
  admin: { name: 'admin', key: 'admin-key' },
  owners: [{ name: 'alice', key: 'alice-key', ownerId: 'alice' }],
  accounts: [
    { id: '0192f0a0-0000-7000-8000-000000000001', currency: 'USD', type: 'USER', owner: 'alice' },
    { id: '0192f0a0-0000-7000-8000-000000000002', currency: 'USD', type: 'EXTERNAL' },
  ],
  payments: [],
  transactions: [],
  statusAccounts: [],
  currencies: [{ code: 'USD', scale: 2 }],
};

describe('values derived from the schemas', () => {
  it.each([
    ['the admin', world.admin],
    ['an owner', world.owners[0]!],
  ])('are valid for the schema they come from, as %s', (_who, who) => {
    const ctx: ValueContext = { spec, world, who };
    const request = { $ref: '#/components/schemas/Request' };
    fc.assert(
      fc.property(valueArb(request, ctx), (value) => {
        expect(spec.validate(request, value)).toEqual([]);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("name the caller's own accounts mostly, as the world has them", () => {
    const ctx: ValueContext = { spec, world, who: world.owners[0]! };
    const ids = fc.sample(valueArb({ $ref: '#/components/schemas/Uuid' }, ctx, 'sourceAccountId'), {
      seed: 1,
      numRuns: 200,
    });
    const own = ids.filter((id) => id === world.accounts[0]!.id).length;
    expect(own).toBeGreaterThan(100);
  });
});
