import { isZeroAmount } from '@billing/client/money';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty, Load } from '../components';
import { useLoad } from '../hooks';
import { Money } from '../money';
import { hrefOf } from '../route';
import type { Session } from '../session';

/** How often the overview asks again: the activity is per minute, so a few seconds is live enough. */
const REFRESH_MS = 5_000;
const WINDOW_MINUTES = 30;

const SERIES = [
  { key: 'completed', label: 'Completed', color: '#1a7f37' },
  { key: 'failed', label: 'Failed', color: '#c62828' },
  { key: 'reversed', label: 'Reversed', color: '#8a4b00' },
  { key: 'needsAttention', label: 'Needs attention', color: '#6f42c1' },
  { key: 'pending', label: 'Pending', color: '#5c6b7a' },
] as const;

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function Overview({ session }: { session: Session }) {
  const activity = useLoad(() => session.client.reports.activity(WINDOW_MINUTES), [session], REFRESH_MS);
  const trial = useLoad(() => session.client.reports.trialBalance(), [session], REFRESH_MS);

  return (
    <>
      <h1>Overview</h1>
      <Load value={activity.value} onRetry={activity.reload} label="activity">
        {(a) => {
          const last = a.perMinute.at(-1);
          const lastFive = a.perMinute.slice(-5).reduce((n, m) => n + m.created, 0);
          const rows = a.perMinute.map((m) => ({ ...m, time: clock(m.minute) }));
          return (
            <>
              <section className="cards" aria-label="Key figures">
                <Figure label="Transactions this minute" value={String(last?.created ?? 0)} />
                <Figure label="Per minute, last 5 min" value={(lastFive / 5).toFixed(1)} />
                <Figure
                  label="Completion latency p50 / p95"
                  value={a.latencyMs.p50 === null ? '–' : `${a.latencyMs.p50} / ${a.latencyMs.p95} ms`}
                  note={`${a.latencyMs.count} completed, max ${a.latencyMs.max ?? '–'} ms`}
                />
                <Figure
                  label="Stuck transactions"
                  value={String(a.stuck)}
                  tone={a.stuck > 0 ? 'bad' : 'good'}
                  note={`pending past ${Math.round(a.stuckAfterMs / 1000)} s; ${a.pending} pending`}
                  href={a.stuck > 0 ? hrefOf({ screen: 'operations' }) : undefined}
                  testId="stuck-count"
                />
                <Figure
                  label="Need attention"
                  value={String(a.needsAttention)}
                  tone={a.needsAttention > 0 ? 'bad' : 'good'}
                  href={a.needsAttention > 0 ? hrefOf({ screen: 'operations' }) : undefined}
                />
              </section>
              <section aria-labelledby="outcomes-title">
                <h2 id="outcomes-title">Transactions per minute by outcome (last {WINDOW_MINUTES} min)</h2>
                <div
                  className="chart"
                  role="img"
                  aria-label={`Bar chart of transactions per minute; ${lastFive} in the last five minutes`}
                >
                  <ResponsiveContainer width="100%" height={260}>
                    <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="time" interval="preserveStartEnd" minTickGap={24} />
                      <YAxis allowDecimals={false} />
                      <Tooltip />
                      <Legend />
                      {SERIES.map((s) => (
                        <Bar
                          key={s.key}
                          dataKey={s.key}
                          name={s.label}
                          stackId="outcome"
                          fill={s.color}
                          isAnimationActive={false}
                        />
                      ))}
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              </section>
            </>
          );
        }}
      </Load>
      <section aria-labelledby="trial-title">
        <h2 id="trial-title">Trial balance</h2>
        <Load value={trial.value} onRetry={trial.reload} label="trial balance">
          {(t) =>
            t.currencies.length === 0 ? (
              <Empty>No postings yet.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Currency</th>
                    <th scope="col" className="num">
                      Debits
                    </th>
                    <th scope="col" className="num">
                      Credits
                    </th>
                    <th scope="col" className="num">
                      Net
                    </th>
                    <th scope="col">Books</th>
                  </tr>
                </thead>
                <tbody>
                  {t.currencies.map((c) => {
                    const balanced = isZeroAmount(c.net);
                    return (
                      <tr key={c.currency}>
                        <th scope="row">{c.currency}</th>
                        <td className="num">
                          <Money amount={c.debits} currency={c.currency} />
                        </td>
                        <td className="num">
                          <Money amount={c.credits} currency={c.currency} />
                        </td>
                        <td className="num">
                          <Money amount={c.net} currency={c.currency} />
                        </td>
                        <td>
                          <span
                            className={balanced ? 'badge ok' : 'badge bad'}
                            data-testid={`books-${c.currency}`}
                          >
                            {balanced ? 'Books balance' : 'Books do not balance'}
                          </span>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )
          }
        </Load>
      </section>
    </>
  );
}

function Figure(props: {
  label: string;
  value: string;
  note?: string;
  tone?: 'good' | 'bad';
  href?: string;
  testId?: string;
}) {
  const body = (
    <>
      <span className="figure-label">{props.label}</span>
      <span className="figure-value" data-testid={props.testId}>
        {props.value}
      </span>
      {props.note ? <span className="figure-note">{props.note}</span> : null}
    </>
  );
  return (
    <div className={`card ${props.tone ?? ''}`}>{props.href ? <a href={props.href}>{body}</a> : body}</div>
  );
}
