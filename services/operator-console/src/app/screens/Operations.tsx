import type { Schemas } from '@billing/client/gateway-client';
import { useState, type FormEvent } from 'react';
import { describeError, Empty, Load, ShortId, StatusBadge, Time } from '../components';
import { useLoad } from '../hooks';
import { Money } from '../money';
import { hrefOf } from '../route';
import type { Session } from '../session';
import { TransactionActions, type Investigation } from './TransactionActions';

type Queued = Schemas['TransactionSummary'] & { investigation: Investigation | null };
type FlagFilter = 'all' | 'flagged' | 'unflagged';
const FLAGGED: Record<FlagFilter, boolean | undefined> = { all: undefined, flagged: true, unflagged: false };

const LISTED_MAX = 50;
const REFRESH_MS = 10_000;

async function firstOf<T>(items: AsyncIterable<T>, max: number): Promise<T[]> {
  const list: T[] = [];
  for await (const item of items) {
    list.push(item);
    if (list.length >= max) break;
  }
  return list;
}

/** For admins: the transactions that need a person, what can be done about them, and account statuses. */
export function Operations({ session }: { session: Session }) {
  const [filter, setFilter] = useState<FlagFilter>('all');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const stuck = useLoad(
    () => firstOf(session.client.transactions.queue('stuck', undefined, FLAGGED[filter]), LISTED_MAX),
    [session, filter],
    REFRESH_MS,
  );
  const attention = useLoad(
    () =>
      firstOf(session.client.transactions.queue('needs_attention', undefined, FLAGGED[filter]), LISTED_MAX),
    [session, filter],
    REFRESH_MS,
  );
  const reload = () => {
    stuck.reload();
    attention.reload();
    // The read side applies the saga's answer a moment after the gateway relayed it.
    setTimeout(() => {
      stuck.reload();
      attention.reload();
    }, 1500);
  };
  const queue = (items: Queued[]) => (
    <Queue items={items} session={session} onDone={reload} onResult={setResult} />
  );
  return (
    <>
      <h1>Operations</h1>
      <p className="sub">
        <a href={hrefOf({ screen: 'dead-letters', state: '' })}>Dead letters</a>: messages the services could
        not handle, with their reasons, and replaying them.
      </p>
      <div className="toolbar">
        <label htmlFor="flag-filter">Show</label>
        <select id="flag-filter" value={filter} onChange={(e) => setFilter(e.target.value as FlagFilter)}>
          <option value="all">all</option>
          <option value="flagged">flagged for investigation only</option>
          <option value="unflagged">not flagged only</option>
        </select>
      </div>
      {result ? (
        <p className={result.ok ? 'notice ok' : 'notice error'} role="status" data-testid="operations-result">
          {result.text}
        </p>
      ) : null}
      <section aria-labelledby="stuck-title">
        <h2 id="stuck-title">Stuck transactions</h2>
        <p className="hint">
          Pending past their deadline. The orchestrator resends each step on its own a few times; retry the
          step when it gave up (a lost message), or flag the transaction for someone to investigate.
        </p>
        <Load value={stuck.value} onRetry={stuck.reload} label="stuck transactions">
          {(items) => (items.length === 0 ? <Empty>Nothing is stuck.</Empty> : queue(items))}
        </Load>
      </section>
      <section aria-labelledby="attention-title">
        <h2 id="attention-title">Needs attention</h2>
        <p className="hint">Sagas that could not finish on their own, with the reason.</p>
        <Load value={attention.value} onRetry={attention.reload} label="transactions needing attention">
          {(items) => (items.length === 0 ? <Empty>Nothing needs attention.</Empty> : queue(items))}
        </Load>
      </section>
      <AccountStatusForm session={session} />
    </>
  );
}

function Queue({
  items,
  session,
  onDone,
  onResult,
}: {
  items: Queued[];
  session: Session;
  onDone: () => void;
  onResult: (result: { ok: boolean; text: string }) => void;
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Transaction</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Investigation</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((t) => (
            <tr key={t.transactionId}>
              <td>
                <a href={hrefOf({ screen: 'transaction', id: t.transactionId })}>
                  <ShortId id={t.transactionId} />
                </a>
              </td>
              <td>{t.type.replace('_', ' ')}</td>
              <td className="num">
                <Money amount={t.amount} currency={t.currency} />
              </td>
              <td>
                <StatusBadge status={t.status} />
              </td>
              <td>
                {t.reason ? (
                  <>
                    <code>{t.reason.code}</code> {t.reason.detail}
                  </>
                ) : (
                  '–'
                )}
              </td>
              <td>
                {t.investigation ? (
                  <span className="flag" title={`by ${t.investigation.flaggedBy.id}`}>
                    Flagged: {t.investigation.note}
                  </span>
                ) : (
                  '–'
                )}
              </td>
              <td>
                <Time at={t.createdAt} />
              </td>
              <td>
                <TransactionActions
                  session={session}
                  transaction={t}
                  onDone={onDone}
                  onResult={onResult}
                  compact
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AccountStatusForm({ session }: { session: Session }) {
  const [accountId, setAccountId] = useState('');
  const [status, setStatus] = useState<'active' | 'suspended' | 'closed'>('suspended');
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      const answer = await session.client.accounts.changeStatus(
        accountId.trim(),
        { status, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        { waitSeconds: 5 },
      );
      setResult({
        ok: true,
        text:
          answer.status === 202 ? 'Accepted; the ledger has not decided yet.' : `Account is now ${status}.`,
      });
    } catch (err) {
      const { title, detail } = describeError(err);
      setResult({ ok: false, text: `${title}: ${detail}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="status-title">
      <h2 id="status-title">Change an account’s status</h2>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <label htmlFor="status-account">Account id</label>
        <input
          id="status-account"
          value={accountId}
          onChange={(e) => setAccountId(e.target.value)}
          required
        />
        <label htmlFor="status-new">New status</label>
        <select id="status-new" value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
          <option value="active">active</option>
          <option value="suspended">suspended</option>
          <option value="closed">closed (final; needs a zero balance)</option>
        </select>
        <label htmlFor="status-reason">Reason</label>
        <input id="status-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Change status'}
        </button>
        {result ? (
          <p className={result.ok ? 'notice ok' : 'notice error'} role="status">
            {result.text}
          </p>
        ) : null}
      </form>
      <p className="hint">Its effect shows on the account page.</p>
    </section>
  );
}
