import { answer, type JsonObject, type Reply } from './json-http';

/**
 * What a provider remembers about one reference. `silent` is remembered too, although nothing was charged,
 * because a provider that hung on a request keeps hanging on its retries and on status queries for it.
 */
export type RecordedOutcome =
  { kind: 'result'; statusCode: number; body: JsonObject; charged: boolean } | { kind: 'silent' };

/** A provider rule's verdict on a first attempt: what to remember, and how to answer. */
export interface AttemptPlan {
  record: RecordedOutcome | null;
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

/** Counts that let a test assert "charged exactly once" however often the client retried. */
export interface ProviderStats {
  /** Valid purchase or payout requests received, first tries and repeats alike. */
  attempts: number;
  /** Repeats answered from the record instead of being evaluated again. */
  replays: number;
  /** References with a recorded result: succeeded plus failed. */
  recorded: number;
  /** Recorded successes, that is money actually moved. */
  succeeded: number;
  /** Recorded refusals (bad account, no credit, refused payout). */
  failed: number;
}

export const SERVICE_UNAVAILABLE: JsonObject = { status: 'failed', code: 'SERVICE_UNAVAILABLE' };

/**
 * One provider's memory, keyed by the client's reference. Idempotency lives here rather than in each
 * provider so that purchases and payouts cannot drift apart in how they treat retries.
 */
export class ProviderBook {
  private readonly entries = new Map<string, { fingerprint: string; outcome: RecordedOutcome }>();
  private readonly counts: ProviderStats = { attempts: 0, replays: 0, recorded: 0, succeeded: 0, failed: 0 };

  attempt({ reference, fingerprint, injectFailure, plan }: Attempt): Reply {
    this.counts.attempts += 1;
    if (injectFailure) return answer(503, SERVICE_UNAVAILABLE);
    const existing = this.entries.get(reference);
    if (existing !== undefined) {
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

  /** The answer to a status query: the recorded result, silence, or "unknown" when nothing was recorded. */
  status(reference: string): Reply {
    const existing = this.entries.get(reference);
    if (existing === undefined) return answer(404, { status: 'unknown', reference });
    // The query itself succeeded whatever the purchase's fate, so a recorded failure is still a 200.
    if (existing.outcome.kind === 'result') return answer(200, existing.outcome.body);
    return { kind: 'silent' };
  }

  stats(): ProviderStats {
    return { ...this.counts };
  }

  private remember(reference: string, fingerprint: string, outcome: RecordedOutcome): void {
    this.entries.set(reference, { fingerprint, outcome });
    if (outcome.kind === 'silent') return;
    this.counts.recorded += 1;
    if (outcome.charged) this.counts.succeeded += 1;
    else this.counts.failed += 1;
  }
}

/** A repeat gets the recorded answer at once, status code included: only the first answer is ever late. */
function replyFor(outcome: RecordedOutcome): Reply {
  if (outcome.kind === 'silent') return { kind: 'silent' };
  return answer(outcome.statusCode, outcome.body);
}
