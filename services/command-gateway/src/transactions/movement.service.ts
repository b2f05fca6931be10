import { SYSTEM_ACTOR, type Actor, type Envelope } from '@billing/contracts/envelope';
import type { TransactionView } from '@billing/contracts/messages/queries';
import { MOVEMENT_RULES } from '@billing/contracts/policy';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';
import { preferredWaitMs } from '../http/prefer';
import { ProblemError } from '../http/problem';
import { GatewayMessaging } from '../kafka/messaging';
import type { FollowedEvent } from '../kafka/outcomes';
import { AccountFactsCache, type AccountFacts } from './account-facts';
import { EDGE_CHECKS, requestHash, transactionIdFor, type MovementTerms } from './movements';

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
 * caller and key, check the parties against what the gateway knows of them, emit the command, and answer
 * with what the orchestrator says. The orchestrator decides every request: it accepts a new one, answers
 * a repeat with the transaction as it stands (TransactionRequestReplayed), and refuses a key reused with
 * other terms; the gateway waits for that answer (bounded by COMMAND_ACK_WAIT_MS), and with Prefer: wait
 * for the final state. No read-side round trip stands on the command path.
 */
@Injectable()
export class MovementService {
  private readonly facts: AccountFactsCache;
  private readonly ackWaitMs: number;

  constructor(
    private readonly messaging: GatewayMessaging,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.ackWaitMs = config.COMMAND_ACK_WAIT_MS;
    this.facts = new AccountFactsCache(async (accountId) => {
      const found = await this.messaging.query({ type: 'GetAccount', actor: SYSTEM_ACTOR, accountId });
      return found.ok ? found.data : null;
    }, config.ACCOUNT_FACTS_CACHE_MAX);
  }

  async submit(s: Submission): Promise<TransactionView | Pending> {
    const waitMs = preferredWaitMs(s.preferHeader);
    const transactionId = transactionIdFor(s.actor, s.key);
    const hash = requestHash(s.terms);
    void s.reply.header('location', `/api/v1/transactions/${transactionId}`);
    await this.checkParties(s.actor, s.terms);

    const command = s.command(transactionId, hash);
    const answer = orchestratorAnswer(command.messageId, hash, waitMs > 0);
    const outcome = await this.messaging.emitAndWait('transactionCommands', transactionId, command, {
      key: transactionId,
      match: answer.match,
      timeoutMs: waitMs > 0 ? waitMs : this.ackWaitMs,
    });
    if (outcome === 'key-reused') {
      throw new ProblemError(
        409,
        'IDEMPOTENCY.KEY_REUSED',
        'this idempotency key was used for a different request',
      );
    }
    // Timed out: what the orchestrator said so far (pending), or nothing yet: the command was sent and
    // will be decided; the client polls its Location.
    const view = outcome ?? answer.acknowledged();
    return this.answer(
      s.reply,
      view === null ? { transactionId, status: 'pending' } : await this.forCaller(s.actor, view),
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
        accountId === payment ? false : (await this.facts.get(accountId))?.ownerId === actor.id,
      ),
    );
    return owned.some(Boolean) ? view : { ...view, sourceAccountId: payment, destinationAccountId: payment };
  }

  /**
   * Refuses at the edge what is known to be wrong about the parties, from facts that never change
   * (owner, type, currency), remembered after the first read. An owner's check looks only at the account
   * it must own (MOVEMENT_RULES' side): one that is missing and one of somebody else are the same 404,
   * and the type and currency checked are its own account's. The other party's account is never looked
   * at for an owner, so a refusal cannot tell it anything about another owner's account; the ledger
   * judges it and answers ACCOUNT.UNAVAILABLE for any reason. Admins get every check on both parties.
   * An account the read side has not seen yet is left to the ledger, which checks all of it again.
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
    const accounts = await Promise.all(parties.map((p) => this.facts.get(p.id)));
    parties.forEach((party, i) => {
      const found = accounts[i]!;
      if (!found || (owner && found.ownerId !== actor.id)) {
        if (owner) throw new ProblemError(404, 'ACCOUNT.NOT_FOUND', `account ${party.id} does not exist`);
        return;
      }
      checkAccount(terms, party, found);
    });
  }
}

/**
 * Recognises the orchestrator's answer to this request among the transaction's events:
 * - TransactionRequestRejected for this request's hash: the key was taken by other terms (409);
 * - TransactionRequestReplayed for this hash: a repeat, answered with the transaction as it stands;
 * - an event this very command caused (TransactionAccepted, or TransactionFailed when the request was
 *   refused outright).
 * Until one of those arrived, other events of the transaction are not taken as this request's: they
 * may belong to another request that took the key with other terms. Once acknowledged, the final state
 * (or needs_attention, the last word a waiting client gets for a while) answers a waiting client.
 */
export function orchestratorAnswer(commandId: string, hash: string, waitForFinal: boolean) {
  let acknowledged: TransactionView | null = null;
  const match = (event: FollowedEvent): TransactionView | 'key-reused' | undefined => {
    switch (event.type) {
      case 'TransactionRequestRejected':
        return event.data.requestHash === hash ? 'key-reused' : undefined;
      case 'TransactionRequestReplayed': {
        if (event.data.requestHash !== hash) return undefined;
        const view = event.data.transaction;
        acknowledged = view;
        return waitForFinal && view.status === 'pending' ? undefined : view;
      }
      case 'TransactionAccepted':
        if (acknowledged === null && event.causationId !== commandId) return undefined;
        acknowledged = event.data;
        return waitForFinal ? undefined : event.data;
      case 'TransactionCompleted':
      case 'TransactionFailed':
      case 'TransactionReversed':
      case 'TransactionNeedsAttention':
        if (acknowledged === null && event.causationId !== commandId) return undefined;
        return event.data;
      default:
        return undefined;
    }
  };
  return { match, acknowledged: (): TransactionView | null => acknowledged };
}

function checkAccount(
  terms: MovementTerms,
  party: { side: 'debit' | 'credit'; allowed: readonly string[] },
  account: AccountFacts,
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
