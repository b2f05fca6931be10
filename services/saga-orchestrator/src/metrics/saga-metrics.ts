import type { Knex } from '@billing/platform/db';
import type { SagaMetrics } from '../saga/apply-decision';

/**
 * The orchestrator's Prometheus metrics. The alert to page on is `saga_needs_attention` > 0: sagas that
 * cannot finish on their own (a capture refused after the provider paid, a provider that answers
 * neither the call nor its void, a payment learned of after the hold was released). The counter says
 * how often that happened, by reason.
 */
export class SagaMetricsRegistry implements SagaMetrics {
  private readonly escalations = new Map<string, number>();

  needsAttention(code: string): void {
    this.escalations.set(code, (this.escalations.get(code) ?? 0) + 1);
  }

  async render(knex: Knex): Promise<string> {
    const rows = await knex('sagas')
      .where({ status: 'needs_attention' })
      .select('type')
      .count<{ type: string; count: string }[]>('* as count')
      .groupBy('type');
    const lines = [
      '# HELP saga_needs_attention Sagas waiting for a person, by transaction type.',
      '# TYPE saga_needs_attention gauge',
      ...rows.map((r) => `saga_needs_attention{type="${r.type}"} ${Number(r.count)}`),
      '# HELP saga_needs_attention_total Escalations to needs_attention since start, by reason code.',
      '# TYPE saga_needs_attention_total counter',
      ...[...this.escalations].map(([code, n]) => `saga_needs_attention_total{code="${code}"} ${n}`),
    ];
    return `${lines.join('\n')}\n`;
  }
}
