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
import type { LedgerDeps } from '../shared/ledger-deps';
import { entryStepKey, type EntryByStep } from './entries.store';
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

  /**
   * Journal entries, postings and events of the batch, written with one multi-row statement per table at
   * its end (`flush`) instead of three or four statements per command. Commands later in the batch see
   * what earlier ones recorded through `entriesByStep` and `recordedEvents`.
   */
  private readonly entryRows: Record<string, unknown>[] = [];
  private readonly postingRows: Record<string, unknown>[] = [];
  private readonly eventRows: Record<string, unknown>[] = [];
  private readonly recordedEvents = new Map<string, unknown>();

  constructor(
    readonly trx: Knex.Transaction,
    readonly deps: LedgerDeps,
    readonly currencies: CurrencyCatalog,
    readonly accounts: Map<string, Account>,
    readonly holds: Map<string, Hold>,
    /** Stored refusals of the (transaction, step)s the batch names, and those it adds. */
    readonly rejections: Map<string, StoredRejection> = new Map(),
    /** Entries already posted for the (transaction, step)s the batch names, and those it adds. */
    readonly entriesByStep: Map<string, EntryByStep> = new Map(),
  ) {
    this.eventsTopic = topicName('ledgerEvents', deps.topicPrefix);
  }

  /** Appends an event to a stream (an account's or a hold's); written with the batch's other events. */
  appendEvent(streamId: string, version: number, event: Envelope): void {
    this.eventRows.push({
      stream_id: streamId,
      version,
      type: event.type,
      data: JSON.stringify(event.data),
      message_id: event.messageId,
      hlc: event.hlc,
      occurred_at: event.occurredAt,
    });
    this.recordedEvents.set(event.messageId, event.data);
  }

  /**
   * Writes what the batch recorded so far: entries before their postings (a posting names its entry;
   * the balance check runs at commit), then the events. Three statements, however many commands; a
   * capture flushes early, since the hold it closes names its entry.
   */
  async flush(): Promise<void> {
    const [entries, postings, events] = [
      this.entryRows.splice(0),
      this.postingRows.splice(0),
      this.eventRows.splice(0),
    ];
    if (entries.length > 0) await this.trx('journal_entries').insert(entries);
    if (postings.length > 0) await this.trx('postings').insert(postings);
    if (events.length > 0) await this.trx('events').insert(events);
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
      const entry = this.entriesByStep.get(entryStepKey(command.data.transactionId, command.data.step));
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
   * account it touches, and the message for the outbox (rows written by `flush`). The database re-checks
   * that it balances.
   */
  recordEntry(
    entry: EntryHeader,
    postings: EntryPosting[],
    command: LedgerCommand,
    meta: Meta,
  ): ReturnType<typeof createEntryPosted> {
    const scale = this.scaleOf(entry.currency);
    const event = createEntryPosted(entry, postings, scale, meta);
    this.entryRows.push({
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
    for (const p of postings) {
      this.postingRows.push({
        entry_id: event.data.entryId,
        account_id: p.accountId,
        side: p.side,
        amount: formatMinorUnits(p.amountMinor, scale),
        balance_after: formatMinorUnits(p.balanceAfterMinor, scale),
        stream_version: p.streamVersion,
      });
      this.appendEvent(p.accountId, p.streamVersion, event);
    }
    this.entriesByStep.set(entryStepKey(entry.transactionId, entry.step), {
      id: event.data.entryId,
      event_message_id: event.messageId,
    });
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
    const data = this.recordedEvents.has(messageId)
      ? this.recordedEvents.get(messageId)
      : (await this.trx('events').where({ message_id: messageId }).first<{ data: unknown } | undefined>())
          ?.data;
    if (data === undefined) throw new Error(`event ${messageId} is missing from the event store`);
    return createMessage(definition, definition.data.parse(data) as z.input<TData>, meta);
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
