import { createMessage } from '@billing/contracts/catalog';
import {
  HoldCaptured,
  HoldPlaced,
  HoldReleased,
  type CaptureHoldMessage,
  type PlaceHoldMessage,
  type ReleaseHoldMessage,
} from '@billing/contracts/messages/holds';
import { formatMinorUnits } from '@billing/contracts/money';
import { availableMinor, type Account } from '../accounts/account';
import type { LedgerBatch, Meta } from '../ledger-commands/ledger-batch';
import { metaFrom } from '../shared/ledger-deps';
import type { Hold } from './hold';
import { decideCaptureHold, decidePlaceHold, decideReleaseHold } from './holds.decide';
import { closeHold, insertHold, markCaptureRequested, type StoredHold } from './holds.store';

/** Hold events live on the hold's own stream (1 = placed, 2 = closed) and, when they change it, the account's. */
const HOLD_PLACED_VERSION = 1;
const HOLD_CLOSED_VERSION = 2;

function holdFields(hold: Hold, account: Account, scale: number) {
  return {
    holdId: hold.id,
    transactionId: hold.transactionId,
    accountId: hold.accountId,
    currency: hold.currency,
    streamVersion: account.version,
    availableAfter: formatMinorUnits(availableMinor(account), scale),
  };
}

export async function applyPlaceHold(batch: LedgerBatch, command: PlaceHoldMessage): Promise<void> {
  const meta = metaFrom(batch.deps, command);
  if (await batch.answeredBefore(command, command.data.accountId, meta)) return;
  const existing = batch.holds.get(command.data.holdId) as StoredHold | undefined;
  const decision = decidePlaceHold(
    { ...command.data, actor: command.actor },
    batch.accounts,
    existing,
    batch.currencies,
    batch.nowMs(),
  );
  switch (decision.kind) {
    case 'rejected':
      return batch.reject(command, command.data.accountId, meta, decision);
    case 'already-placed':
      return batch.publish(
        command.data.accountId,
        await batch.replayEvent(existing!.placedEventId, HoldPlaced, meta),
      );
    case 'placed': {
      const scale = batch.scaleOf(decision.hold.currency);
      const event = createMessage(
        HoldPlaced,
        {
          ...holdFields(decision.hold, decision.account, scale),
          commandId: command.data.commandId,
          amount: formatMinorUnits(decision.hold.amountMinor, scale),
          expiresAt: decision.hold.expiresAt,
          placedAt: new Date(meta.nowMs).toISOString(),
        },
        meta,
      );
      batch.update(decision.account);
      batch.holds.set(decision.hold.id, {
        ...decision.hold,
        placedEventId: event.messageId,
        closedEventId: null,
      } as StoredHold);
      await insertHold(batch.trx, decision.hold, scale, event.messageId, event.data.placedAt);
      batch.appendEvent(decision.account.id, decision.account.version, event);
      batch.appendEvent(decision.hold.id, HOLD_PLACED_VERSION, event);
      return batch.publish(decision.account.id, event);
    }
  }
}

export async function applyCaptureHold(batch: LedgerBatch, command: CaptureHoldMessage): Promise<void> {
  const meta = metaFrom(batch.deps, command);
  const hold = batch.holds.get(command.data.holdId) as StoredHold | undefined;
  const key = hold?.accountId ?? command.data.transactionId;
  if (await batch.answeredBefore(command, key, meta)) return;
  if (hold?.status === 'captured' && hold.closedEventId) {
    // Captures are idempotent: the same capture again is answered with the original outcome.
    return batch.publish(key, await batch.replayEvent(hold.closedEventId, HoldCaptured, meta));
  }
  const decision = decideCaptureHold(
    { ...command.data, actor: command.actor },
    hold,
    batch.accounts,
    batch.currencies,
    batch.nowMs(),
  );
  if (decision.kind === 'rejected') return batch.reject(command, key, meta, decision);
  if (decision.kind === 'refused-capture') {
    // The refusal is the answer, but the request stands: the hold can no longer be released.
    batch.holds.set(decision.hold.id, { ...hold!, captureRequestedAt: decision.hold.captureRequestedAt });
    await markCaptureRequested(batch.trx, decision.hold);
    return batch.reject(command, key, meta, decision.rejection);
  }
  const scale = batch.scaleOf(hold!.currency);
  for (const account of decision.accounts) batch.update(account);
  const entry = batch.recordEntry(
    {
      transactionId: hold!.transactionId,
      step: command.data.step,
      transactionType: hold!.transactionType,
      currency: hold!.currency,
      commandId: command.data.commandId,
      reversesEntryId: null,
    },
    decision.postings,
    command,
    meta,
  );
  const debited = decision.accounts[0]!;
  const event = createMessage(
    HoldCaptured,
    {
      ...holdFields(decision.hold, debited, scale),
      commandId: command.data.commandId,
      entryId: entry.data.entryId,
      capturedAmount: formatMinorUnits(decision.hold.capturedMinor, scale),
      releasedAmount: formatMinorUnits(decision.releasedMinor, scale),
      capturedAt: new Date(meta.nowMs).toISOString(),
    },
    meta,
  );
  const closed = { ...decision.hold, entryId: entry.data.entryId };
  batch.holds.set(closed.id, {
    ...closed,
    placedEventId: hold!.placedEventId,
    closedEventId: event.messageId,
  } as StoredHold);
  // The closed hold names its entry, so the entries recorded so far are written first.
  await batch.flush();
  await closeHold(batch.trx, closed, scale, event.messageId, event.data.capturedAt);
  batch.appendEvent(closed.id, HOLD_CLOSED_VERSION, event);
  batch.publish(key, event);
}

export async function applyReleaseHold(batch: LedgerBatch, command: ReleaseHoldMessage): Promise<void> {
  const meta = metaFrom(batch.deps, command);
  const hold = batch.holds.get(command.data.holdId) as StoredHold | undefined;
  const key = hold?.accountId ?? command.data.transactionId;
  if (await batch.answeredBefore(command, key, meta)) return;
  const decision = decideReleaseHold(hold, batch.accounts, command.actor, command.data.holdId, 'released');
  switch (decision.kind) {
    case 'rejected':
      return batch.reject(command, key, meta, decision);
    case 'already-released':
      return batch.publish(key, await batch.replayEvent(hold!.closedEventId!, HoldReleased, meta));
    case 'released':
      return recordRelease(batch, decision.hold, decision.account, command.data.commandId, meta);
  }
}

/** Shared by ReleaseHold and the expiry sweep. */
export async function recordRelease(
  batch: Pick<LedgerBatch, 'trx' | 'update' | 'publish' | 'scaleOf' | 'holds' | 'appendEvent'>,
  hold: Hold,
  account: Account,
  commandId: string | null,
  meta: Meta,
): Promise<void> {
  const scale = batch.scaleOf(hold.currency);
  const event = createMessage(
    HoldReleased,
    {
      ...holdFields(hold, account, scale),
      commandId,
      amount: formatMinorUnits(hold.amountMinor, scale),
      reason: hold.status === 'expired' ? 'expired' : 'released',
      releasedAt: new Date(meta.nowMs).toISOString(),
    },
    meta,
  );
  batch.update(account);
  // Later commands of the batch must see the hold closed: a second release is answered with this one,
  // a capture is refused, instead of closing it (and freeing its amount) a second time.
  // Both callers found the hold in the batch's map (commands lock it, the sweep selects it).
  const stored = batch.holds.get(hold.id) as StoredHold;
  batch.holds.set(hold.id, { ...stored, status: hold.status, closedEventId: event.messageId } as StoredHold);
  await closeHold(batch.trx, hold, scale, event.messageId, event.data.releasedAt);
  batch.appendEvent(account.id, account.version, event);
  batch.appendEvent(hold.id, HOLD_CLOSED_VERSION, event);
  batch.publish(account.id, event);
}
