import { readFileSync } from 'node:fs';
import path from 'node:path';
import '@billing/account-ledger/metrics/ledger-metrics';
import { REPO_ROOT } from '@billing/local-infra/services';
import { collectProcessMetrics, registeredMetricNames } from '@billing/platform/metrics';
import '@billing/projection-query/metrics/read-side-metrics';
import { SagaMetricsRegistry } from '@billing/saga-orchestrator/metrics/saga-metrics';
import { describe, expect, it } from 'vitest';

const DASHBOARD = path.join(REPO_ROOT, 'infra/observability/grafana/dashboards/billing-platform.json');

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** PromQL words that are not metric names: aggregation modifiers and binary operators. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
]);

/**
 * The metric names a PromQL expression reads: identifiers left once label matchers, ranges, grouping
 * clauses and strings are removed, that are neither a function call nor a keyword.
 */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name!) || /^\d/.test(name!)) continue;
    names.push(name!);
  }
  return names;
}

function panelsOf(list: Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[] };
  const queried = panelsOf(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, metrics: metricsIn(t.expr) })),
  );

  it('reads metric names out of PromQL, not functions, labels or keywords', () => {
    expect(
      metricsIn(
        'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{service=~"$service"}[$__rate_interval])))',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricsIn('sum by (t) (rate(a_total[5m])) / sum by (t) (rate(b_count{x="y"}[5m]))')).toEqual([
      'a_total',
      'b_count',
    ]);
  });

  it('parses, and every panel queries something', () => {
    expect(dashboard.uid).toBe('billing-platform');
    expect(queried.length).toBeGreaterThan(20);
    for (const q of queried) expect(q.metrics.length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
  });

  it('queries only metrics the services register, so it cannot drift from the code', async () => {
    collectProcessMetrics();
    new SagaMetricsRegistry();
    const registered = await registeredMetricNames();
    const missing = queried.flatMap((q) =>
      q.metrics.filter((m) => !registered.has(m)).map((m) => `${q.panel}: ${m}`),
    );
    expect(missing).toEqual([]);
  });
});
