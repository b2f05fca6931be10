import { describe, expect, it } from 'vitest';
import { escapeXml, niceTicks, renderChart } from './bench-chart';
import type { Bucket } from './bench-report';

const aBucket = (second: number, overrides: Partial<Bucket> = {}): Bucket => ({
  second,
  seconds: 1,
  answered: 10,
  completed: 9,
  p50Ms: 40,
  p99Ms: 120,
  ...overrides,
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten from zero to at least the maximum', () => {
    expect(niceTicks(9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0.42)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
  });

  it('gives a unit axis when there is nothing to show', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 1]);
  });
});

describe('renderChart', () => {
  const svg = renderChart(
    'bench run x',
    ['an example', 'uniform 5 s'],
    [
      { name: 'uniform', buckets: [aBucket(0), aBucket(1, { p50Ms: null, p99Ms: null }), aBucket(2)] },
      { name: 'reads', buckets: [aBucket(0, { completed: 400 })] },
    ],
  );

  it('is one SVG document with a title, and a throughput and a latency panel per scenario', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('bench run x');
    for (const title of ['uniform: throughput', 'uniform: latency', 'reads: throughput', 'reads: latency'])
      expect(svg).toContain(title);
  });

  it('labels the axes and has a legend entry for every line', () => {
    expect(svg).toContain('seconds since the scenario started');
    expect(svg).toContain('calls per second');
    expect(svg).toContain('milliseconds');
    for (const label of ['completed/s', 'answered/s', '>p50<', '>p99<']) expect(svg).toContain(label);
  });

  it('breaks a latency line where a second had no answers instead of drawing through it', () => {
    const p99Paths = [...svg.matchAll(/<path d="([^"]+)" stroke="#d62728"/g)].map((m) => m[1]!);
    // uniform's p99 has two separate segments (a move for each), reads' one.
    expect(p99Paths.map((d) => d.split('M').length - 1)).toEqual([2, 1]);
  });

  it('scales the throughput axis to the largest rate, a short last bucket counted per second', () => {
    expect(svg).toMatch(/>400</);
    const short = renderChart(
      't',
      [],
      [{ name: 'u', buckets: [aBucket(0, { seconds: 0.5, completed: 900 })] }],
    );
    expect(short).toMatch(/>2000</);
  });

  it('leaves out the rate of a last bucket shorter than half a second instead of extrapolating it', () => {
    const svg = renderChart(
      't',
      [],
      [{ name: 'u', buckets: [aBucket(0), aBucket(1, { seconds: 0.1, completed: 5, answered: 5 })] }],
    );
    const completed = /<path d="([^"]+)" stroke="#1f77b4"/.exec(svg)![1]!;
    expect(completed.split(/[ML]/).filter(Boolean)).toHaveLength(1);
    // Drawn, the sliver's 50/s would stretch the throughput axis to 0, 10, ... 50.
    expect(svg).not.toMatch(/>40</);
  });

  it('writes every subtitle line', () => {
    expect(svg).toContain('>an example<');
    expect(svg).toContain('>uniform 5 s<');
  });

  it('escapes text so a name cannot break the document', () => {
    expect(escapeXml('a<b & "c"')).toBe('a&#60;b &#38; &#34;c&#34;');
    expect(renderChart('<x>', [], [])).toContain('&#60;x&#62;');
  });
});
