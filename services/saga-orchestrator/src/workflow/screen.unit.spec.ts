import type { Actor } from '@billing/contracts/envelope';
import { describe, expect, it } from 'vitest';
import { actor, aContext, aRequest, AT } from '../../test/builders';
import { decide } from './decide';

const admin = { kind: 'admin' as const, id: 'ops' };
const funding = { method: 'card' as const, sourceReference: 'tok_visa_4242' };

function decideNew(request: ReturnType<typeof aRequest>, who: Actor = actor) {
  return decide({ kind: 'requested', request, actor: who, at: AT }, { status: 'absent' }, aContext());
}

describe('what the orchestrator refuses before holding or calling anything', () => {
  it("refuses an owner's top-up that names its source account, sending nothing to the ledger", () => {
    const d = decideNew(aRequest({ type: 'topup', sourceNamedByCaller: true }));
    expect(d.state).toMatchObject({ status: 'failed', summary: { reason: { code: 'AUTH.FORBIDDEN' } } });
    expect(d.actions.some((a) => a.kind === 'send')).toBe(false);
  });

  it("lets an admin name a top-up's EXTERNAL source (one entry) and turns an owner's into a collection", () => {
    const byAdmin = decideNew(aRequest({ type: 'topup', sourceNamedByCaller: true }), admin);
    expect(byAdmin.actions).toContainEqual(
      expect.objectContaining({ kind: 'send', command: expect.objectContaining({ type: 'PostEntry' }) }),
    );
    const byOwner = decideNew(aRequest({ type: 'topup', funding, sourceNamedByCaller: false }));
    expect(byOwner.state).toMatchObject({ flow: 'hold-flow', provider: 'collection' });
  });

  it('refuses a top-up with both or neither of source and funding', () => {
    expect(decideNew(aRequest({ type: 'topup', funding }), admin).state).toMatchObject({
      summary: { reason: { code: 'REQUEST.INVALID' } },
    });
    expect(decideNew(aRequest({ type: 'topup', sourceNamedByCaller: false })).state).toMatchObject({
      summary: { reason: { code: 'REQUEST.INVALID' } },
    });
  });

  it('refuses a bill of a provider, or in a currency, that is not configured, before any hold', () => {
    const unknownProvider = decideNew(
      aRequest({ type: 'bill_payment', details: { provider: 'nobody', meterNumber: '12345678901' } }),
    );
    expect(unknownProvider.state).toMatchObject({ summary: { reason: { code: 'PROVIDER.UNKNOWN' } } });
    const otherCurrency = decideNew(
      aRequest({ type: 'bill_payment', currency: 'EUR', details: { provider: 'ekedc', meterNumber: '1' } }),
    );
    expect(otherCurrency.state).toMatchObject({ summary: { reason: { code: 'CURRENCY.UNKNOWN' } } });
    expect(decideNew(aRequest({ type: 'withdrawal', currency: 'EUR' })).state).toMatchObject({
      summary: { reason: { code: 'CURRENCY.UNKNOWN' } },
    });
    for (const d of [unknownProvider, otherCurrency])
      expect(d.actions.some((a) => a.kind === 'send')).toBe(false);
  });
});
