import { describe, expect, it } from 'vitest';
import { scenarioCpu, type CpuReading } from './bench-report';
import { formatScenario, summarise } from './bench-summary';

const reading = (atMs: number, gatewayTicks: number): CpuReading => ({
  atMs,
  groups: new Map([['command-gateway', new Map([[42, gatewayTicks]])]]),
  machine: { busy: atMs / 50, total: atMs / 10 },
});

describe('a scenario summary', () => {
  const run = {
    samples: [
      { endMs: 200, latencyMs: 100, outcome: 'completed' },
      { endMs: 900, latencyMs: 300, outcome: 'completed' },
      { endMs: 1500, latencyMs: 200, outcome: 'failed' },
      { endMs: 1900, latencyMs: 400, outcome: 'completed' },
    ],
    outcomes: new Map([
      ['completed', 3],
      ['failed', 1],
    ]),
    seconds: 2,
  };
  const cpu = scenarioCpu(reading(0, 0), reading(2000, 60), 100, 3, ['command-gateway']);
  const summary = summarise('uniform', run, cpu, { 'command-gateway': 180 });

  it('counts completed calls apart from answered ones, per second and in percentiles of all calls', () => {
    expect(summary).toMatchObject({
      answered: 4,
      completed: 3,
      answeredPerSecond: 2,
      completedPerSecond: 1.5,
      latencyMs: { p50: 200, p95: 400, p99: 400 },
      outcomes: { completed: 3, failed: 1 },
    });
    expect(summary.timeSeries.map((b) => [b.answered, b.completed])).toEqual([
      [2, 2],
      [2, 1],
    ]);
  });

  it('prints the rates, a CPU row per process with cores and ms per completed call, and the series', () => {
    const lines = formatScenario(summary, 2);
    expect(lines[0]).toMatch(
      /^uniform +1\.5\/s completed \(2\.0\/s answered\) +p50 200 ms +p95 400 ms +p99 400 ms/,
    );
    expect(lines.find((l) => l.includes('command-gateway'))).toMatch(/0\.60 +0\.30 +200\.00/);
    expect(lines.find((l) => l.trim().startsWith('total'))).toMatch(
      /0\.60 +0\.30 +200\.00 +\(command-gateway\)/,
    );
    expect(lines).toContain("  machine: 0.20 of 2 cores busy over 2.0 s, every user's processes included");
    expect(lines.at(-1)).toBe('  per 1 s bucket: completed 2 1 | p50 ms 100 200 | p99 ms 300 400');
  });
});
