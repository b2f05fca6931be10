import { describe, expect, it } from 'vitest';
import { CLIENT_TIMEOUT_MS, call, failureOf, payoutBody, PAYOUTS, useSimulators } from '../test/support';
import { payoutIdFor } from './payout-provider';

describe('payout provider', () => {
  const start = useSimulators();

  it('pays and records one payout', async () => {
    const simulator = await start();
    const body = payoutBody({ amount: '25.00' });
    const result = await call(simulator.url + PAYOUTS, { body });
    expect(result).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: { status: 'paid', reference: body.reference, payoutId: payoutIdFor(String(body.reference)) },
    });
    const status = await call(`${simulator.url}${PAYOUTS}/${String(body.reference)}`);
    expect(status).toMatchObject({ status: 200, body: result.body });
    expect(simulator.stats().payouts).toMatchObject({ recorded: 1, succeeded: 1, failed: 0 });
  });

  it.each(['10.66', '10.660'])('refuses an amount of %s and records the refusal', async (amount) => {
    const simulator = await start();
    const body = payoutBody({ amount });
    const result = await call(simulator.url + PAYOUTS, { body });
    expect(result).toMatchObject({ status: 422, body: { status: 'refused', code: 'PAYOUT_REFUSED' } });
    const status = await call(`${simulator.url}${PAYOUTS}/${String(body.reference)}`);
    expect(status).toMatchObject({ status: 200, body: { status: 'refused', code: 'PAYOUT_REFUSED' } });
    expect(simulator.stats().payouts).toMatchObject({ recorded: 1, succeeded: 0, failed: 1 });
  });

  it('pays amounts whose fraction only starts like a magic one', async () => {
    const simulator = await start();
    const result = await call(simulator.url + PAYOUTS, { body: payoutBody({ amount: '10.661' }) });
    expect(result).toMatchObject({ status: 200, body: { status: 'paid' } });
  });

  it('never answers an amount ending in .77, nor status queries for it, and records nothing', async () => {
    const simulator = await start();
    const body = payoutBody({ amount: '40.77' });
    const payout = call(simulator.url + PAYOUTS, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(await failureOf(payout)).toMatchObject({ name: 'AbortError' });
    const query = call(`${simulator.url}${PAYOUTS}/${String(body.reference)}`, {
      timeoutMs: CLIENT_TIMEOUT_MS,
    });
    expect(await failureOf(query)).toMatchObject({ name: 'AbortError' });
    expect(simulator.stats().payouts).toMatchObject({ attempts: 1, recorded: 0 });
  });

  it('records a late payout at once, answers late, and reports it paid on query', async () => {
    const simulator = await start({ lateAnswerMs: 2000 });
    const body = payoutBody({ amount: '40.55' });
    const payout = call(simulator.url + PAYOUTS, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(await failureOf(payout)).toMatchObject({ name: 'AbortError' });
    const status = await call(`${simulator.url}${PAYOUTS}/${String(body.reference)}`);
    expect(status).toMatchObject({
      status: 200,
      body: { status: 'paid', payoutId: payoutIdFor(String(body.reference)) },
    });
    expect(simulator.stats().payouts).toMatchObject({ recorded: 1, succeeded: 1 });
  });

  it('answers a repeated payout from the record: same payoutId, paid once', async () => {
    const simulator = await start();
    const body = payoutBody();
    const first = await call(simulator.url + PAYOUTS, { body });
    const second = await call(simulator.url + PAYOUTS, { body });
    expect(second).toEqual(first);
    expect(simulator.stats().payouts).toMatchObject({ attempts: 2, replays: 1, recorded: 1, succeeded: 1 });
  });

  it('answers 409 REFERENCE_REUSED when a reference comes back for another account', async () => {
    const simulator = await start();
    const body = payoutBody();
    await call(simulator.url + PAYOUTS, { body });
    const reused = await call(simulator.url + PAYOUTS, { body: { ...body, accountId: 'acct-other' } });
    expect(reused).toMatchObject({ status: 409, body: { code: 'REFERENCE_REUSED' } });
    expect(simulator.stats().payouts).toMatchObject({ recorded: 1, succeeded: 1 });
  });

  it('answers 404 unknown for a reference it never recorded', async () => {
    const simulator = await start();
    const status = await call(`${simulator.url}${PAYOUTS}/never-seen-reference`);
    expect(status).toMatchObject({ status: 404, body: { status: 'unknown' } });
  });
});
