import type { Schemas } from '@billing/client/gateway-client';
import { fromMinor, toMinor } from '@billing/client/money';
import { useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Empty, LiveBadge, Load, ShortId, shortText, StatusBadge, Time } from '../components';
import { useLiveEvents, useLoad } from '../hooks';
import { Money, useScale } from '../money';
import { hrefOf } from '../route';
import type { Session } from '../session';
import { statementCsv } from '../statement-csv';

const DAY_MS = 86_400_000;
const dateOnly = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One account: balances, open holds, balance over time, its statement, recent transactions and live events. */
export function AccountPage({ session, id }: { session: Session; id: string }) {
  const account = useLoad(() => session.client.accounts.get(id), [session, id]);
  const [range, setRange] = useState({
    from: dateOnly(Date.now() - 30 * DAY_MS),
    to: dateOnly(Date.now() + DAY_MS),
  });
  const statement = useLoad(
    () => session.client.accounts.statement(id, range),
    [session, id, range.from, range.to],
  );
  const recent = useLoad(async () => {
    const items: Schemas['TransactionSummary'][] = [];
    for await (const t of session.client.accounts.transactions(id, { limit: 20 })) {
      items.push(t);
      if (items.length >= 20) break;
    }
    return items;
  }, [session, id]);
  const live = useLiveEvents(
    (signal, onOpen) => session.client.events({ accountId: id }, { signal, onOpen }),
    [session, id],
    () => {
      account.reload();
      statement.reload();
      recent.reload();
    },
  );

  return (
    <Load value={account.value} onRetry={account.reload} label="account">
      {(a) => (
        <>
          <h1>
            Account <ShortId id={a.id} /> <StatusBadge status={a.status} />
          </h1>
          <p className="sub">
            {a.type} account of <strong>{a.ownerId}</strong> ({a.ownerType}) in {a.currency}, opened{' '}
            <Time at={a.createdAt} />
          </p>
          <section className="cards" aria-label="Balances">
            <div className="card">
              <span className="figure-label">Balance</span>
              <span className="figure-value" data-testid="balance">
                <Money amount={a.balance} currency={a.currency} />
              </span>
            </div>
            <div className="card">
              <span className="figure-label">Available</span>
              <span className="figure-value" data-testid="available">
                <Money amount={a.availableBalance} currency={a.currency} />
              </span>
              <span className="figure-note">
                {a.openHoldCount} open hold{a.openHoldCount === 1 ? '' : 's'},{' '}
                <Money amount={a.heldAmount} currency={a.currency} /> held
              </span>
            </div>
          </section>
          <div className="columns">
            <section aria-labelledby="chart-title">
              <h2 id="chart-title">Balance over time</h2>
              <Load value={statement.value} onRetry={statement.reload} label="statement">
                {(s) => <BalanceChart statement={s} openedAt={a.createdAt} />}
              </Load>
            </section>
            <section aria-labelledby="live-title">
              <h2 id="live-title">
                Live events <LiveBadge status={live.status} />
              </h2>
              {live.events.length === 0 ? (
                <Empty>No events since you opened this page.</Empty>
              ) : (
                <ol className="feed" aria-live="polite" data-testid="account-feed">
                  {live.events.map((e, i) => (
                    <li key={e.id ?? i}>
                      <strong>{e.type}</strong> <Time at={e.occurredAt} />
                      {typeof e.data.transactionId === 'string' ? (
                        <>
                          {' '}
                          ·{' '}
                          <a href={hrefOf({ screen: 'transaction', id: e.data.transactionId })}>
                            transaction <ShortId id={e.data.transactionId} />
                          </a>
                        </>
                      ) : null}
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </div>
          <section aria-labelledby="holds-title">
            <h2 id="holds-title">Open holds</h2>
            {a.openHolds.length === 0 ? (
              <Empty>No open holds.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Hold</th>
                    <th scope="col">Transaction</th>
                    <th scope="col" className="num">
                      Amount
                    </th>
                    <th scope="col">Placed</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {a.openHolds.map((h) => (
                    <tr key={h.holdId}>
                      <td>
                        <ShortId id={h.holdId} />
                      </td>
                      <td>
                        <a href={hrefOf({ screen: 'transaction', id: h.transactionId })}>
                          <ShortId id={h.transactionId} />
                        </a>
                      </td>
                      <td className="num">
                        <Money amount={h.amount} currency={a.currency} />
                      </td>
                      <td>
                        <Time at={h.placedAt} />
                      </td>
                      <td>
                        <Time at={h.expiresAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="recent-title">
            <h2 id="recent-title">Recent transactions</h2>
            <Load value={recent.value} onRetry={recent.reload} label="transactions">
              {(items) =>
                items.length === 0 ? (
                  <Empty>No transactions yet.</Empty>
                ) : (
                  <TransactionTable items={items} accountId={a.id} />
                )
              }
            </Load>
          </section>
          <section aria-labelledby="statement-title">
            <h2 id="statement-title">Statement</h2>
            <form className="range" onSubmit={(e) => e.preventDefault()}>
              <label htmlFor="from">From</label>
              <input
                id="from"
                type="date"
                value={range.from}
                onChange={(e) => e.target.value && setRange((r) => ({ ...r, from: e.target.value }))}
              />
              <label htmlFor="to">To (exclusive)</label>
              <input
                id="to"
                type="date"
                value={range.to}
                onChange={(e) => e.target.value && setRange((r) => ({ ...r, to: e.target.value }))}
              />
            </form>
            <Load value={statement.value} onRetry={statement.reload} label="statement">
              {(s) => <StatementView statement={s} />}
            </Load>
          </section>
        </>
      )}
    </Load>
  );
}

function TransactionTable({
  items,
  accountId,
}: {
  items: Schemas['TransactionSummary'][];
  accountId: string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Transaction</th>
            <th scope="col">Type</th>
            <th scope="col">Direction</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.transactionId}>
              <td>
                <a
                  href={hrefOf({ screen: 'transaction', id: t.transactionId })}
                  aria-label={`Transaction ${shortText(t.transactionId)}`}
                >
                  <ShortId id={t.transactionId} />
                </a>
              </td>
              <td>{t.type.replace('_', ' ')}</td>
              <td>{t.destinationAccountId === accountId ? 'in' : 'out'}</td>
              <td className="num">
                <Money amount={t.amount} currency={t.currency} />
              </td>
              <td>
                <StatusBadge status={t.status} />
              </td>
              <td>
                <Time at={t.createdAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The running balance after each posting; geometry in minor units, labels from the exact strings. */
function BalanceChart({ statement, openedAt }: { statement: Schemas['Statement']; openedAt: string }) {
  const scale = useScale(statement.currency);
  const points = useMemo(() => {
    const point = (at: string, balance: string) => ({
      at: new Date(at).getTime(),
      minor: Number(toMinor(balance, scale)),
      label: balance,
    });
    const lines = statement.lines.map((l) => point(l.postedAt, l.balanceAfter));
    if (lines.length === 0) return lines;
    // The opening balance from the range start (or the opening, if later) and the closing one up to now.
    const from =
      statement.from === null
        ? openedAt
        : new Date(Math.max(Date.parse(statement.from), Date.parse(openedAt))).toISOString();
    const first = new Date(
      Math.min(Date.parse(from), Date.parse(statement.lines[0]!.postedAt)),
    ).toISOString();
    const end = new Date(Math.min(Date.parse(statement.to), Date.now())).toISOString();
    return [point(first, statement.openingBalance), ...lines, point(end, statement.closingBalance)];
  }, [statement, scale, openedAt]);
  if (points.length === 0) return <Empty>No postings in this range.</Empty>;
  const spanMs = points.at(-1)!.at - points[0]!.at;
  const tick = (v: number) =>
    spanMs < 2 * DAY_MS
      ? new Date(v).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
      : new Date(v).toLocaleDateString();
  const label = (minor: number) => fromMinor(BigInt(Math.round(minor)), scale);
  return (
    <div
      className="chart"
      role="img"
      aria-label={`Balance from ${statement.openingBalance} to ${statement.closingBalance} ${statement.currency}`}
    >
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={tick}
          />
          <YAxis tickFormatter={label} width={80} />
          <Tooltip
            labelFormatter={(v) => new Date(Number(v)).toLocaleString()}
            formatter={(_v, _n, item) => [
              `${(item.payload as { label: string }).label} ${statement.currency}`,
              'Balance',
            ]}
          />
          <Line type="stepAfter" dataKey="minor" stroke="#0b5cad" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

function StatementView({ statement }: { statement: Schemas['Statement'] }) {
  const href = useMemo(
    () => URL.createObjectURL(new Blob([statementCsv(statement)], { type: 'text/csv;charset=utf-8' })),
    [statement],
  );
  return (
    <>
      <p>
        Opening <Money amount={statement.openingBalance} currency={statement.currency} />, closing{' '}
        <Money amount={statement.closingBalance} currency={statement.currency} />, {statement.lines.length}{' '}
        posting
        {statement.lines.length === 1 ? '' : 's'}
        {statement.truncated ? ' (truncated: narrow the range for the rest)' : ''}.{' '}
        <a className="button" href={href} download={`statement-${statement.accountId}.csv`}>
          Download CSV
        </a>
      </p>
      {statement.lines.length === 0 ? (
        <Empty>No postings in this range.</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Posted</th>
                <th scope="col">Transaction</th>
                <th scope="col">Step</th>
                <th scope="col" className="num">
                  Debit
                </th>
                <th scope="col" className="num">
                  Credit
                </th>
                <th scope="col" className="num">
                  Balance after
                </th>
              </tr>
            </thead>
            <tbody>
              {statement.lines.map((l) => (
                <tr key={`${l.version}`}>
                  <td>
                    <Time at={l.postedAt} />
                  </td>
                  <td>
                    <a href={hrefOf({ screen: 'transaction', id: l.transactionId })}>
                      <ShortId id={l.transactionId} />
                    </a>{' '}
                    {l.transactionType}
                  </td>
                  <td>{l.step}</td>
                  <td className="num">
                    {l.side === 'debit' ? <Money amount={l.amount} currency={statement.currency} /> : ''}
                  </td>
                  <td className="num">
                    {l.side === 'credit' ? <Money amount={l.amount} currency={statement.currency} /> : ''}
                  </td>
                  <td className="num">
                    <Money amount={l.balanceAfter} currency={statement.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
