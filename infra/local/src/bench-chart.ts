import type { Bucket } from './bench-report';

/**
 * The chart of `npm run bench`: one row per scenario, throughput on the left and latency (p50, p99) on
 * the right, both over the scenario's seconds. Plain SVG text, so it needs no browser or image library
 * and can be read in any viewer or diffed.
 */
export interface ChartScenario {
  name: string;
  buckets: readonly Bucket[];
}

interface Series {
  label: string;
  color: string;
  dash?: string;
  values: readonly (number | null)[];
}

const WIDTH = 960;
const ROW_HEIGHT = 240;
const TITLE_HEIGHT = 30;
const LINE_HEIGHT = 16;
const PANEL = { left: 64, right: 16, top: 34, bottom: 38 };
const COLORS = { completed: '#1f77b4', answered: '#9ecae1', p50: '#2ca02c', p99: '#d62728' };

/** Round axis ticks from 0 to at least `max`: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** SVG path data of one series; a null value ends the current segment, so gaps stay gaps. */
function pathOf(
  values: readonly (number | null)[],
  x: (i: number) => number,
  y: (v: number) => number,
): string {
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) return void (pen = false);
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

function panel(
  originX: number,
  originY: number,
  width: number,
  title: string,
  yLabel: string,
  series: readonly Series[],
): string {
  const plotW = width - PANEL.left - PANEL.right;
  const plotH = ROW_HEIGHT - PANEL.top - PANEL.bottom;
  const n = Math.max(...series.map((s) => s.values.length), 1);
  const yMax = Math.max(0, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const yTicks = niceTicks(yMax);
  const top = yTicks.at(-1)!;
  const x0 = originX + PANEL.left;
  const y0 = originY + PANEL.top + plotH;
  // A bucket's value is drawn at the middle of its second.
  const x = (i: number) => x0 + ((i + 0.5) / n) * plotW;
  const y = (v: number) => y0 - (v / top) * plotH;
  const out: string[] = [];
  out.push(`<text x="${x0}" y="${originY + 16}" class="title">${escapeXml(title)}</text>`);
  for (const t of yTicks) {
    out.push(
      `<line x1="${x0}" x2="${x0 + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid"/>`,
    );
    out.push(`<text x="${x0 - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(n, 6).filter((t) => t <= n)) {
    const tx = x0 + (t / n) * plotW;
    out.push(`<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${y0}" y2="${y0 + 4}" class="axis"/>`);
    out.push(`<text x="${tx.toFixed(1)}" y="${y0 + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<line x1="${x0}" x2="${x0 + plotW}" y1="${y0}" y2="${y0}" class="axis"/>`);
  out.push(`<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y0 - plotH}" class="axis"/>`);
  out.push(
    `<text x="${x0 + plotW / 2}" y="${y0 + 32}" text-anchor="middle">seconds since the scenario started</text>`,
  );
  const midY = y0 - plotH / 2;
  out.push(
    `<text x="${originX + 14}" y="${midY}" text-anchor="middle" transform="rotate(-90 ${originX + 14} ${midY})">${escapeXml(yLabel)}</text>`,
  );
  for (const s of series) {
    const d = pathOf(s.values, x, y);
    if (d)
      out.push(
        `<path d="${d}" stroke="${s.color}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} class="line"/>`,
      );
  }
  // The legend runs along the title's line, right-aligned, so it never hides a line of the plot.
  const itemWidth = 100;
  series.forEach((s, i) => {
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const lx = x0 + plotW - (series.length - i) * itemWidth;
    const ly = originY + 16;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}"${dash} class="line"/>`,
    );
    out.push(`<text x="${lx + 28}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  return out.join('\n');
}

/** The whole chart: a title, lines of subtitle (what the run was, its settings), then one row per scenario. */
export function renderChart(
  title: string,
  subtitle: readonly string[],
  scenarios: readonly ChartScenario[],
): string {
  const header = TITLE_HEIGHT + subtitle.length * LINE_HEIGHT + 8;
  const height = header + Math.max(1, scenarios.length) * ROW_HEIGHT;
  const half = WIDTH / 2;
  const rows = scenarios.map((s, i) => {
    const y = header + i * ROW_HEIGHT;
    // Rates per second of each bucket, so a last bucket cut short by the scenario's end is not a dip;
    // one shorter than half a second is left out, as a few calls in a sliver would make a spike.
    const rate = (count: number, seconds: number) => (seconds >= 0.5 ? count / seconds : null);
    const throughput = panel(0, y, half, `${s.name}: throughput`, 'calls per second', [
      {
        label: 'completed/s',
        color: COLORS.completed,
        values: s.buckets.map((b) => rate(b.completed, b.seconds)),
      },
      {
        label: 'answered/s',
        color: COLORS.answered,
        dash: '4 3',
        values: s.buckets.map((b) => rate(b.answered, b.seconds)),
      },
    ]);
    const latency = panel(half, y, half, `${s.name}: latency per call`, 'milliseconds', [
      { label: 'p50', color: COLORS.p50, values: s.buckets.map((b) => b.p50Ms) },
      { label: 'p99', color: COLORS.p99, values: s.buckets.map((b) => b.p99Ms) },
    ]);
    return `${throughput}\n${latency}`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    '<style>.title{font-size:13px;font-weight:bold}.grid{stroke:#e5e5e5}.axis{stroke:#333}.line{fill:none;stroke-width:1.8}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...subtitle.map(
      (line, i) => `<text x="16" y="${TITLE_HEIGHT + 12 + i * LINE_HEIGHT}">${escapeXml(line)}</text>`,
    ),
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
