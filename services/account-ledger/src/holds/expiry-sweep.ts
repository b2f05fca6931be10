import { SYSTEM_ACTOR } from '@billing/contracts/envelope';
import type { Logger } from '@billing/platform/logger';
import { appendToOutbox } from '@billing/platform/outbox';
import { delay } from '@billing/platform/wait';
import type { BackgroundJob } from '@billing/platform/worker';
import { loadCurrencies, lockAccounts, saveAccount } from '../accounts/account.store';
import { LedgerBatch } from '../ledger-commands/ledger-batch';
import type { LedgerDeps } from '../shared/ledger-deps';
import { recordRelease } from './holds.apply';
import { decideReleaseHold } from './holds.decide';
import { lockExpiredHolds } from './holds.store';

export interface ExpirySweepOptions {
  intervalMs: number;
  batchSizeMax: number;
}

/**
 * Releases holds past their expiry, in bounded batches. Each batch is one transaction that locks the
 * holds (skipping any a command batch holds right now) and then their accounts, in the same order as
 * command batches, and announces each release as HoldReleased with reason "expired".
 */
export function holdExpirySweep(
  deps: LedgerDeps,
  logger: Logger,
  options: ExpirySweepOptions,
): BackgroundJob & { sweepOnce(): Promise<number> } {
  const stopping = new AbortController();
  let loop: Promise<void> | null = null;

  async function sweepOnce(): Promise<number> {
    return deps.knex.transaction(async (trx) => {
      const currencies = await loadCurrencies(trx);
      const nowMs = deps.nowMs();
      const holds = await lockExpiredHolds(
        trx,
        new Date(nowMs).toISOString(),
        options.batchSizeMax,
        currencies,
      );
      if (holds.length === 0) return 0;
      const accounts = await lockAccounts(
        trx,
        holds.map((h) => h.accountId),
        currencies,
      );
      const batch = new LedgerBatch(trx, deps, currencies, accounts, new Map(holds.map((h) => [h.id, h])));
      const meta = { actor: SYSTEM_ACTOR, hlc: deps.hlc.now(), causedBy: null, nowMs };
      for (const hold of holds) {
        // A hold whose capture was requested is never selected; the decision refuses it as well.
        const decision = decideReleaseHold(hold, batch.accounts, SYSTEM_ACTOR, hold.id, 'expired');
        if (decision.kind !== 'released') continue;
        await recordRelease(batch, decision.hold, decision.account, null, meta);
      }
      await batch.flush();
      for (const id of [...batch.touched].sort()) {
        const account = batch.accounts.get(id)!;
        await saveAccount(trx, account, batch.scaleOf(account.currency), new Date(nowMs).toISOString());
      }
      await appendToOutbox(trx, batch.outgoing);
      return holds.length;
    });
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        // A full batch means more may be waiting: sweep again at once instead of sleeping.
        if ((await sweepOnce()) === options.batchSizeMax) continue;
      } catch (err) {
        logger.error({ err }, 'hold expiry sweep failed');
      }
      await delay(options.intervalMs, stopping.signal);
    }
  }

  return {
    sweepOnce,
    start() {
      loop = run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
