import { HybridLogicalClock } from '@billing/contracts/hlc';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, aContext, aRequest, AT } from '../../test/builders';
import { decideHoldFlow } from '../hold-flow/hold-flow.workflow';
import { providerStepMessage } from '../saga/apply-decision';
import type { ActiveSaga } from '../workflow/types';
import { attemptProvider, voidAtProvider, type ProviderSettings } from './provider-client';

/** The next answer the stub provider gives: a status and a JSON body, or no answer at all. */
let answer: { status: number; body: object } | 'hang' = { status: 200, body: {} };
let server: Server;
let settings: ProviderSettings;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  settings = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 200 };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function sagaOf(type: 'bill_payment' | 'withdrawal'): ActiveSaga {
  const request = aRequest({
    type,
    details:
      type === 'bill_payment'
        ? { provider: 'ekedc', meterNumber: '12345678901', billType: 'electricity' }
        : {},
  });
  return decideHoldFlow({ kind: 'requested', request, actor, at: AT }, { status: 'absent' }, aContext())
    .state as ActiveSaga;
}

describe('provider attempts', () => {
  it('records an accepted bill purchase with the provider reference, and not the token', async () => {
    answer = {
      status: 200,
      body: { status: 'success', token: '1234-5678', providerReference: 'EKEDC-42', units: '3.1' },
    };
    const { input, step } = await attemptProvider(sagaOf('bill_payment'), 1, settings, AT);
    expect(input).toMatchObject({ kind: 'provider-succeeded', details: { token: '1234-5678' } });
    expect(step).toEqual({
      transactionId: '00000000-0000-7000-8000-0000000000aa',
      provider: 'ekedc',
      operation: 'pay_bill',
      attempt: 1,
      outcome: 'accepted',
      code: null,
      detail: null,
      providerReference: 'EKEDC-42',
      at: AT,
    });
  });

  it('records a refusal with its code', async () => {
    answer = { status: 422, body: { status: 'failed', code: 'INVALID_ACCOUNT' } };
    const { step } = await attemptProvider(sagaOf('bill_payment'), 1, settings, AT);
    expect(step).toMatchObject({
      outcome: 'refused',
      code: 'PROVIDER.INVALID_ACCOUNT',
      providerReference: null,
    });
  });

  it('tells a 5xx from a timeout, and neither is a refusal', async () => {
    answer = { status: 503, body: { status: 'unavailable' } };
    const unavailable = await attemptProvider(sagaOf('withdrawal'), 2, settings, AT);
    expect(unavailable.step).toMatchObject({
      provider: 'payout',
      operation: 'payout',
      attempt: 2,
      outcome: 'unavailable',
      code: null,
    });
    answer = 'hang';
    const timedOut = await attemptProvider(sagaOf('withdrawal'), 3, settings, AT);
    expect(timedOut.input.kind).toBe('provider-unavailable');
    expect(timedOut.step).toMatchObject({ attempt: 3, outcome: 'timed_out' });
  });

  it('records a void with its attempt number', async () => {
    answer = { status: 200, body: { status: 'voided' } };
    const { input, step } = await voidAtProvider(sagaOf('withdrawal'), 2, settings, AT);
    expect(input).toMatchObject({ kind: 'void-answered', outcome: 'voided' });
    expect(step).toMatchObject({ operation: 'void', attempt: 2, outcome: 'voided' });
  });

  it('publishes the step on the transaction events topic, keyed by the transaction', async () => {
    answer = { status: 200, body: { status: 'success', payoutId: 'po_77' } };
    const { step } = await attemptProvider(sagaOf('withdrawal'), 1, settings, AT);
    // createMessage validates the data against the contract: a step that does not fit throws here.
    const message = providerStepMessage(
      { hlc: new HybridLogicalClock('test'), nowMs: () => Date.parse(AT), topicPrefix: 't.' },
      step,
    );
    expect(message.key).toBe(step.transactionId);
    expect(message.topic).toMatch(/billing\.transaction\.events$/);
    expect(message.envelope).toMatchObject({
      type: 'TransactionProviderStepRecorded',
      data: { outcome: 'accepted', providerReference: 'po_77' },
    });
  });
});
