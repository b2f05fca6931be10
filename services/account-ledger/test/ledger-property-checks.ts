import type { Actor } from '@billing/contracts/envelope';
import { FUNDING_ROLE } from '@billing/contracts/policy';
import type { Knex } from '@billing/platform/db';
import type { LedgerCommand } from '../src/ledger-commands/ledger-batch';
import { rejectionStep } from '../src/ledger-commands/rejections.store';
import { formatReport } from '../src/verify/format-report';
import { verifyLedger } from '../src/verify/verify-ledger';
import type { Outcome, RunAccounts } from './ledger-property-world';

/**
 * What the property test asserts after every batch, reading the database and the outbox: the checks of
 * `ledger:verify` and the rules that only the commands and their outcomes can show (refusals that stay
 * refusals, resends answered like the first copy, owed holds, owners' reach). Each check returns the
 * violations it found, as sentences, so a failing run says what went wrong and where.
 */

/** The outcome that answers a command of each type (a capture also publishes its EntryPosted). */
const ANSWERS: Record<LedgerCommand['type'], readonly string[]> = {
  PostEntry: ['EntryPosted', 'CommandRejected'],
  ReverseEntry: ['EntryPosted', 'CommandRejected'],
  PlaceHold: ['HoldPlaced', 'CommandRejected'],
  CaptureHold: ['HoldCaptured', 'CommandRejected'],
  ReleaseHold: ['HoldReleased', 'CommandRejected'],
};

/**
 * Refusals of a capture that only the capture itself gives (not the hold's state, nor the actor's right
 * to settle it): the actor asked for a capture it may ask for, so the hold is owed from then on.
 */
const PINNING_CODES = new Set([
  'ACCOUNT.INACTIVE',
  'ACCOUNT.LIMIT_EXCEEDED',
  'ACCOUNT.NOT_FOUND',
  'ACCOUNT.TYPE_NOT_ALLOWED',
  'CURRENCY.MISMATCH',
  'ENTRY.INVALID',
  'AMOUNT.INVALID',
]);

/** The commands a run sent and every outcome the ledger wrote for them, by the message that caused it. */
export class RunRecord {
  /** Every copy delivered, in order: the same message twice, or a resend under a new message id. */
  readonly delivered: LedgerCommand[] = [];
  readonly outcomes = new Map<string, Outcome[]>();
  /** Account statuses as the test set them (read back after each change); absent means active. */
  readonly statuses = new Map<string, string>();
  /** Entries the suspended-accounts check has judged already (a replay names the original entry). */
  readonly seenEntries = new Set<string>();

  constructor(readonly accounts: RunAccounts) {}

  record(outcomes: readonly Outcome[]): void {
    for (const o of outcomes) {
      if (o.causationId === null) continue;
      const list = this.outcomes.get(o.causationId) ?? [];
      list.push(o);
      this.outcomes.set(o.causationId, list);
    }
  }

  /** The one answer of a delivered copy (the inbox makes a repeated message share its first answer). */
  answerOf(command: LedgerCommand): Outcome | undefined {
    return (this.outcomes.get(command.messageId) ?? []).find((o) => ANSWERS[command.type].includes(o.type));
  }

  /** The logical commands: copies grouped by commandId, first copy first. */
  groups(): LedgerCommand[][] {
    const byId = new Map<string, LedgerCommand[]>();
    for (const c of this.delivered) byId.set(c.data.commandId, [...(byId.get(c.data.commandId) ?? []), c]);
    return [...byId.values()];
  }

  transactionIds(): string[] {
    return [...new Set(this.delivered.map((c) => c.data.transactionId))];
  }
}

/** Exactly one answer per delivered message, and every copy of a command answered like the first. */
export function checkAnswers(run: RunRecord): string[] {
  const violations: string[] = [];
  for (const command of new Map(run.delivered.map((c) => [c.messageId, c])).values()) {
    const all = run.outcomes.get(command.messageId) ?? [];
    const answers = all.filter((o) => ANSWERS[command.type].includes(o.type));
    const extra = all.filter((o) => !ANSWERS[command.type].includes(o.type));
    const entryOfCapture =
      command.type === 'CaptureHold' && answers[0]?.type === 'HoldCaptured' && extra.length <= 1
        ? extra.every((o) => o.type === 'EntryPosted')
        : extra.length === 0;
    if (answers.length !== 1 || !entryOfCapture) {
      violations.push(
        `${command.type} ${command.messageId} was answered with [${all.map((o) => o.type).join(', ')}]`,
      );
    }
  }
  for (const copies of run.groups()) {
    const first = run.answerOf(copies[0]!);
    for (const copy of copies.slice(1)) {
      const answer = run.answerOf(copy);
      if (
        JSON.stringify(answer && [answer.type, answer.data]) !==
        JSON.stringify(first && [first.type, first.data])
      ) {
        violations.push(
          `${copy.type} ${copy.data.commandId} (copy ${copy.messageId}) was answered ${describe(answer)}, ` +
            `its first copy ${describe(first)}`,
        );
      }
    }
  }
  return violations;
}

/** Refusal codes that would tell an owner something about an account it does not own. */
const REVEALING = new Set([
  'ACCOUNT.NOT_FOUND',
  'ACCOUNT.INACTIVE',
  'ACCOUNT.TYPE_NOT_ALLOWED',
  'ACCOUNT.LIMIT_EXCEEDED',
  'ACCOUNT.INSUFFICIENT_FUNDS',
  'CURRENCY.MISMATCH',
  'AUTH.FORBIDDEN',
]);

/**
 * An owner refused over an account it does not own (or that does not exist) learns nothing but
 * ACCOUNT.UNAVAILABLE, without figures. Judged on first refusals of a (transaction, step) only: a later
 * command naming the same pair is answered with the stored refusal, whoever sends it.
 */
export function checkNoProbing(run: RunRecord): string[] {
  const violations: string[] = [];
  const named = new Set<string>();
  for (const command of run.delivered) {
    const pair = `${command.data.transactionId}/${rejectionStep(command)}`;
    if (named.has(pair)) continue;
    named.add(pair);
    const answer = run.answerOf(command);
    if (answer?.type !== 'CommandRejected' || command.actor.kind !== 'owner') continue;
    const accountId = answer.data.accountId as string | null;
    if (accountId === null || run.accounts.byId.get(accountId)?.ownerId === command.actor.id) continue;
    const code = String(answer.data.code);
    const context = answer.data.context as Record<string, string>;
    if (REVEALING.has(code) || (code === 'ACCOUNT.UNAVAILABLE' && Object.keys(context).length > 0))
      violations.push(
        `owner ${command.actor.id} was told ${code} about account ${accountId} it does not own`,
      );
  }
  return violations;
}

function describe(outcome: Outcome | undefined): string {
  if (!outcome) return 'with nothing';
  return `with ${outcome.type}${outcome.type === 'CommandRejected' ? ` ${String(outcome.data.code)}` : ''}`;
}

interface HoldRow {
  id: string;
  transaction_id: string;
  status: string;
  capture_requested_at: Date | null;
  credit_account_id: string | null;
}

/** A refused command is never applied later; a capture the actor could ask for pins its hold. */
export async function checkRefusalsAndHolds(knex: Knex, run: RunRecord): Promise<string[]> {
  const violations: string[] = [];
  const txs = run.transactionIds();
  const entries: { transaction_id: string; step: string }[] = await knex('journal_entries')
    .whereIn('transaction_id', txs)
    .select('transaction_id', 'step');
  const posted = new Set(entries.map((e) => `${e.transaction_id}/${e.step}`));
  const holds = new Map(
    ((await knex('holds').whereIn('transaction_id', txs).select('*')) as HoldRow[]).map((h) => [h.id, h]),
  );
  for (const copies of run.groups()) {
    const command = copies[0]!;
    const answer = run.answerOf(command);
    if (answer?.type !== 'CommandRejected') continue;
    const refused = `${command.type} of transaction ${command.data.transactionId} refused (${String(answer.data.code)})`;
    switch (command.type) {
      case 'PostEntry':
      case 'ReverseEntry':
      case 'CaptureHold':
        if (posted.has(`${command.data.transactionId}/${command.data.step}`))
          violations.push(`${refused} at step ${command.data.step}, and yet that step has an entry`);
        if (command.type === 'CaptureHold' && PINNING_CODES.has(String(answer.data.code))) {
          const hold = holds.get(command.data.holdId);
          if (hold && hold.capture_requested_at === null)
            violations.push(`${refused}: hold ${hold.id} is not marked capture-requested`);
        }
        break;
      case 'PlaceHold':
        if (holds.has(command.data.holdId))
          violations.push(`${refused}, and yet hold ${command.data.holdId} exists`);
        break;
      case 'ReleaseHold':
        if (holds.get(command.data.holdId)?.status === 'released')
          violations.push(`${refused}, and yet hold ${command.data.holdId} was released`);
        break;
    }
  }
  const owed: HoldRow[] = await knex('holds')
    .whereNotNull('capture_requested_at')
    .whereNotIn('status', ['open', 'captured'])
    .select('*');
  for (const h of owed) violations.push(`hold ${h.id} was requested for capture and yet is ${h.status}`);
  return violations;
}

/**
 * Owners only ever debit their own accounts, an owner's top-up only debits a funding account and
 * credits the owner's own, and owners never reverse: judged on every entry and every hold placed.
 */
export async function checkOwnersReach(knex: Knex, run: RunRecord): Promise<string[]> {
  const violations: string[] = [];
  const rows: {
    id: string;
    transaction_type: string;
    actor: Actor;
    reverses_entry_id: string | null;
    side: 'debit' | 'credit';
    owner_id: string;
    role: string | null;
    account_id: string;
  }[] = await knex('journal_entries as e')
    .join('postings as p', 'p.entry_id', 'e.id')
    .join('accounts as a', 'a.id', 'p.account_id')
    .whereRaw(`e.actor->>'kind' = 'owner'`)
    .select(
      'e.id',
      'e.transaction_type',
      'e.actor',
      'e.reverses_entry_id',
      'p.side',
      'a.owner_id',
      'p.account_id',
    )
    .select(knex.raw(`a.metadata->>'role' as role`));
  for (const r of rows) {
    const wrong = ownerMayNot(r.actor.id, r.transaction_type, r.side, r.owner_id, r.role === FUNDING_ROLE);
    if (r.reverses_entry_id !== null) violations.push(`owner ${r.actor.id} reversed an entry (${r.id})`);
    else if (wrong) violations.push(`entry ${r.id}: owner ${r.actor.id} ${wrong} account ${r.account_id}`);
  }
  const placedBy = new Map(
    run.delivered.flatMap((c) => (c.type === 'PlaceHold' ? [[c.data.holdId, c]] : [])),
  );
  for (const outcomes of run.outcomes.values()) {
    for (const o of outcomes) {
      if (o.type !== 'HoldPlaced' || o.actor.kind !== 'owner') continue;
      const place = placedBy.get(String(o.data.holdId));
      if (place?.type !== 'PlaceHold') continue;
      const sides = [
        ['debit', place.data.accountId],
        ['credit', place.data.creditAccountId],
      ] as const;
      for (const [side, id] of sides) {
        const account = id === null ? undefined : run.accounts.byId.get(id);
        if (!account) continue;
        const wrong = ownerMayNot(
          o.actor.id,
          place.data.transactionType,
          side,
          account.ownerId,
          account.funding,
        );
        if (wrong) violations.push(`hold ${place.data.holdId}: owner ${o.actor.id} ${wrong} account ${id}`);
      }
    }
  }
  return violations;
}

function ownerMayNot(
  actorId: string,
  type: string,
  side: 'debit' | 'credit',
  ownerId: string,
  funding: boolean,
): string | null {
  if (type === 'topup') {
    if (side === 'debit' && !funding) return 'topped up from the non-funding';
    if (side === 'credit' && ownerId !== actorId) return 'topped up the foreign';
    return null;
  }
  return side === 'debit' && ownerId !== actorId ? 'debited the foreign' : null;
}

/**
 * No entry moved money on an account that was not active during its batch (statuses change only
 * between batches), but an admin's reversal, which may correct a suspended account and never a closed one.
 */
export function checkFrozen(run: RunRecord): string[] {
  const violations: string[] = [];
  for (const outcomes of run.outcomes.values()) {
    for (const o of outcomes) {
      const entryId = String(o.data.entryId);
      if (o.type !== 'EntryPosted' || run.seenEntries.has(entryId)) continue;
      run.seenEntries.add(entryId);
      for (const p of o.data.postings as { accountId: string }[]) {
        const status = run.statuses.get(p.accountId) ?? 'active';
        if (status === 'closed' || (status === 'suspended' && o.data.reversesEntryId === null))
          violations.push(`entry ${entryId} moved money on ${status} account ${p.accountId}`);
      }
    }
  }
  return violations;
}

/** Every ledger:verify check, and the sums and limits read straight from the tables. */
export async function checkDatabase(knex: Knex, run: RunRecord): Promise<string[]> {
  const violations: string[] = [];
  const report = await verifyLedger(knex);
  if (!report.ok) violations.push(`ledger:verify found violations:\n${formatReport(report)}`);
  const sums: { currency: string; total: string }[] = await knex('accounts')
    .groupBy('currency')
    .havingRaw('sum(balance) <> 0')
    .select('currency', knex.raw('sum(balance)::text as total'));
  for (const s of sums) violations.push(`the balances in ${s.currency} sum to ${s.total}`);
  const twice: { transaction_id: string; step: string; n: string }[] = await knex('journal_entries')
    .groupBy('transaction_id', 'step')
    .havingRaw('count(*) > 1')
    .select('transaction_id', 'step', knex.raw('count(*) as n'));
  for (const t of twice) violations.push(`transaction ${t.transaction_id} step ${t.step} has ${t.n} entries`);
  const users: { id: string; balance: string; held: string; mismatch: boolean; below: boolean }[] = await knex
    .from('accounts as a')
    .whereIn(
      'a.id',
      run.accounts.users.map((u) => u.id),
    )
    .select(
      'a.id',
      'a.balance',
      'a.held',
      knex.raw(
        `a.held <> coalesce((select sum(amount) from holds h where h.account_id = a.id and h.status = 'open'), 0) as mismatch`,
      ),
      knex.raw(`a.balance - a.held < coalesce(a.min_balance, 0) as below`),
    );
  for (const u of users) {
    if (u.mismatch) violations.push(`account ${u.id}: held ${u.held} is not the sum of its open holds`);
    if (u.below) violations.push(`account ${u.id}: available ${u.balance} - ${u.held} is below its minimum`);
  }
  return violations;
}
