import { describe, expect, it } from 'vitest';
import {
  CLIENT_TIMEOUT_MS,
  call,
  collectionBody,
  COLLECTIONS,
  failureOf,
  payoutBody,
  PAYOUTS,
  purchaseBody,
  PURCHASES,
  statusPath,
  useSimulators,
  voidPath,
  type Answer,
} from '../test/support';
import type { RunningSimulator, SimulatorStats } from './simulator';

type Body = Record<string, unknown>;

/** One provider's scenarios, so that every void case runs against purchases, payouts and collections. */
interface ProviderCase {
  name: keyof SimulatorStats;
  path: string;
  succeeds: () => Body;
  fails: () => Body;
  neverAnswers: () => Body;
  answersLate: () => Body;
  successStatus: string;
  failureStatus: string;
}

const PROVIDERS: ProviderCase[] = [
  {
    name: 'purchases',
    path: PURCHASES,
    succeeds: () => purchaseBody(),
    fails: () => purchaseBody({ meterNumber: '45012340000' }),
    neverAnswers: () => purchaseBody({ meterNumber: '45012349999' }),
    answersLate: () => purchaseBody({ meterNumber: '45012345555' }),
    successStatus: 'success',
    failureStatus: 'failed',
  },
  {
    name: 'payouts',
    path: PAYOUTS,
    succeeds: () => payoutBody(),
    fails: () => payoutBody({ amount: '10.66' }),
    neverAnswers: () => payoutBody({ amount: '40.77' }),
    answersLate: () => payoutBody({ amount: '40.55' }),
    successStatus: 'paid',
    failureStatus: 'refused',
  },
  {
    name: 'collections',
    path: COLLECTIONS,
    succeeds: () => collectionBody(),
    fails: () => collectionBody({ amount: '20.66' }),
    neverAnswers: () => collectionBody({ amount: '20.77' }),
    answersLate: () => collectionBody({ amount: '20.55' }),
    successStatus: 'collected',
    failureStatus: 'declined',
  },
];

const voidOf = (simulator: RunningSimulator, provider: ProviderCase, reference: unknown): Promise<Answer> =>
  call(simulator.url + voidPath(provider.path, reference), { method: 'POST' });

const statusOf = (simulator: RunningSimulator, provider: ProviderCase, reference: unknown): Promise<Answer> =>
  call(simulator.url + statusPath(provider.path, reference));

/** Polls a status query until the provider has recorded the reference; bounded so a bug fails, not hangs. */
async function recorded(simulator: RunningSimulator, provider: ProviderCase, reference: unknown) {
  for (let tries = 0; tries < 100; tries += 1) {
    const status = await statusOf(simulator, provider, reference);
    if (status.status === 200) return status;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`reference ${String(reference)} was never recorded`);
}

describe.each(PROVIDERS)('void at the $name provider', (provider) => {
  const start = useSimulators();

  it('voids a reference it never saw, reports it voided, and blocks a later attempt with 409', async () => {
    const simulator = await start();
    const body = provider.succeeds();
    const voided = await voidOf(simulator, provider, body.reference);
    expect(voided).toMatchObject({ status: 200, body: { status: 'voided', reference: body.reference } });
    const status = await statusOf(simulator, provider, body.reference);
    expect(status).toMatchObject({ status: 200, body: { status: 'voided', reference: body.reference } });
    const late = await call(simulator.url + provider.path, { body });
    expect(late).toMatchObject({
      status: 409,
      body: { status: 'voided', code: 'REFERENCE_VOIDED', reference: body.reference },
    });
    expect(simulator.stats()[provider.name]).toMatchObject({
      attempts: 1,
      recorded: 0,
      succeeded: 0,
      voids: 1,
      voided: 1,
      blockedByVoid: 1,
    });
  });

  it('voids a never-answered attempt: its status query answers voided and its retry gets 409', async () => {
    const simulator = await start();
    const body = provider.neverAnswers();
    const attempt = call(simulator.url + provider.path, { body, timeoutMs: CLIENT_TIMEOUT_MS });
    expect(await failureOf(attempt)).toMatchObject({ name: 'AbortError' });
    const voided = await voidOf(simulator, provider, body.reference);
    expect(voided).toMatchObject({ status: 200, body: { status: 'voided', reference: body.reference } });
    const status = await statusOf(simulator, provider, body.reference);
    expect(status).toMatchObject({ status: 200, body: { status: 'voided' } });
    const retry = await call(simulator.url + provider.path, { body });
    expect(retry).toMatchObject({ status: 409, body: { status: 'voided', code: 'REFERENCE_VOIDED' } });
    expect(simulator.stats()[provider.name]).toMatchObject({ succeeded: 0, voided: 1, blockedByVoid: 1 });
  });

  it('refuses to void a success with 409 and the recorded success, which stays recorded', async () => {
    const simulator = await start();
    const body = provider.succeeds();
    const paid = await call(simulator.url + provider.path, { body });
    expect(paid.status).toBe(200);
    const voided = await voidOf(simulator, provider, body.reference);
    expect(voided).toMatchObject({ status: 409, body: paid.body });
    expect(voided.body.status).toBe(provider.successStatus);
    expect(await statusOf(simulator, provider, body.reference)).toMatchObject({
      status: 200,
      body: paid.body,
    });
    expect(await call(simulator.url + provider.path, { body })).toEqual(paid);
    expect(simulator.stats()[provider.name]).toMatchObject({
      succeeded: 1,
      voids: 1,
      voided: 0,
      voidsTooLate: 1,
    });
  });

  it('refuses to void a late success still waiting to answer, and the late answer still arrives', async () => {
    const simulator = await start({ lateAnswerMs: 300 });
    const body = provider.answersLate();
    const attempt = call(simulator.url + provider.path, { body });
    const status = await recorded(simulator, provider, body.reference);
    const voided = await voidOf(simulator, provider, body.reference);
    expect(voided).toMatchObject({ status: 409, body: { status: provider.successStatus } });
    expect(voided.body).toEqual(status.body);
    expect(await attempt).toMatchObject({ status: 200, body: status.body });
    expect(simulator.stats()[provider.name]).toMatchObject({ succeeded: 1, voided: 0, voidsTooLate: 1 });
  });

  it('answers 200 voided for a recorded refusal and keeps the refusal as the record', async () => {
    const simulator = await start();
    const body = provider.fails();
    const refused = await call(simulator.url + provider.path, { body });
    expect(refused.status).toBe(422);
    const voided = await voidOf(simulator, provider, body.reference);
    expect(voided).toEqual({
      status: 200,
      contentType: expect.stringMatching(/^application\/json/),
      body: { status: 'voided', reference: body.reference },
    });
    const status = await statusOf(simulator, provider, body.reference);
    expect(status).toMatchObject({ status: 200, body: { status: provider.failureStatus } });
    expect(await call(simulator.url + provider.path, { body })).toEqual(refused);
    expect(simulator.stats()[provider.name]).toMatchObject({ failed: 1, voids: 1, voided: 0 });
  });

  it('answers a repeated void the same way and counts the reference voided once', async () => {
    const simulator = await start();
    const reference = provider.succeeds().reference;
    const first = await voidOf(simulator, provider, reference);
    const second = await voidOf(simulator, provider, reference);
    expect(second).toEqual(first);
    expect(simulator.stats()[provider.name]).toMatchObject({ voids: 2, voided: 1 });
  });

  it('blocks every later attempt on a voided reference, whatever its body', async () => {
    const simulator = await start();
    const body = provider.succeeds();
    await voidOf(simulator, provider, body.reference);
    const other = { ...provider.fails(), reference: body.reference };
    const blocked = await call(simulator.url + provider.path, { body: other });
    expect(blocked).toMatchObject({ status: 409, body: { status: 'voided', code: 'REFERENCE_VOIDED' } });
  });

  it('with voidFailureRate 1 answers the void 503 and changes nothing', async () => {
    const simulator = await start({ voidFailureRate: 1 });
    const body = provider.succeeds();
    const voided = await voidOf(simulator, provider, body.reference);
    expect(voided).toMatchObject({ status: 503, body: { status: 'failed', code: 'SERVICE_UNAVAILABLE' } });
    expect(await statusOf(simulator, provider, body.reference)).toMatchObject({ status: 404 });
    expect(await call(simulator.url + provider.path, { body })).toMatchObject({ status: 200 });
    expect(simulator.stats()[provider.name]).toMatchObject({ voids: 1, voided: 0, succeeded: 1 });
  });

  it('is not subject to failureRate, which only hits attempts', async () => {
    const simulator = await start({ failureRate: 1 });
    const body = provider.succeeds();
    expect(await call(simulator.url + provider.path, { body })).toMatchObject({ status: 503 });
    expect(await voidOf(simulator, provider, body.reference)).toMatchObject({
      status: 200,
      body: { status: 'voided' },
    });
  });
});

describe('void requests', () => {
  const start = useSimulators();

  it('voids a .44 collection whose only answer was a 503, so its retry can no longer collect', async () => {
    const simulator = await start();
    const body = collectionBody({ amount: '30.44' });
    expect(await call(simulator.url + COLLECTIONS, { body })).toMatchObject({ status: 503 });
    const voided = await call(simulator.url + voidPath(COLLECTIONS, body.reference), { method: 'POST' });
    expect(voided).toMatchObject({ status: 200, body: { status: 'voided' } });
    expect(await call(simulator.url + COLLECTIONS, { body })).toMatchObject({
      status: 409,
      body: { status: 'voided' },
    });
    expect(simulator.stats().collections).toMatchObject({ succeeded: 0, voided: 1 });
  });

  it('keeps voids apart per provider: voiding a payout reference leaves a purchase with it alone', async () => {
    const simulator = await start();
    const body = purchaseBody();
    await call(simulator.url + voidPath(PAYOUTS, body.reference), { method: 'POST' });
    expect(await call(simulator.url + PURCHASES, { body })).toMatchObject({ status: 200 });
  });

  it('does not draw from the random source for voids while voidFailureRate is 0', async () => {
    const draws = [0.9, 0.1];
    const simulator = await start({ failureRate: 0.5, random: () => draws.shift() ?? 0.99 });
    const body = payoutBody();
    await call(simulator.url + voidPath(PAYOUTS, payoutBody().reference), { method: 'POST' });
    expect((await call(simulator.url + PAYOUTS, { body })).status).toBe(200);
    expect((await call(simulator.url + PAYOUTS, { body })).status).toBe(503);
  });

  it('rejects a malformed reference with 400 and a GET with 405', async () => {
    const simulator = await start();
    const short = await call(simulator.url + voidPath(PAYOUTS, 'short'), { method: 'POST' });
    expect(short).toMatchObject({ status: 400, body: { code: 'INVALID_REQUEST' } });
    expect(short.body.detail).toContain('reference');
    const get = await call(simulator.url + voidPath(PAYOUTS, 'ref-long-enough'));
    expect(get).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    expect(simulator.stats().payouts.voids).toBe(0);
  });

  it('ignores a body sent with a void', async () => {
    const simulator = await start();
    const url = simulator.url + voidPath(COLLECTIONS, 'ref-with-a-body');
    const voided = await call(url, { method: 'POST', rawBody: '{"reason":"attempts ran out"}' });
    expect(voided).toMatchObject({ status: 200, body: { status: 'voided', reference: 'ref-with-a-body' } });
  });
});
