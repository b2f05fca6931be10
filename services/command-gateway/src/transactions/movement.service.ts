import { SYSTEM_ACTOR, type Actor, type Envelope } from '@billing/contracts/envelope';
import {
  TransactionViewSchema,
  type AccountView,
  type TransactionDetails,
  type TransactionView,
} from '@billing/contracts/messages/queries';
import { MOVEMENT_RULES } from '@billing/contracts/policy';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { preferredWaitMs } from '../http/prefer';
import { ProblemError } from '../http/problem';
import { GatewayMessaging } from '../kafka/messaging';
import type { FollowedEvent } from '../kafka/outcomes';
import { EDGE_CHECKS, requestHash, sameTerms, transactionIdFor, type MovementTerms } from './movements';

type Pending = { transactionId: string; status: 'pending' };

/** Not final: the client hears 202 with the view (and polls its Location), as for a pending one. */
const NOT_FINAL: ReadonlySet<TransactionView['status']> = new Set(['pending', 'needs_attention']);

export interface Submission {
  actor: Actor;
  key: string;
  terms: MovementTerms;
  preferHeader: string | undefined;
  reply: FastifyReply;
  /** Builds the command for the derived transaction id and request hash. */
  command(transactionId: string, requestHash: string): Envelope;
}

/**
 * The one path every money movement takes through the gateway: derive the transaction id from the
 * caller and key, answer a replay from what is known, refuse a reused key, check the parties against
 * the read side, emit the command, and answer 202 or (with Prefer: wait) the final state.
 */
@Injectable()
export class MovementService {
  constructor(private readonly messaging: GatewayMessaging) {}

  async submit(s: Submission): Promise<TransactionView | Pending> {
    const waitMs = preferredWaitMs(s.preferHeader);
    const transactionId = transactionIdFor(s.actor, s.key);
    const hash = requestHash(s.terms);
    void s.reply.header('location', `/api/v1/transactions/${transactionId}`);

    // Both read-side round trips at once: a replay is answered from what exists (the party check is then
    // moot), a new request is refused by the party check or emitted.
    const parties = this.checkParties(s.actor, s.terms).then(
      () => null,
      (err: unknown) => err,
    );
    const existing = await this.findTransaction(transactionId);
    if (existing) {
      if (!sameTerms(existing, s.terms)) {
        throw new ProblemError(
          409,
          'IDEMPOTENCY.KEY_REUSED',
          'this idempotency key was used for a different request',
        );
      }
      const known =
        existing.status === 'pending' ? await this.awaitOutcome(transactionId, waitMs, existing) : existing;
      return this.answer(s.reply, await this.forCaller(s.actor, known), waitMs);
    }
    const refused = await parties;
    if (refused) throw refused;

    const command = s.command(transactionId, hash);
    const final = await this.messaging.emitAndWait('transactionCommands', transactionId, command, {
      key: transactionId,
      match: finalOutcome(hash),
      timeoutMs: waitMs,
    });
    if (final === 'key-reused') {
      throw new ProblemError(
        409,
        'IDEMPOTENCY.KEY_REUSED',
        'this idempotency key was used for a different request',
      );
    }
    return this.answer(
      s.reply,
      final === null ? { transactionId, status: 'pending' } : await this.forCaller(s.actor, final),
      waitMs,
    );
  }

  private answer(
    reply: FastifyReply,
    view: TransactionView | Pending,
    waitMs: number,
  ): TransactionView | Pending {
    if (waitMs > 0) void reply.header('preference-applied', `wait=${waitMs / 1000}`);
    void reply.status(NOT_FINAL.has(view.status) ? 202 : 200);
    return view;
  }

  /**
   * A refund's parties are the payment's: an owner who requested a refund of a payment it is no party
   * of (and was refused) must not learn whose accounts those are. Its answer names no accounts, only the
   * payment it sent, as the orchestrator's own refusal of an unknown payment does. Every other movement
   * names only accounts its caller named or owns.
   */
  private async forCaller(actor: Actor, view: TransactionView): Promise<TransactionView> {
    if (actor.kind !== 'owner' || view.type !== 'refund' || view.originalTransactionId === null) return view;
    const payment = view.originalTransactionId;
    if (view.sourceAccountId === payment && view.destinationAccountId === payment) return view;
    const owned = await Promise.all(
      [view.sourceAccountId, view.destinationAccountId].map(async (accountId) =>
        accountId === payment
          ? false
          : (await this.messaging.query({ type: 'GetAccount', actor, accountId })).ok,
      ),
    );
    return owned.some(Boolean) ? view : { ...view, sourceAccountId: payment, destinationAccountId: payment };
  }

  /**
   * Waits for the transaction's final state, or for the orchestrator's refusal of this very request (the
   * key was taken by a request with other terms that the read side had not shown yet).
   */
  private waitForFinal(transactionId: string, waitMs: number) {
    return this.messaging.outcomes.wait(transactionId, finalOutcome(null), waitMs);
  }

  private async awaitOutcome(
    transactionId: string,
    waitMs: number,
    current: TransactionView,
  ): Promise<TransactionView> {
    const outcome = this.waitForFinal(transactionId, waitMs);
    // The outcome may have been published between the read and the registration: read once more.
    const again = await this.findTransaction(transactionId);
    if (again && again.status !== 'pending') {
      outcome.cancel();
      return again;
    }
    const final = await outcome.promise;
    return final === null || final === 'key-reused' ? current : final;
  }

  private async findTransaction(transactionId: string): Promise<TransactionView | null> {
    const reply = await this.messaging.query({ type: 'GetTransaction', actor: SYSTEM_ACTOR, transactionId });
    return reply.ok ? summaryOf(reply.data) : null;
  }

  /**
   * Refuses at the edge what the read side already knows to be wrong, reading as the caller. An owner's
   * pre-check reads only the account it must own (MOVEMENT_RULES' side), as itself: one that is missing
   * and one of somebody else are the same 404, and the type and currency checked are its own account's.
   * The other party's account is never looked at for an owner, so a refusal cannot tell it anything
   * about another owner's account; the ledger judges it and answers ACCOUNT.UNAVAILABLE for any reason.
   * Admins get every check on both parties. An account the read side has not seen yet is left to the
   * ledger, which checks all of it again.
   */
  private async checkParties(actor: Actor, terms: MovementTerms): Promise<void> {
    const rule = MOVEMENT_RULES[terms.type];
    const checks = EDGE_CHECKS[terms.type];
    const owner = actor.kind === 'owner';
    const parties = [
      { side: 'debit' as const, id: checks.source ? terms.sourceAccountId : null, allowed: rule.debit },
      {
        side: 'credit' as const,
        id: checks.destination ? terms.destinationAccountId : null,
        allowed: rule.credit,
      },
    ].filter(
      (p): p is typeof p & { id: string } => p.id !== null && (!owner || p.side === rule.ownerMustOwn),
    );
    const accounts = await Promise.all(
      parties.map((p) =>
        this.messaging.query({ type: 'GetAccount', actor: owner ? actor : SYSTEM_ACTOR, accountId: p.id }),
      ),
    );
    parties.forEach((party, i) => {
      const found = accounts[i]!;
      if (!found.ok) {
        if (owner) throw new ProblemError(404, 'ACCOUNT.NOT_FOUND', `account ${party.id} does not exist`);
        return;
      }
      checkAccount(terms, party, found.data);
    });
  }
}

/**
 * The read side answers GetTransaction with the details (refunds, what is left to refund); a movement is
 * answered with the summary its events carry, as documented, whether it is a replay or not.
 */
export function summaryOf(details: TransactionDetails): TransactionView {
  const keys = Object.keys(TransactionViewSchema.shape) as (keyof TransactionView)[];
  return Object.fromEntries(keys.map((k) => [k, details[k]])) as TransactionView;
}

function checkAccount(
  terms: MovementTerms,
  party: { side: 'debit' | 'credit'; allowed: readonly string[] },
  account: AccountView,
): void {
  if (!party.allowed.includes(account.type)) {
    const verb = party.side === 'debit' ? 'take money from' : 'pay into';
    throw new ProblemError(
      422,
      'ACCOUNT.TYPE_NOT_ALLOWED',
      `a ${terms.type} may not ${verb} a ${account.type} account`,
    );
  }
  if (account.currency !== terms.currency) {
    throw new ProblemError(
      422,
      'CURRENCY.MISMATCH',
      `account ${account.id} holds ${account.currency}, not ${terms.currency}`,
    );
  }
}

/**
 * Recognises a transaction's final state (or its needs_attention state), or the orchestrator's refusal of the request with this hash
 * (the key was taken by a request with other terms that the read side had not shown yet).
 */
function finalOutcome(hash: string | null) {
  return (event: FollowedEvent): TransactionView | 'key-reused' | undefined => {
    switch (event.type) {
      case 'TransactionCompleted':
      case 'TransactionFailed':
      case 'TransactionReversed':
      case 'TransactionNeedsAttention':
        // needs_attention is not final, but the last word a waiting client gets for a while.
        return event.data;
      case 'TransactionRequestRejected':
        return event.data.requestHash === hash ? 'key-reused' : undefined;
      default:
        return undefined;
    }
  };
}
