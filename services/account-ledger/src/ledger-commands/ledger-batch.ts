import { createMessage, type MessageMeta, type TopicMessage } from '@billing/contracts/catalog';
import type { Envelope, MessageDefinition } from '@billing/contracts/envelope';
import type { z } from 'zod';
import { CommandRejected, EntryPosted, type TransactionType } from '@billing/contracts/messages/ledger';
import { formatMinorUnits } from '@billing/contracts/money';
import { topicName } from '@billing/contracts/topics';
import { uuidv7 } from '@billing/contracts/uuid';
import { runStatement, statement, type Knex } from '@billing/platform/db';
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

interface EntryRow {
  id: string;
  transaction_id: string;
  step: string;
  transaction_type: TransactionType;
  currency: string;
  command_id: string;
  event_message_id: string;
  reverses_entry_id: string | null;
  /** JSON. */
  actor: string;
  hlc: string;
  posted_at: string;
}

interface PostingRow {
  entry_id: string;
  account_id: string;
  side: 'debit' | 'credit';
  amount: string;
  balance_after: string;
  stream_version: number;
}

interface EventRow {
  stream_id: string;
  version: number;
  type: string;
  /** JSON. */
  data: string;
  message_id: string;
  hlc: string;
  occurred_at: string;
}

// One array per column, so each table's insert has one text whatever the batch's size; `unnest` yields
// the rows in array order, so postings and events keep the ids and positions they were recorded in.
const INSERT_ENTRIES = statement(
  'ledger_insert_entries',
  `insert into journal_entries (id, transaction_id, step, transaction_type, currency, command_id,
                                event_message_id, reverses_entry_id, actor, hlc, posted_at)
   select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[],
                        $7::uuid[], $8::uuid[], $9::jsonb[], $10::text[], $11::timestamptz[])`,
);

const INSERT_POSTINGS = statement(
  'ledger_insert_postings',
  `insert into postings (entry_id, account_id, side, amount, balance_after, stream_version)
   select * from unnest($1::uuid[], $2::uuid[], $3::text[], $4::numeric[], $5::numeric[], $6::int[])`,
);

const INSERT_EVENTS = statement(
  'ledger_insert_events',
  `insert into events (stream_id, version, type, data, message_id, hlc, occurred_at)
   select * from unnest($1::uuid[], $2::int[], $3::text[], $4::jsonb[], $5::uuid[], $6::text[],
                        $7::timestamptz[])`,
);

const EVENT_DATA = statement(
  'ledger_event_data',
  'select data from events where message_id = $1::uuid limit 1',
);

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
  private readonly entryRows: EntryRow[] = [];
  private readonly postingRows: PostingRow[] = [];
  private readonly eventRows: EventRow[] = [];
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
    if (entries.length > 0) {
      await runStatement(this.trx, INSERT_ENTRIES, [
        entries.map((e) => e.id),
        entries.map((e) => e.transaction_id),
        entries.map((e) => e.step),
        entries.map((e) => e.transaction_type),
        entries.map((e) => e.currency),
        entries.map((e) => e.command_id),
        entries.map((e) => e.event_message_id),
        entries.map((e) => e.reverses_entry_id),
        entries.map((e) => e.actor),
        entries.map((e) => e.hlc),
        entries.map((e) => e.posted_at),
      ]);
    }
    if (postings.length > 0) {
      await runStatement(this.trx, INSERT_POSTINGS, [
        postings.map((p) => p.entry_id),
        postings.map((p) => p.account_id),
        postings.map((p) => p.side),
        postings.map((p) => p.amount),
        postings.map((p) => p.balance_after),
        postings.map((p) => p.stream_version),
      ]);
    }
    if (events.length > 0) {
      await runStatement(this.trx, INSERT_EVENTS, [
        events.map((e) => e.stream_id),
        events.map((e) => e.version),
        events.map((e) => e.type),
        events.map((e) => e.data),
        events.map((e) => e.message_id),
        events.map((e) => e.hlc),
        events.map((e) => e.occurred_at),
      ]);
    }
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
      : (await runStatement<{ data: unknown }>(this.trx, EVENT_DATA, [messageId]))[0]?.data;
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
