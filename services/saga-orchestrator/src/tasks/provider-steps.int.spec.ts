import { HybridLogicalClock } from '@billing/contracts/hlc';
import { uuidv7 } from '@billing/contracts/uuid';
import { createDatabase, dropDatabase, ensureDatabase, migrate, type Knex } from '@billing/platform/db';
import { createLogger } from '@billing/platform/logger';
import { providerReferenceFor } from '@billing/provider-simulator/bill-provider';
import { startSimulator, type RunningSimulator } from '@billing/provider-simulator/simulator';
import { testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actor, aRequest, AT, settings } from '../../test/builders';
import { migrations } from '../migrations';
import { applyWorkflowStep, type SagaDeps } from '../saga/apply-decision';
import type { ActiveSaga } from '../workflow/types';
import { sagaTaskRunner } from './task-runner';

let knex: Knex;
let url: string;
let simulator: RunningSimulator;
let deps: SagaDeps;
let runner: ReturnType<typeof sagaTaskRunner>;

beforeAll(async () => {
  const server = new URL(testEnv().databaseUrl);
  server.pathname = `/saga_provider_steps_${uuidv7().slice(-12)}`;
  url = server.toString();
  await ensureDatabase(url);
  knex = createDatabase({ url, poolMax: 4, applicationName: 'provider-steps-test' });
  await migrate(knex, migrations, 'knex_migrations');
  simulator = await startSimulator();
  const logger = createLogger('provider-steps-test', 'warn');
  deps = { knex, hlc: new HybridLogicalClock('test'), nowMs: Date.now, topicPrefix: 't.', logger, settings };
  runner = sagaTaskRunner(deps, logger, {
    databaseUrl: url,
    provider: { baseUrl: simulator.url, timeoutMs: 2000 },
    pollIntervalMs: 50,
    batchSizeMax: 10,
  });
  runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await simulator?.close();
  await knex?.destroy();
  if (url) await dropDatabase(url);
});

/** A bill payment whose hold is placed: its first provider attempt is due now. */
async function billAwaitingProvider(meterNumber: string): Promise<string> {
  const transactionId = uuidv7();
  const request = aRequest({
    type: 'bill_payment',
    transactionId,
    details: { provider: 'ekedc', meterNumber, billType: 'electricity' },
  });
  const requested = await knex.transaction((trx) =>
    applyWorkflowStep(deps, trx, transactionId, { kind: 'requested', request, actor, at: AT }, null),
  );
  const commandId = (requested.state as ActiveSaga).pendingCommandId!;
  await knex.transaction((trx) =>
    applyWorkflowStep(
      deps,
      trx,
      transactionId,
      { kind: 'ledger-done', event: 'HoldPlaced', commandId, at: AT },
      null,
    ),
  );
  return transactionId;
}

/** The outbox rows of one transaction, in the order they will be published, once its provider step is there. */
const outboxOnceStepped = (transactionId: string) =>
  waitFor(`the provider step of ${transactionId} in the outbox`, async () => {
    const rows = await knex('outbox')
      // Ledger commands are keyed by account: find them by the transaction they name.
      .where('payload', 'like', `%${transactionId}%`)
      .orderBy('id')
      .select<{ type: string; payload: string }[]>('type', 'payload');
    return rows.some((r) => r.type === 'TransactionProviderStepRecorded') ? rows : undefined;
  });

describe('provider steps', () => {
  it('records an accepted purchase with its reference in the outbox, ahead of the capture it leads to', async () => {
    const transactionId = await billAwaitingProvider('12345678901');
    const rows = await outboxOnceStepped(transactionId);
    const types = rows.map((r) => r.type);
    expect(types.indexOf('TransactionProviderStepRecorded')).toBeLessThan(types.indexOf('CaptureHold'));
    const step = JSON.parse(rows.find((r) => r.type === 'TransactionProviderStepRecorded')!.payload);
    expect(step.data).toMatchObject({
      transactionId,
      provider: 'ekedc',
      operation: 'pay_bill',
      attempt: 1,
      outcome: 'accepted',
      code: null,
      providerReference: providerReferenceFor(transactionId),
    });
  });

  it('records a refusal with its code, and the release it leads to', async () => {
    const transactionId = await billAwaitingProvider('55550000');
    const rows = await outboxOnceStepped(transactionId);
    const step = JSON.parse(rows.find((r) => r.type === 'TransactionProviderStepRecorded')!.payload);
    expect(step.data).toMatchObject({ outcome: 'refused', code: 'PROVIDER.INVALID_ACCOUNT', attempt: 1 });
    expect(rows.map((r) => r.type)).toContain('ReleaseHold');
  });
});
