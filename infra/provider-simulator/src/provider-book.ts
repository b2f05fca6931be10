import { answer, type JsonObject, type Reply } from './json-http';

/**
 * What a provider remembers about one reference. `silent` is remembered too, although nothing was charged,
 * because a provider that hung on a request keeps hanging on its retries and on status queries for it.
 * `voided` is a promise the provider made to a caller: this reference never moves money.
 */
export type RecordedOutcome =
  | { kind: 'result'; statusCode: number; body: JsonObject; charged: boolean }
  | { kind: 'silent' }
  | { kind: 'voided' };

/** What an attempt itself can leave behind; only a void request records `voided`. */
export type AttemptOutcome = Exclude<RecordedOutcome, { kind: 'voided' }>;

/** A provider rule's verdict on a first attempt: what to remember, and how to answer. */
export interface AttemptPlan {
  record: AttemptOutcome | null;
  reply: Reply;
}

export interface Attempt {
  reference: string;
  /** The request's fields in canonical form; a repeat with a different fingerprint reuses the reference. */
  fingerprint: string;
  /** The failure-rate draw came up, so the provider is down for this attempt and records nothing. */
  injectFailure: boolean;
  /** Evaluated only for a reference seen for the first time, so a retry can never be charged twice. */
  plan: () => AttemptPlan;
}

/** Counts that let a test assert "charged exactly once" however often the client retried or voided. */
export interface ProviderStats {
  /** Valid purchase, payout or collection requests received, first tries and repeats alike. */
  attempts: number;
  /** Repeats answered from the record instead of being evaluated again. */
  replays: number;
  /** References with a recorded result: succeeded plus failed (voided references are not included). */
  recorded: number;
  /** Recorded successes, that is money actually moved. */
  succeeded: number;
  /** Recorded refusals (bad account, no credit, refused payout, declined collection). */
  failed: number;
  /** Valid void requests received, repeats and injected 503s included. */
  voids: number;
  /** References the provider promised never to complete, each counted once. */
  voided: number;
  /** Void requests answered 409 because the reference had already moved money. */
  voidsTooLate: number;
  /** Attempts answered 409 `voided` because their reference had been voided before. */
  blockedByVoid: number;
}

export const SERVICE_UNAVAILABLE: JsonObject = { status: 'failed', code: 'SERVICE_UNAVAILABLE' };

/**
 * One provider's memory, keyed by the client's reference. Idempotency and voids live here rather than in
 * each provider so that purchases, payouts and collections cannot drift apart in how they treat retries.
 */
export class ProviderBook {
  /** A reference voided before any attempt arrived has no request, hence no fingerprint. */
  private readonly entries = new Map<string, { fingerprint: string | null; outcome: RecordedOutcome }>();
  private readonly counts: ProviderStats = {
    attempts: 0,
    replays: 0,
    recorded: 0,
    succeeded: 0,
    failed: 0,
    voids: 0,
    voided: 0,
    voidsTooLate: 0,
    blockedByVoid: 0,
  };

  attempt({ reference, fingerprint, injectFailure, plan }: Attempt): Reply {
    this.counts.attempts += 1;
    if (injectFailure) return answer(503, SERVICE_UNAVAILABLE);
    const existing = this.entries.get(reference);
    if (existing !== undefined) {
      // A void is checked before the fingerprint: whatever the body, the reference is closed for good.
      if (existing.outcome.kind === 'voided') {
        this.counts.blockedByVoid += 1;
        return answer(409, { status: 'voided', code: 'REFERENCE_VOIDED', reference });
      }
      if (existing.fingerprint !== fingerprint) {
        return answer(409, {
          code: 'REFERENCE_REUSED',
          detail: `reference ${reference} was already used for a different request`,
        });
      }
      this.counts.replays += 1;
      return replyFor(existing.outcome);
    }
    const decided = plan();
    if (decided.record !== null) this.remember(reference, fingerprint, decided.record);
    return decided.reply;
  }

  /**
   * Makes sure the reference never moves money, or says that it already has. Nothing and silence are
   * turned into a void; a recorded success wins and is reported with 409, because the caller must learn
   * that it was paid rather than release a hold; a recorded refusal is already final and is kept as it is.
   */
  void(reference: string, injectFailure: boolean): Reply {
    this.counts.voids += 1;
    if (injectFailure) return answer(503, SERVICE_UNAVAILABLE);
    const existing = this.entries.get(reference);
    const voided = answer(200, { status: 'voided', reference });
    if (existing === undefined || existing.outcome.kind === 'silent') {
      this.entries.set(reference, {
        fingerprint: existing?.fingerprint ?? null,
        outcome: { kind: 'voided' },
      });
      this.counts.voided += 1;
      return voided;
    }
    if (existing.outcome.kind === 'voided' || !existing.outcome.charged) return voided;
    this.counts.voidsTooLate += 1;
    return answer(409, existing.outcome.body);
  }

  /** The answer to a status query: the recorded result, silence, or "unknown" when nothing was recorded. */
  status(reference: string): Reply {
    const existing = this.entries.get(reference);
    if (existing === undefined) return answer(404, { status: 'unknown', reference });
    const { outcome } = existing;
    switch (outcome.kind) {
      // The query itself succeeded whatever the attempt's fate, so a recorded failure is still a 200.
      case 'result':
        return answer(200, outcome.body);
      case 'voided':
        return answer(200, { status: 'voided', reference });
      case 'silent':
        return { kind: 'silent' };
      default:
        return unreachable(outcome);
    }
  }

  stats(): ProviderStats {
    return { ...this.counts };
  }

  private remember(reference: string, fingerprint: string, outcome: AttemptOutcome): void {
    this.entries.set(reference, { fingerprint, outcome });
    if (outcome.kind === 'silent') return;
    this.counts.recorded += 1;
    if (outcome.charged) this.counts.succeeded += 1;
    else this.counts.failed += 1;
  }
}

/** A repeat gets the recorded answer at once, status code included: only the first answer is ever late. */
function replyFor(outcome: AttemptOutcome): Reply {
  if (outcome.kind === 'silent') return { kind: 'silent' };
  return answer(outcome.statusCode, outcome.body);
}

function unreachable(value: never): never {
  throw new Error(`unexpected recorded outcome ${JSON.stringify(value)}`);
}
