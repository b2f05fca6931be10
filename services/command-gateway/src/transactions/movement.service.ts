import { SYSTEM_ACTOR, type Actor, type Envelope } from '@billing/contracts/envelope';
import type { TransactionView } from '@billing/contracts/messages/queries';
import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { preferredWaitMs } from '../http/prefer';
import { ProblemError } from '../http/problem';
import { GatewayMessaging } from '../kafka/messaging';
import type { FollowedEvent } from '../kafka/outcomes';
import { PARTY_RULES, requestHash, termsOf, transactionIdFor, type MovementTerms } from './movements';

type Pending = { transactionId: string; status: 'pending' };

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

    const existing = await this.findTransaction(transactionId);
    if (existing) {
      if (requestHash(termsOf(existing)) !== hash) {
        throw new ProblemError(
          409,
          'IDEMPOTENCY.KEY_REUSED',
          'this idempotency key was used for a different request',
        );
      }
      return this.answer(
        s.reply,
        existing.status === 'pending' ? await this.awaitOutcome(transactionId, waitMs, existing) : existing,
        waitMs,
      );
    }
    await this.checkParties(s.actor, s.terms);

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
    return this.answer(s.reply, final ?? { transactionId, status: 'pending' }, waitMs);
  }

  private answer(
    reply: FastifyReply,
    view: TransactionView | Pending,
    waitMs: number,
  ): TransactionView | Pending {
    if (waitMs > 0) void reply.header('preference-applied', `wait=${waitMs / 1000}`);
    void reply.status(view.status === 'pending' ? 202 : 200);
    return view;
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
    return reply.ok ? reply.data : null;
  }

  /**
   * Refuses at the edge what the read side already knows to be wrong: a source or destination of the
   * wrong type, someone else's account, a currency mismatch. An account the read side has not seen yet
   * is left to the ledger, which checks all of it again.
   */
  private async checkParties(actor: Actor, terms: MovementTerms): Promise<void> {
    const rule = PARTY_RULES[terms.type];
    if (!rule || !terms.sourceAccountId || !terms.destinationAccountId) return;
    const [source, destination] = await Promise.all([
      this.messaging.query({
        type: 'GetAccount',
        actor: rule.sourceOwned ? actor : SYSTEM_ACTOR,
        accountId: terms.sourceAccountId,
      }),
      rule.destination === null
        ? null
        : this.messaging.query({
            type: 'GetAccount',
            actor: rule.destinationOwned ? actor : SYSTEM_ACTOR,
            accountId: terms.destinationAccountId,
          }),
    ]);
    const mustOwn = actor.kind === 'owner';
    if (mustOwn && rule.sourceOwned && !source.ok)
      throw new ProblemError(404, 'ACCOUNT.NOT_FOUND', `account ${terms.sourceAccountId} does not exist`);
    if (mustOwn && rule.destinationOwned && destination && !destination.ok) {
      throw new ProblemError(
        404,
        'ACCOUNT.NOT_FOUND',
        `account ${terms.destinationAccountId} does not exist`,
      );
    }
    if (source.ok && !rule.source.includes(source.data.type)) {
      throw new ProblemError(
        422,
        'ACCOUNT.TYPE_NOT_ALLOWED',
        `a ${terms.type} may not take money from a ${source.data.type} account`,
      );
    }
    if (destination?.ok && rule.destination && !rule.destination.includes(destination.data.type)) {
      throw new ProblemError(
        422,
        'ACCOUNT.TYPE_NOT_ALLOWED',
        `a ${terms.type} may not pay into a ${destination.data.type} account`,
      );
    }
    for (const account of [source, destination]) {
      if (account?.ok && account.data.currency !== terms.currency) {
        throw new ProblemError(
          422,
          'CURRENCY.MISMATCH',
          `account ${account.data.id} holds ${account.data.currency}, not ${terms.currency}`,
        );
      }
    }
  }
}

/**
 * Recognises a transaction's final state, or the orchestrator's refusal of the request with this hash
 * (the key was taken by a request with other terms that the read side had not shown yet).
 */
function finalOutcome(hash: string | null) {
  return (event: FollowedEvent): TransactionView | 'key-reused' | undefined => {
    switch (event.type) {
      case 'TransactionCompleted':
      case 'TransactionFailed':
      case 'TransactionReversed':
        return event.data;
      case 'TransactionRequestRejected':
        return event.data.requestHash === hash ? 'key-reused' : undefined;
      default:
        return undefined;
    }
  };
}
