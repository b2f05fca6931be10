import { createMessage } from '@billing/contracts/catalog';
import type { Actor } from '@billing/contracts/envelope';
import { CaptureHold, PlaceHold, ReleaseHold } from '@billing/contracts/messages/holds';
import { PostEntry, ReverseEntry, type TransactionType } from '@billing/contracts/messages/ledger';
import { formatMinorUnits } from '@billing/contracts/money';
import { uuidv7 } from '@billing/contracts/uuid';
import type { LedgerCommand } from '../src/ledger-commands/ledger-batch';
import type { RunRecord } from './ledger-property-checks';
import { ADMIN, SYSTEM, type Currency, type LedgerWorld, type RunAccount } from './ledger-property-world';

/**
 * The steps of a run as fast-check generates them (indices, minor units, choices), and how each becomes
 * a ledger command against the run's accounts and what it sent before. Indices wrap around whatever
 * exists, so every generated sequence means something and shrinks to a shorter one that still does.
 */

/**
 * An admin, the platform, the owner of the account the step is about ('self'), or the owner with that
 * index (who may or may not own the accounts named).
 */
export type ActorPick = 'admin' | 'system' | 'self' | number;
export type CreditPick = 'payout' | 'none' | 'user' | 'otherCurrency' | 'inactive' | 'missing';

export type StepSpec =
  | {
      t: 'topup';
      actor: ActorPick;
      source: 'bank' | 'funding' | 'user';
      to: number;
      minor: bigint;
      hold: boolean;
    }
  | {
      t: 'move';
      type: 'transfer' | 'payment';
      actor: ActorPick;
      from: number;
      to: number;
      toFees: boolean;
      minor: bigint;
    }
  | { t: 'withdraw'; actor: ActorPick; from: number; credit: CreditPick; minor: bigint; ttlMs: number }
  | {
      t: 'capture';
      hold: number;
      /** Any hold the run asked for, placed or refused, rather than one that was placed. */
      anyHold: boolean;
      actor: ActorPick | 'placer';
      attempt: number;
      credit: 'stored' | 'bank';
      part: 'full' | 'half' | 'over';
    }
  | { t: 'release'; hold: number; anyHold: boolean; actor: ActorPick | 'placer' }
  | { t: 'reverse'; entry: number; actor: ActorPick }
  /** The same command again: the same message (the inbox's case) or a new message id (a deadline resend). */
  | { t: 'resend'; of: number; sameMessage: boolean }
  /** A command refused for lack of funds, sent again once an admin funded the account it debits. */
  | { t: 'fundedResend'; of: number };

export interface PlacedHold {
  command: Extract<LedgerCommand, { type: 'PlaceHold' }>;
  amountMinor: bigint;
  scale: number;
}

const CAPTURE_STEPS = ['capture', 'capture-2', 'capture-3'];

/** Turns generated steps into commands; remembers what it sent so later steps can name it again. */
export class CommandMaker {
  /** The commands of the run, first copies only, in the order they were made. */
  readonly originals: LedgerCommand[] = [];
  readonly holds: PlacedHold[] = [];

  constructor(
    private readonly world: LedgerWorld,
    private readonly run: RunRecord,
  ) {}

  private get accounts() {
    return this.run.accounts;
  }

  private actor(pick: ActorPick, self?: RunAccount): Actor {
    if (pick === 'admin') return ADMIN;
    if (pick === 'system') return SYSTEM;
    if (pick === 'self') return self ? { kind: 'owner', id: self.ownerId } : ADMIN;
    return { kind: 'owner', id: this.accounts.owners[pick % this.accounts.owners.length]! };
  }

  private user(index: number): RunAccount {
    return this.accounts.users[index % this.accounts.users.length]!;
  }

  private made<T extends LedgerCommand>(command: T): T {
    this.originals.push(command);
    return command;
  }

  private entry(
    type: TransactionType,
    from: string,
    to: string,
    currency: string,
    minor: bigint,
    actor: Actor,
  ) {
    const amount = formatMinorUnits(minor, scaleOf(currency));
    return this.made(
      createMessage(
        PostEntry,
        {
          commandId: uuidv7(this.world.clock.now()),
          transactionId: uuidv7(this.world.clock.now()),
          transactionType: type,
          step: 'post',
          currency,
          postings: [
            { accountId: from, side: 'debit', amount },
            { accountId: to, side: 'credit', amount },
          ],
        },
        this.world.meta(actor),
      ),
    );
  }

  private hold(
    type: TransactionType,
    accountId: string,
    creditAccountId: string | null,
    currency: string,
    minor: bigint,
    ttlMs: number,
    actor: Actor,
  ) {
    const now = this.world.clock.now();
    const command = this.made(
      createMessage(
        PlaceHold,
        {
          commandId: uuidv7(now),
          holdId: uuidv7(now),
          transactionId: uuidv7(now),
          transactionType: type,
          accountId,
          amount: formatMinorUnits(minor, scaleOf(currency)),
          currency,
          expiresAt: new Date(now + ttlMs).toISOString(),
          creditAccountId,
        },
        this.world.meta(actor),
      ),
    );
    this.holds.push({ command, amountMinor: minor, scale: scaleOf(currency) });
    return command;
  }

  /** The commands one step sends (none when it names something the run does not have yet). */
  async make(step: StepSpec): Promise<LedgerCommand[]> {
    const a = this.accounts;
    switch (step.t) {
      case 'topup': {
        const to = this.user(step.to);
        const currency = to.currency as Currency;
        const from =
          step.source === 'bank'
            ? a.bank[currency]
            : step.source === 'funding'
              ? a.funding[currency]
              : this.user(step.to + 1).id;
        const actor = this.actor(step.actor, to);
        return [
          step.hold
            ? this.hold('topup', from, to.id, currency, step.minor, 3_600_000, actor)
            : this.entry('topup', from, to.id, currency, step.minor, actor),
        ];
      }
      case 'move': {
        const from = this.user(step.from);
        const to =
          step.type === 'payment' && step.toFees ? a.fees[from.currency as Currency] : this.user(step.to).id;
        return [this.entry(step.type, from.id, to, from.currency, step.minor, this.actor(step.actor, from))];
      }
      case 'withdraw': {
        const from = this.user(step.from);
        const currency = from.currency as Currency;
        const credit: Record<CreditPick, string | null> = {
          payout: a.payout[currency],
          none: null,
          user: this.user(step.from + 1).id,
          otherCurrency:
            a.currencies.length > 1 ? a.payout[currency === 'USD' ? 'JPY' : 'USD'] : a.euroPayout,
          inactive: a.suspendedPayout,
          missing: uuidv7(this.world.clock.now()),
        };
        return [
          this.hold(
            'withdrawal',
            from.id,
            credit[step.credit],
            currency,
            step.minor,
            step.ttlMs,
            this.actor(step.actor),
          ),
        ];
      }
      case 'capture': {
        const picked = this.pickHold(step.hold, step.anyHold);
        if (!picked) return [];
        const { command: place, amountMinor, scale } = picked;
        const currency = place.data.currency as Currency;
        const stored = place.data.creditAccountId ?? a.payout[currency];
        const amount =
          step.part === 'full'
            ? null
            : formatMinorUnits(step.part === 'over' ? amountMinor + 1n : (amountMinor + 1n) / 2n, scale);
        return [
          this.made(
            createMessage(
              CaptureHold,
              {
                commandId: uuidv7(this.world.clock.now()),
                holdId: place.data.holdId,
                transactionId: place.data.transactionId,
                step: CAPTURE_STEPS[step.attempt % CAPTURE_STEPS.length]!,
                creditAccountId: step.credit === 'stored' ? stored : a.bank[currency],
                amount,
              },
              this.world.meta(step.actor === 'placer' ? place.actor : this.actor(step.actor)),
            ),
          ),
        ];
      }
      case 'release': {
        const picked = this.pickHold(step.hold, step.anyHold);
        if (!picked) return [];
        const { command: place } = picked;
        return [
          this.made(
            createMessage(
              ReleaseHold,
              {
                commandId: uuidv7(this.world.clock.now()),
                holdId: place.data.holdId,
                transactionId: place.data.transactionId,
                reason: 'property',
              },
              this.world.meta(step.actor === 'placer' ? place.actor : this.actor(step.actor)),
            ),
          ),
        ];
      }
      case 'reverse': {
        const entries: { id: string }[] = await this.world
          .knex('journal_entries')
          .whereIn('transaction_id', this.run.transactionIds())
          .orderBy('id')
          .select('id');
        if (entries.length === 0) return [];
        return [
          this.made(
            createMessage(
              ReverseEntry,
              {
                commandId: uuidv7(this.world.clock.now()),
                entryId: entries[step.entry % entries.length]!.id,
                transactionId: uuidv7(this.world.clock.now()),
                step: 'reverse',
                reason: 'property',
              },
              this.world.meta(this.actor(step.actor)),
            ),
          ),
        ];
      }
      case 'resend': {
        if (this.originals.length === 0) return [];
        const original = this.originals[step.of % this.originals.length]!;
        return [step.sameMessage ? original : this.resent(original)];
      }
      case 'fundedResend': {
        const starved = this.originals.filter((c) => {
          const answer = this.run.answerOf(c);
          return answer?.type === 'CommandRejected' && answer.data.code === 'ACCOUNT.INSUFFICIENT_FUNDS';
        });
        if (starved.length === 0) return [];
        const original = starved[step.of % starved.length]!;
        const debited = this.debitedBy(original);
        const account = debited === null ? undefined : a.byId.get(debited);
        if (!account || account.type !== 'USER') return [this.resent(original)];
        const funding = this.entry(
          'topup',
          a.bank[account.currency as Currency],
          account.id,
          account.currency,
          10_000_000n,
          ADMIN,
        );
        return [funding, this.resent(original)];
      }
    }
  }

  /** A hold the run placed, or (anyHold) any it asked for, placed, refused or placed in this very batch. */
  private pickHold(index: number, anyHold: boolean): PlacedHold | undefined {
    const from = anyHold
      ? this.holds
      : this.holds.filter((h) => this.run.answerOf(h.command)?.type === 'HoldPlaced');
    return from[index % Math.max(from.length, 1)];
  }

  /**
   * The key the platform publishes a command under, which picks its partition: the account it debits or
   * holds on (a capture or release that of its hold); a reversal the entry it reverses.
   */
  keyOf(command: LedgerCommand): string {
    switch (command.type) {
      case 'PostEntry':
        return this.debitedBy(command)!;
      case 'PlaceHold':
        return command.data.accountId;
      case 'CaptureHold':
      case 'ReleaseHold':
        return this.holds.find((h) => h.command.data.holdId === command.data.holdId)!.command.data.accountId;
      case 'ReverseEntry':
        return command.data.entryId;
    }
  }

  /** The saga's resend: the same command under a new message id. */
  resent(command: LedgerCommand): LedgerCommand {
    return { ...command, messageId: uuidv7(this.world.clock.now()) };
  }

  private debitedBy(command: LedgerCommand): string | null {
    if (command.type === 'PostEntry')
      return command.data.postings.find((p) => p.side === 'debit')?.accountId ?? null;
    if (command.type === 'PlaceHold') return command.data.accountId;
    return null;
  }
}

export function scaleOf(currency: string): number {
  return currency === 'JPY' ? 0 : 2;
}
