import type { Knex } from '@billing/platform/db';
import { counter, DURATION_BUCKETS_S, gauge, histogram } from '@billing/platform/metrics';
import type { PublishedRow } from '@billing/platform/outbox';
import type { SagaMetrics } from '../saga/apply-decision';

/** Transaction events that end a saga (or hand it to a person), and the outcome label each gives. */
const OUTCOMES: Record<string, string> = {
  TransactionCompleted: 'completed',
  TransactionFailed: 'failed',
  TransactionReversed: 'reversed',
  TransactionNeedsAttention: 'needs_attention',
};

/**
 * The orchestrator's Prometheus metrics, in the platform's registry. The alert to page on is
 * `saga_needs_attention` > 0: sagas that cannot finish on their own (a capture refused after the
 * provider paid, a provider that answers neither the call nor its void, a payment learned of after the
 * hold was released). The counter says how often that happened, by reason; `saga_duration_seconds` how
 * long sagas took from request to outcome, by transaction type and outcome.
 */
export class SagaMetricsRegistry implements SagaMetrics {
  private readonly waiting = gauge({
    name: 'saga_needs_attention',
    help: 'Sagas waiting for a person, by transaction type.',
    labelNames: ['type'],
  });
  private readonly escalations = counter({
    name: 'saga_needs_attention_total',
    help: 'Escalations to needs_attention since start, by reason code.',
    labelNames: ['code'],
  });
  private readonly durations = histogram({
    name: 'saga_duration_seconds',
    help: 'Sagas from the accepted request to their outcome, by transaction type and outcome.',
    labelNames: ['type', 'outcome'],
    buckets: DURATION_BUCKETS_S,
  });

  needsAttention(code: string): void {
    this.escalations.labels(code).inc();
  }

  /** The gauge read from the sagas table, once per scrape. */
  async collect(knex: Knex): Promise<void> {
    const rows = await knex('sagas')
      .where({ status: 'needs_attention' })
      .select('type')
      .count<{ type: string; count: string }[]>('* as count')
      .groupBy('type');
    this.waiting.reset();
    for (const r of rows) this.waiting.labels(r.type).set(Number(r.count));
  }

  /**
   * Observes finished sagas from the outcome events the relay published: the summary they carry says
   * when the transaction was created and last updated. Only those few event types are parsed.
   */
  published(rows: readonly PublishedRow[]): void {
    for (const row of rows) {
      const outcome = OUTCOMES[row.type];
      if (outcome === undefined) continue;
      const { data } = JSON.parse(row.payload) as {
        data: { type: string; createdAt: string; updatedAt: string };
      };
      const seconds = (Date.parse(data.updatedAt) - Date.parse(data.createdAt)) / 1000;
      if (Number.isFinite(seconds)) this.durations.labels(data.type, outcome).observe(Math.max(0, seconds));
    }
  }
}
