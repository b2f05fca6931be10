import { createMessage, type MessageMeta, type TopicMessage } from '@billing/contracts/catalog';
import type { Envelope, MessageDefinition } from '@billing/contracts/envelope';
import type { z } from 'zod';
import { CommandRejected, EntryPosted, type TransactionType } from '@billing/contracts/messages/ledger';
import { formatMinorUnits } from '@billing/contracts/money';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import type { Knex } from '@billing/platform/db';
import type { OutboxMessage } from '@billing/platform/outbox';
import type { Account, CurrencyCatalog } from '../accounts/account';
import type { Hold } from '../holds/hold';
import type { Rejection } from '../shared/rejection';
import { appendEvent, type LedgerDeps } from '../shared/ledger-deps';
import { findEntryByStep } from './entries.store';
import { rejectionKey, rejectionStep, type StoredRejection } from './rejections.store';

export type LedgerCommand = TopicMessage<'ledgerCommands'>;
export type Meta = MessageMeta;

export interface EntryHeader {
  transactionId: string;
  step: string;
  transactionType: TransactionType;
  currency: string;
  commandId: string;
  reversesEntryId: string | null;
}

export interface EntryPosting {
  accountId: string;
  side: 'debit' | 'credit';
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  streamVersion: number;
}

/**
 * The state one batch of ledger commands works on: every account and hold it touches, locked for the
 * batch's transaction, and the messages it will publish. Commands are applied one after another against
 * this state, so each sees what its predecessors in the batch did.
 */
export class LedgerBatch {
  readonly outgoing: OutboxMessage[] = [];
  readonly touched = new Set<string>();
  /** Refusals made by this batch, written together at its end. */
  readonly newRejections: StoredRejection[] = [];
  readonly eventsTopic: string;

  constructor(
    readonly trx: Knex.Transaction,
    readonly deps: LedgerDeps,
    readonly currencies: CurrencyCatalog,
    readonly accounts: Map<string, Account>,
    readonly holds: Map<string, Hold>,
    /** Stored refusals of the (transaction, step)s the batch names, and those it adds. */
    readonly rejections: Map<string, StoredRejection> = new Map(),
  ) {
    this.eventsTopic = topicName('ledgerEvents', deps.topicPrefix);
  }

  nowMs(): number {
    return this.deps.nowMs();
  }

  scaleOf(currency: string): number {
    return this.currencies.get(currency)!.scale;
  }

  /** Keeps an account's new state for the rest of the batch; it is written once at the end. */
  update(account: Account): void {
    this.accounts.set(account.id, account);
    this.touched.add(account.id);
  }

  publish(key: string, envelope: Envelope): void {
    this.outgoing.push({ topic: this.eventsTopic, key, envelope });
  }

  /** Refuses a command: publishes its CommandRejected and remembers it under (transaction, step). */
  reject(command: LedgerCommand, key: string, meta: Meta, decision: Rejection): void {
    const event = createMessage(
      CommandRejected,
      {
        commandId: command.data.commandId,
        commandType: command.type,
        transactionId: command.data.transactionId,
        accountId: decision.accountId,
        code: decision.code,
        detail: decision.detail,
        context: decision.context,
      },
      meta,
    );
    this.publish(key, event);
    const stored: StoredRejection = {
      transactionId: command.data.transactionId,
      step: rejectionStep(command),
      commandType: command.type,
      commandId: command.data.commandId,
      messageId: event.messageId,
      data: event.data,
      rejectedAt: event.occurredAt,
    };
    this.rejections.set(rejectionKey(stored.transactionId, stored.step), stored);
    this.newRejections.push(stored);
  }

  /**
   * Was this command answered before? A (transaction, step) already posted is a replay (an orchestrator
   * re-sending after a crash or a step deadline, under a new message id the inbox does not know): it is
   * answered with the original EntryPosted. One refused before stays refused: it is answered with the
   * stored CommandRejected, never applied, even if it would succeed now (a transfer that failed must not
   * post later). Both answers are new messages whose content is the original's.
   */
  async answeredBefore(command: LedgerCommand, key: string, meta: Meta): Promise<boolean> {
    if (command.type === 'PostEntry' || command.type === 'ReverseEntry') {
      const entry = await findEntryByStep(this.trx, command.data.transactionId, command.data.step);
      if (entry) {
        this.publish(key, await this.replayEvent(entry.event_message_id, EntryPosted, meta));
        return true;
      }
    }
    const stored = this.rejections.get(rejectionKey(command.data.transactionId, rejectionStep(command)));
    if (!stored) return false;
    this.publish(key, createMessage(CommandRejected, CommandRejected.data.parse(stored.data), meta));
    return true;
  }

  /**
   * Records a journal entry: the entry row, its postings, an EntryPosted event on the stream of every
   * account it touches, and the message for the outbox. The database re-checks that it balances.
   */
  async recordEntry(
    entry: EntryHeader,
    postings: EntryPosting[],
    command: LedgerCommand,
    meta: Meta,
  ): Promise<ReturnType<typeof createEntryPosted>> {
    const scale = this.scaleOf(entry.currency);
    const event = createEntryPosted(entry, postings, scale, meta);
    await this.trx('journal_entries').insert({
      id: event.data.entryId,
      transaction_id: entry.transactionId,
      step: entry.step,
      transaction_type: entry.transactionType,
      currency: entry.currency,
      command_id: entry.commandId,
      event_message_id: event.messageId,
      reverses_entry_id: entry.reversesEntryId,
      actor: JSON.stringify(command.actor),
      hlc: event.hlc,
      posted_at: event.data.postedAt,
    });
    await this.trx('postings').insert(
      postings.map((p) => ({
        entry_id: event.data.entryId,
        account_id: p.accountId,
        side: p.side,
        amount: formatMinorUnits(p.amountMinor, scale),
        balance_after: formatMinorUnits(p.balanceAfterMinor, scale),
        stream_version: p.streamVersion,
      })),
    );
    for (const p of postings) await appendEvent(this.trx, p.accountId, p.streamVersion, event);
    const debited = postings.find((p) => p.side === 'debit')?.accountId ?? entry.transactionId;
    this.publish(debited, event);
    return event;
  }

  /**
   * The original outcome of a command seen before, rebuilt from the event store under a new message id
   * (the answer is a new message; its content is the original's, re-validated against its contract).
   */
  async replayEvent<TType extends string, TData extends z.ZodType>(
    messageId: string,
    definition: MessageDefinition<TType, TData>,
    meta: Meta,
  ) {
    const original = await this.trx('events')
      .where({ message_id: messageId })
      .first<{ data: unknown } | undefined>();
    if (!original) throw new Error(`event ${messageId} is missing from the event store`);
    return createMessage(definition, definition.data.parse(original.data) as z.input<TData>, meta);
  }
}

export function createEntryPosted(entry: EntryHeader, postings: EntryPosting[], scale: number, meta: Meta) {
  return createMessage(
    EntryPosted,
    {
      entryId: uuidv7(meta.nowMs),
      commandId: entry.commandId,
      transactionId: entry.transactionId,
      transactionType: entry.transactionType,
      step: entry.step,
      currency: entry.currency,
      reversesEntryId: entry.reversesEntryId,
      postings: postings.map((p) => ({
        accountId: p.accountId,
        side: p.side,
        amount: formatMinorUnits(p.amountMinor, scale),
        balanceAfter: formatMinorUnits(p.balanceAfterMinor, scale),
        streamVersion: p.streamVersion,
      })),
      postedAt: new Date(meta.nowMs).toISOString(),
    },
    meta,
  );
}
