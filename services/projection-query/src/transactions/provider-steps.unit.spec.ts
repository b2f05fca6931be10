import { fixtures } from '@billing/contracts/fixtures';
import { describe, expect, it } from 'vitest';
import { providerStepRow } from './provider-steps.projection';
import { timelineSteps } from './timeline.query';

const call = {
  name: 'ekedc',
  operation: 'pay_bill' as const,
  attempt: 1,
  outcome: 'accepted' as const,
  code: null,
  reference: 'EKEDC-000123',
  detail: null,
};

describe('provider steps in the read model', () => {
  it('records an attempt with its provider, outcome, reference and its event’s HLC stamp', () => {
    const message = fixtures.TransactionProviderStepRecorded;
    expect(providerStepRow(message)).toEqual({
      transaction_id: message.data.transactionId,
      hlc: message.hlc,
      provider: 'ekedc',
      operation: 'pay_bill',
      attempt: 1,
      outcome: 'accepted',
      code: null,
      detail: null,
      provider_reference: 'EKEDC-000123',
      at: message.data.at,
    });
  });

  it('places each attempt in time order, after the hold placed at the same instant', () => {
    const hold = {
      holdId: '0192f0a0-0000-7000-8000-000000000006',
      accountId: '0192f0a0-0000-7000-8000-000000000002',
      amount: '25.00',
      status: 'captured',
      capturedAmount: '25.00',
      placedAt: '2026-01-01T00:00:01.000Z',
      expiresAt: '2026-01-01T01:00:01.000Z',
      closedAt: '2026-01-01T00:00:03.000Z',
    };
    const steps = timelineSteps(
      { createdAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:03.000Z', status: 'completed' },
      [],
      [hold],
      [],
      [
        { at: '2026-01-01T00:00:02.000Z', provider: { ...call, attempt: 2 } },
        {
          at: '2026-01-01T00:00:01.000Z',
          provider: { ...call, outcome: 'timed_out', reference: null },
        },
      ],
    );
    expect(steps.map((s) => s.kind)).toEqual([
      'created',
      'hold_placed',
      'provider_step',
      'provider_step',
      'hold_captured',
      'finished',
    ]);
    expect(steps[2]).toMatchObject({ label: 'pay_bill attempt 1: timed_out', provider: { reference: null } });
    expect(steps[3]).toMatchObject({
      label: 'pay_bill attempt 2: accepted',
      provider: { reference: 'EKEDC-000123' },
    });
    expect(steps[0]).toMatchObject({ provider: null });
  });
});
