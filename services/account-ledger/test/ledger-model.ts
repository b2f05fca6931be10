import { SYSTEM_ACTOR, type Actor } from '@billing/contracts/envelope';
import type { ErrorCode } from '@billing/contracts/errors';
import type { AccountStatus } from '@billing/contracts/messages/accounts';
import type { TransactionType } from '@billing/contracts/messages/ledger';
import type { Account, CurrencyCatalog } from '../src/accounts/account';
import { decideChangeStatus, decideSetLimits } from '../src/account-admin/account-admin.decide';
import type { Hold } from '../src/holds/hold';
import {
  decideCaptureHold,
  decidePlaceHold,
  decideReleaseHold,
  type CaptureHoldCommand,
  type PlaceHoldCommand,
} from '../src/holds/holds.decide';
import { decideOpenAccount, type OpenAccountCommand } from '../src/open-account/open-account.decide';
import { decidePostEntry, type PostEntryCommand } from '../src/post-entry/post-entry.decide';
import { decideReverseEntry, type OriginalEntry } from '../src/reverse-entry/reverse-entry.decide';

/**
 * A pure, in-memory stand-in for the ledger's write side: the same decide functions the message handlers
 * call, with their outcomes stored the way the handlers store them (decided accounts replace the old
 * ones, holds are inserted and closed, entries keep their postings), but no database, no events on the
 * wire and no clock other than `nowMs`. Property tests drive it with random command sequences.
 */

export interface RecordedPosting {
  accountId: string;
  side: 'debit' | 'credit';
  amountMinor: bigint;
  balanceAfterMinor: bigint;
  streamVersion: number;
}

export interface RecordedEntry {
  id: string;
  /** What produced it: a PostEntry, the capture of a hold, or a ReverseEntry. */
  source: 'post' | 'capture' | 'reversal';
  transactionType: TransactionType;
  currency: string;
  postings: RecordedPosting[];
  reversesEntryId: string | null;
  reversedBy: string | null;
}

export interface LedgerModel {
  readonly currencies: CurrencyCatalog;
  nowMs: number;
  accounts: Map<string, Account>;
  holds: Map<string, Hold>;
  entries: RecordedEntry[];
  /**
   * The versions appended to each account's event stream, in order, as the handlers append them:
   * one per posting (EntryPosted at the posting's stream version) and one per other change of the
   * account (opened, hold placed or released, status or limits changed).
   */
  streams: Map<string, number[]>;
  nextEntry: number;
}

export type ModelCommand =
  | { kind: 'open'; command: OpenAccountCommand }
  | { kind: 'post'; command: PostEntryCommand }
  | { kind: 'placeHold'; command: PlaceHoldCommand }
  | { kind: 'captureHold'; command: CaptureHoldCommand }
  | { kind: 'releaseHold'; holdId: string; actor: Actor }
  /** The expiry sweep: releases, as "expired", every open hold whose expiry has passed. */
  | { kind: 'expireHolds' }
  | { kind: 'reverse'; entryId: string; actor: Actor }
  | { kind: 'changeStatus'; accountId: string; status: AccountStatus; actor: Actor }
  | {
      kind: 'setLimits';
      accountId: string;
      minBalance: string | null;
      maxBalance: string | null;
      actor: Actor;
    }
  | { kind: 'advanceClock'; ms: number };

export type StepResult =
  /** The state changed; `touched` names every account whose stored state was replaced. */
  | { outcome: 'changed'; touched: ReadonlySet<string>; entryId: string | null }
  /** An accepted command that changes nothing (a replay, an unchanged status, the clock). */
  | { outcome: 'unchanged' }
  /** A refusal changes nothing, except that a refused capture marks its hold as capture-requested. */
  | { outcome: 'rejected'; code: ErrorCode; detail: string; pinnedHold?: string };

export function emptyModel(currencies: CurrencyCatalog, nowMs: number): LedgerModel {
  return {
    currencies,
    nowMs,
    accounts: new Map(),
    holds: new Map(),
    entries: [],
    streams: new Map(),
    nextEntry: 1,
  };
}

function appendToStream(model: LedgerModel, accountId: string, version: number): void {
  const stream = model.streams.get(accountId) ?? [];
  stream.push(version);
  model.streams.set(accountId, stream);
}

/** Stores an account changed by something other than a posting (one event at its new version). */
function storeAccount(model: LedgerModel, account: Account): void {
  model.accounts.set(account.id, account);
  appendToStream(model, account.id, account.version);
}

function recordEntry(
  model: LedgerModel,
  header: Pick<RecordedEntry, 'source' | 'transactionType' | 'currency' | 'reversesEntryId'>,
  accounts: readonly Account[],
  postings: readonly RecordedPosting[],
): StepResult {
  for (const account of accounts) model.accounts.set(account.id, account);
  for (const p of postings) appendToStream(model, p.accountId, p.streamVersion);
  const id = `e${model.nextEntry}`;
  model.nextEntry += 1;
  model.entries.push({
    id,
    ...header,
    postings: postings.map((p) => ({ ...p })),
    reversedBy: null,
  });
  return { outcome: 'changed', touched: new Set(accounts.map((a) => a.id)), entryId: id };
}

function rejected(decision: { code: ErrorCode; detail: string }, pinnedHold?: string): StepResult {
  const result = { outcome: 'rejected' as const, code: decision.code, detail: decision.detail };
  return pinnedHold === undefined ? result : { ...result, pinnedHold };
}

function changed(...accounts: Account[]): StepResult {
  return { outcome: 'changed', touched: new Set(accounts.map((a) => a.id)), entryId: null };
}

/** The entry as `loadEntries` reads it back for a reversal. */
function asOriginal(entry: RecordedEntry): OriginalEntry {
  return {
    id: entry.id,
    currency: entry.currency,
    transactionType: entry.transactionType,
    reversedBy: entry.reversedBy,
    postings: entry.postings.map((p) => ({
      accountId: p.accountId,
      side: p.side,
      amountMinor: p.amountMinor,
    })),
  };
}

/** Applies one command to the model in place, through the real decide functions. */
export function apply(model: LedgerModel, command: ModelCommand): StepResult {
  switch (command.kind) {
    case 'open': {
      const c = command.command;
      const decision = decideOpenAccount(
        c,
        model.accounts.get(c.accountId) ?? null,
        model.currencies,
        new Date(model.nowMs).toISOString(),
      );
      if (decision.kind === 'rejected') return rejected(decision);
      if (decision.kind === 'already-open') return { outcome: 'unchanged' };
      storeAccount(model, decision.account);
      return changed(decision.account);
    }
    case 'post': {
      const c = command.command;
      const decision = decidePostEntry(c, model.accounts, model.currencies);
      if (decision.kind === 'rejected') return rejected(decision);
      return recordEntry(
        model,
        { source: 'post', transactionType: c.transactionType, currency: c.currency, reversesEntryId: null },
        decision.accounts,
        decision.postings,
      );
    }
    case 'placeHold': {
      const c = command.command;
      const decision = decidePlaceHold(
        c,
        model.accounts,
        model.holds.get(c.holdId),
        model.currencies,
        model.nowMs,
      );
      if (decision.kind === 'rejected') return rejected(decision);
      if (decision.kind === 'already-placed') return { outcome: 'unchanged' };
      model.holds.set(decision.hold.id, decision.hold);
      storeAccount(model, decision.account);
      return changed(decision.account);
    }
    case 'captureHold': {
      const c = command.command;
      const hold = model.holds.get(c.holdId);
      // A capture seen before is answered with its original outcome (applyCaptureHold).
      if (hold?.status === 'captured') return { outcome: 'unchanged' };
      const decision = decideCaptureHold(c, hold, model.accounts, model.currencies, model.nowMs);
      if (decision.kind === 'rejected') return rejected(decision);
      if (decision.kind === 'refused-capture') {
        // Refused, but the request is recorded on the hold (applyCaptureHold: markCaptureRequested).
        model.holds.set(decision.hold.id, decision.hold);
        return rejected(decision.rejection, decision.hold.id);
      }
      const result = recordEntry(
        model,
        {
          source: 'capture',
          transactionType: hold!.transactionType,
          currency: hold!.currency,
          reversesEntryId: null,
        },
        decision.accounts,
        decision.postings,
      );
      const entryId = result.outcome === 'changed' ? result.entryId : null;
      model.holds.set(decision.hold.id, { ...decision.hold, entryId });
      return result;
    }
    case 'releaseHold': {
      const hold = model.holds.get(command.holdId);
      const decision = decideReleaseHold(hold, model.accounts, command.actor, command.holdId, 'released');
      if (decision.kind === 'rejected') return rejected(decision);
      if (decision.kind === 'already-released') return { outcome: 'unchanged' };
      model.holds.set(decision.hold.id, decision.hold);
      storeAccount(model, decision.account);
      return changed(decision.account);
    }
    case 'expireHolds': {
      const due = [...model.holds.values()]
        // As lockExpiredHolds: a hold whose capture was requested is never due.
        .filter(
          (h) =>
            h.status === 'open' && h.captureRequestedAt === null && Date.parse(h.expiresAt) <= model.nowMs,
        )
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const touched: Account[] = [];
      for (const hold of due) {
        const decision = decideReleaseHold(hold, model.accounts, SYSTEM_ACTOR, hold.id, 'expired');
        if (decision.kind !== 'released') continue;
        model.holds.set(decision.hold.id, decision.hold);
        storeAccount(model, decision.account);
        touched.push(decision.account);
      }
      return touched.length === 0 ? { outcome: 'unchanged' } : changed(...touched);
    }
    case 'reverse': {
      const entry = model.entries.find((e) => e.id === command.entryId);
      const original = entry && asOriginal(entry);
      const scale = original ? model.currencies.get(original.currency)!.scale : 0;
      const decision = decideReverseEntry(original, command.entryId, model.accounts, command.actor, scale);
      if (decision.kind === 'rejected') return rejected(decision);
      const result = recordEntry(
        model,
        {
          source: 'reversal',
          transactionType: entry!.transactionType,
          currency: entry!.currency,
          reversesEntryId: entry!.id,
        },
        decision.accounts,
        decision.postings,
      );
      entry!.reversedBy = result.outcome === 'changed' ? result.entryId : null;
      return result;
    }
    case 'changeStatus': {
      const decision = decideChangeStatus(
        model.accounts.get(command.accountId),
        command.accountId,
        command.status,
        command.actor,
      );
      if (decision.kind === 'rejected') return rejected(decision);
      if (decision.kind === 'unchanged') return { outcome: 'unchanged' };
      storeAccount(model, decision.account);
      return changed(decision.account);
    }
    case 'setLimits': {
      const account = model.accounts.get(command.accountId);
      const scale = account ? model.currencies.get(account.currency)!.scale : 0;
      const decision = decideSetLimits(
        account,
        command.accountId,
        command.minBalance,
        command.maxBalance,
        command.actor,
        scale,
      );
      if (decision.kind === 'rejected') return rejected(decision);
      storeAccount(model, decision.account);
      return changed(decision.account);
    }
    case 'advanceClock':
      model.nowMs += command.ms;
      return { outcome: 'unchanged' };
  }
}

/** A deep copy, to compare a model before and after a step. */
export function snapshot(model: LedgerModel): LedgerModel {
  return structuredClone(model);
}
