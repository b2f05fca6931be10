import { GatewayProblem } from '@billing/client/problem';
import { fixtures } from '@billing/contracts/fixtures';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { connectProducer } from '@billing/testing/kafka-probe';
import { testEnv } from '@billing/testing/env';
import { waitFor } from '@billing/testing/wait';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typedClient } from './http';
import { startSystem, type RunningSystem } from './system';

/**
 * Dead letters through the public API, against the four real services: a message a consumer refuses is
 * listed with its reason, and replaying it asks the service that refused it to feed the original record
 * through the same handler again. One refused for a cause since fixed is applied on replay, once however
 * often it is asked; one that cannot be parsed fails again and says why. Owners see none of it.
 */
const KEYS = { admin: 'e2e-dlq-admin-0001', alice: 'e2e-dlq-alice-0001' };
const POISON_OWNER = 'dlq-poison';
let system: RunningSystem;
let producer: Awaited<ReturnType<typeof connectProducer>>;
let ledgerDb: pg.Client;

const client = (who: keyof typeof KEYS) => typedClient(system, KEYS[who]);

async function problemOf(call: Promise<unknown>): Promise<{ status: number; code: string }> {
  const outcome = await call.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(outcome instanceof GatewayProblem)) throw new Error(`expected a problem, got ${String(outcome)}`);
  return { status: outcome.status, code: outcome.code };
}

async function deadLetterWhere(
  filter: (d: { messageId: string | null; consumerGroup: string | null }) => boolean,
) {
  return waitFor(
    'the dead letter listed',
    async () => (await client('admin').deadLetters.page({ limit: 200 })).items.find(filter),
    { timeoutMs: 60_000 },
  );
}

async function replayOutcome(id: string, replayId: string) {
  return waitFor(
    'the replay answered',
    async () => {
      const d = await client('admin').deadLetters.get(id);
      const r = d.replays.find((x) => x.replayId === replayId);
      return r?.outcome ? { dead: d, replay: r } : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

beforeAll(async () => {
  system = await startSystem('dead-letters', {
    env: {
      'command-gateway': {
        API_KEYS: JSON.stringify([
          { key: KEYS.admin, role: 'admin' },
          { key: KEYS.alice, role: 'owner', ownerId: 'alice' },
        ]),
        ACCOUNT_CONFIRM_WAIT_MS: '500',
      },
    },
  });
  producer = await connectProducer(testEnv().kafkaBrokers);
  ledgerDb = new pg.Client({ connectionString: system.databases['account-ledger'] });
  await ledgerDb.connect();
});

afterAll(async () => {
  await ledgerDb?.end();
  await producer?.disconnect();
  await system?.stop();
});

describe('dead letters in the API', () => {
  it('replays a command the ledger refused once the cause is gone: applied once, however often replayed', async () => {
    // The cause: the ledger's database refuses this owner's accounts (standing in for a bug or a bad row).
    await ledgerDb.query(`
      create function refuse_poison() returns trigger language plpgsql as $$
      begin
        if new.owner_id = '${POISON_OWNER}' then raise exception 'accounts of ${POISON_OWNER} are refused'; end if;
        return new;
      end $$;
      create trigger refuse_poison before insert on accounts for each row execute function refuse_poison();`);
    const opened = await client('admin').accounts.open({
      ownerId: POISON_OWNER,
      ownerType: 'user',
      currency: 'USD',
      type: 'USER',
    });
    expect(opened.status).toBe(202);
    const accountId = opened.body.id;

    const listed = await deadLetterWhere(
      (d) => d.messageId !== null && d.consumerGroup?.includes('account-ledger') === true,
    );
    expect(listed).toMatchObject({
      originalTopic: topicName('accountCommands', system.topicPrefix),
      messageType: 'OpenAccount',
      errorCode: 'MESSAGE.HANDLER_FAILED',
      replayState: 'not_replayed',
      replayService: 'account-ledger',
      key: accountId,
    });
    expect(listed.errorDetail).toContain(`accounts of ${POISON_OWNER} are refused`);
    const shown = await client('admin').deadLetters.get(listed.id);
    expect(JSON.parse(shown.value ?? '{}')).toMatchObject({ type: 'OpenAccount', data: { accountId } });
    expect(shown.headers['dlq-error-code']).toBe('MESSAGE.HANDLER_FAILED');

    // Fixed; replayed with a key, and the same request retried with that key sends nothing new.
    await ledgerDb.query('drop trigger refuse_poison on accounts; drop function refuse_poison();');
    const asked = await client('admin').deadLetters.replay(listed.id, {
      idempotencyKey: 'replay-ledger-0001',
    });
    expect(asked.status).toBe(202);
    expect(asked.location).toBe(`/api/v1/admin/dead-letters/${listed.id}`);
    const { dead, replay } = await replayOutcome(listed.id, asked.body.replayId);
    expect(replay).toMatchObject({
      outcome: 'replayed',
      code: null,
      requestedBy: expect.stringMatching(/^admin:/),
    });
    expect(dead.replayState).toBe('replayed');
    const again = await client('admin').deadLetters.replay(listed.id, {
      idempotencyKey: 'replay-ledger-0001',
    });
    expect(again.body).toEqual({
      deadLetterId: listed.id,
      replayId: asked.body.replayId,
      replayState: 'replayed',
    });
    expect(await problemOf(client('admin').deadLetters.replay(listed.id))).toEqual({
      status: 409,
      code: 'DEAD_LETTER.ALREADY_REPLAYED',
    });

    const account = await waitFor('the account opened', async () =>
      client('admin')
        .accounts.get(accountId)
        .catch(() => undefined),
    );
    expect(account).toMatchObject({ ownerId: POISON_OWNER, status: 'active' });
    const rows = await ledgerDb.query('select count(*)::int as n from accounts where id = $1', [accountId]);
    expect(rows.rows[0].n).toBe(1);
    expect((await client('admin').deadLetters.get(listed.id)).replays).toHaveLength(1);
  });

  it('replays a message in a version the saga does not know: it fails again, saying why', async () => {
    const messageId = uuidv7();
    const transactionId = uuidv7();
    const newer = {
      ...fixtures.RequestTopUp,
      messageId,
      version: 2,
      data: { ...fixtures.RequestTopUp.data, transactionId },
    };
    await producer.send({
      topic: topicName('transactionCommands', system.topicPrefix),
      messages: [{ key: transactionId, value: JSON.stringify(newer), headers: { 'message-id': messageId } }],
    });
    const listed = await deadLetterWhere((d) => d.messageId === messageId);
    expect(listed).toMatchObject({
      errorCode: 'MESSAGE.UNKNOWN_VERSION',
      replayService: 'saga-orchestrator',
      consumerGroup: `${system.topicPrefix}saga-orchestrator.workflows`,
    });
    const filtered = await client('admin').deadLetters.page({ errorCode: 'MESSAGE.UNKNOWN_VERSION' });
    expect(filtered.items.map((d) => d.id)).toEqual([listed.id]);

    const asked = await client('admin').deadLetters.replay(listed.id);
    const { dead, replay } = await replayOutcome(listed.id, asked.body.replayId);
    expect(replay).toMatchObject({ outcome: 'failed', code: 'MESSAGE.UNKNOWN_VERSION' });
    expect(replay.detail).toContain('RequestTopUp v2');
    expect(dead.replayState).toBe('failed');
    const failedOnes = await client('admin').deadLetters.page({ state: 'failed' });
    expect(failedOnes.items.map((d) => d.id)).toContain(listed.id);
    // A failed replay may be asked for again (after deploying a consumer that knows v2).
    expect((await client('admin').deadLetters.replay(listed.id)).status).toBe(202);
  });

  it('refuses owners with 403 and unknown ids with 404, as problems with stable codes', async () => {
    expect(await problemOf(client('alice').deadLetters.page())).toEqual({
      status: 403,
      code: 'AUTH.FORBIDDEN',
    });
    expect(await problemOf(client('alice').deadLetters.get('0:0'))).toEqual({
      status: 403,
      code: 'AUTH.FORBIDDEN',
    });
    expect(await problemOf(client('alice').deadLetters.replay('0:0'))).toEqual({
      status: 403,
      code: 'AUTH.FORBIDDEN',
    });
    for (const id of ['2:987654321', 'not-an-id']) {
      expect(await problemOf(client('admin').deadLetters.get(id))).toEqual({
        status: 404,
        code: 'DEAD_LETTER.NOT_FOUND',
      });
      expect(await problemOf(client('admin').deadLetters.replay(id))).toEqual({
        status: 404,
        code: 'DEAD_LETTER.NOT_FOUND',
      });
    }
  });
});
