import { createMessage, type MessageTopicId, type TopicMessage } from '@billing/contracts/catalog';
import type { Actor, Envelope } from '@billing/contracts/envelope';
import { HybridLogicalClock } from '@billing/contracts/hlc';
import { ChangeAccountStatus, OpenAccount, SetAccountLimits } from '@billing/contracts/messages/accounts';
import { formatMinorUnits } from '@billing/contracts/money';
import { FUNDING_ROLE } from '@billing/contracts/policy';
import { uuidv7 } from '@billing/contracts/uuid';
import type { ConsumedMessage } from '@billing/platform/consumer';
import type { Knex } from '@billing/platform/db';
import { createLogger } from '@billing/platform/logger';
import { handleAccountCommands } from '../src/account-commands/account-commands.handler';
import { holdExpirySweep } from '../src/holds/expiry-sweep';
import type { LedgerCommand } from '../src/ledger-commands/ledger-batch';
import { handleLedgerCommands } from '../src/ledger-commands/ledger-commands.handler';
import type { LedgerDeps } from '../src/shared/ledger-deps';

/**
 * The world of the ledger's property test over its real handlers: one database, one controllable clock
 * shared by the ledger and the test's own message stamps, and the accounts of one run. Commands go
 * straight to `handleLedgerCommands` as the consumer would hand them over (the handler writes its
 * outcomes to the outbox, so no broker is involved), and the outcomes are read back from the outbox.
 */

export const ADMIN: Actor = { kind: 'admin', id: 'admin-1' };
export const SYSTEM: Actor = { kind: 'system', id: 'billing-platform' };
export type Currency = 'USD' | 'JPY';

/** A clock that only moves when told to; the ledger, its HLC, the sweep and the test all read it. */
export class TestClock {
  constructor(private ms: number) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface RunAccount {
  id: string;
  ownerId: string;
  type: 'USER' | 'EXTERNAL' | 'SYSTEM';
  currency: string;
  funding: boolean;
}

/** The accounts of one run, by role, per currency. */
export interface RunAccounts {
  owners: string[];
  currencies: Currency[];
  users: RunAccount[];
  bank: Record<Currency, string>;
  funding: Record<Currency, string>;
  payout: Record<Currency, string>;
  fees: Record<Currency, string>;
  /** An EXTERNAL account suspended at set-up: a hold naming it must be refused. */
  suspendedPayout: string;
  /** An EXTERNAL account in EUR, a currency no movement of the run uses. */
  euroPayout: string;
  byId: Map<string, RunAccount>;
}

export interface Outcome {
  type: string;
  causationId: string | null;
  actor: Actor;
  data: Record<string, unknown>;
}

export class LedgerWorld {
  readonly deps: LedgerDeps;
  /** The test's own stamps, as an orchestrator's would be: the ledger observes them. */
  readonly hlc: HybridLogicalClock;
  private offset = 0;
  private outboxSeen = 0;
  private readonly sweep;

  constructor(
    readonly knex: Knex,
    readonly clock: TestClock,
  ) {
    this.deps = {
      knex,
      hlc: new HybridLogicalClock('ledger-prop', clock.now),
      nowMs: clock.now,
      topicPrefix: 'prop',
    };
    this.hlc = new HybridLogicalClock('prop-test', clock.now);
    this.sweep = holdExpirySweep(this.deps, createLogger('account-ledger', 'warn'), {
      intervalMs: 1000,
      batchSizeMax: 4,
    });
  }

  /**
   * Empties the ledger (currencies stay) so each run, and each attempt of fast-check's shrinking, starts
   * from nothing: a run that broke a rule must not make the next one fail. The immutability triggers
   * are row triggers, which TRUNCATE does not fire.
   */
  async reset(): Promise<void> {
    await this.knex.raw(
      'truncate accounts, journal_entries, postings, events, holds, rejections, inbox, outbox restart identity',
    );
    this.outboxSeen = 0;
  }

  meta(actor: Actor) {
    return { actor, hlc: this.hlc.now(), causedBy: null, nowMs: this.clock.now() };
  }

  /** One consumed batch, as the consumer hands it to the handler. */
  async sendLedger(messages: readonly LedgerCommand[]): Promise<void> {
    await handleLedgerCommands(
      this.deps,
      messages.map((m) => this.consumed<'ledgerCommands'>(m, 'prop.ledger.commands')),
    );
  }

  /** Runs the expiry sweep until it finds nothing more, as its loop would. */
  async sweepExpired(): Promise<void> {
    for (let i = 0; i < 100; i++) if ((await this.sweep.sweepOnce()) < 4) return;
    throw new Error('the expiry sweep did not finish in 100 passes');
  }

  /** An admin's status change through the account-commands handler; returns the status it left. */
  async changeStatus(accountId: string, status: 'active' | 'suspended' | 'closed'): Promise<string> {
    const message = createMessage(
      ChangeAccountStatus,
      { accountId, status, reason: 'property' },
      this.meta(ADMIN),
    );
    await handleAccountCommands(this.deps, [
      this.consumed<'accountCommands'>(message, 'prop.account.commands'),
    ]);
    const row: { status: string } = await this.knex('accounts').where({ id: accountId }).first('status');
    return row.status;
  }

  /** Opens the accounts of a run through the account-commands handler: two or three owners, USD and maybe JPY. */
  async openRun(
    ownerCount: number,
    withJpy: boolean,
    maxBalanceMinor: (bigint | null)[],
  ): Promise<RunAccounts> {
    const tag = uuidv7(this.clock.now()).slice(-8);
    const owners = ['alice', 'bob', 'carol'].slice(0, ownerCount).map((o) => `${o}.${tag}`);
    const currencies: Currency[] = withJpy ? ['USD', 'JPY'] : ['USD'];
    const opens: TopicMessage<'accountCommands'>[] = [];
    const accounts: RunAccount[] = [];
    const open = (
      type: RunAccount['type'],
      ownerId: string,
      currency: string,
      metadata: Record<string, string> = {},
      actor: Actor = ADMIN,
    ): string => {
      const accountId = uuidv7(this.clock.now());
      opens.push(
        createMessage(
          OpenAccount,
          { accountId, ownerId, ownerType: 'user', type, currency, metadata },
          this.meta(actor),
        ),
      );
      accounts.push({ id: accountId, ownerId, type, currency, funding: metadata.role === FUNDING_ROLE });
      return accountId;
    };
    const perCurrency = (
      ownerId: string,
      metadata: Record<string, string> = {},
      type: RunAccount['type'] = 'EXTERNAL',
    ) =>
      Object.fromEntries(currencies.map((c) => [c, open(type, ownerId, c, metadata)])) as Record<
        Currency,
        string
      >;
    const bank = perCurrency('bank');
    const funding = perCurrency('funding-provider', { role: FUNDING_ROLE });
    const payout = perCurrency('payouts');
    const fees = perCurrency('platform', {}, 'SYSTEM');
    const suspendedPayout = open('EXTERNAL', 'payouts', 'USD');
    const euroPayout = open('EXTERNAL', 'payouts', 'EUR');
    const users: RunAccount[] = [];
    owners.forEach((ownerId, i) => {
      // Owners open their own accounts; the second owner (when there is JPY) has a yen account too.
      for (const currency of i === 1 ? currencies : ['USD']) {
        open('USER', ownerId, currency, {}, { kind: 'owner', id: ownerId });
        users.push(accounts.at(-1)!);
      }
    });
    const limits = users.flatMap((u, i) => {
      const max = maxBalanceMinor[i % maxBalanceMinor.length];
      if (max === null || max === undefined) return [];
      const maxBalance = formatMinorUnits(max, u.currency === 'JPY' ? 0 : 2);
      return [
        createMessage(SetAccountLimits, { accountId: u.id, minBalance: '0', maxBalance }, this.meta(ADMIN)),
      ];
    });
    const suspend = createMessage(
      ChangeAccountStatus,
      { accountId: suspendedPayout, status: 'suspended', reason: 'property' },
      this.meta(ADMIN),
    );
    await handleAccountCommands(
      this.deps,
      [...opens, ...limits, suspend].map((m) => this.consumed<'accountCommands'>(m, 'prop.account.commands')),
    );
    const opened = await this.knex('accounts')
      .whereIn(
        'id',
        accounts.map((a) => a.id),
      )
      .count<{ count: string }[]>();
    if (Number(opened[0]!.count) !== accounts.length) throw new Error('the run could not open its accounts');
    return {
      owners,
      currencies,
      users,
      bank,
      funding,
      payout,
      fees,
      suspendedPayout,
      euroPayout,
      byId: new Map(accounts.map((a) => [a.id, a])),
    };
  }

  /** Outcomes written to the outbox since the last call, in the order the ledger wrote them. */
  async newOutcomes(): Promise<Outcome[]> {
    const rows: { id: string; payload: string }[] = await this.knex('outbox')
      .where('id', '>', this.outboxSeen)
      .orderBy('id')
      .select('id', 'payload');
    if (rows.length > 0) this.outboxSeen = Number(rows.at(-1)!.id);
    return rows.map((r) => {
      const envelope = JSON.parse(r.payload) as Envelope<string, Record<string, unknown>>;
      return {
        type: envelope.type,
        causationId: envelope.causationId,
        actor: envelope.actor,
        data: envelope.data,
      };
    });
  }

  private consumed<T extends MessageTopicId>(message: TopicMessage<T>, topic: string): ConsumedMessage<T> {
    this.offset += 1;
    return { message, topic, partition: 0, offset: String(this.offset), key: null };
  }
}
