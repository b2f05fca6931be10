import type { Schemas } from '@billing/client/gateway-client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { describeError, Empty, ErrorBox, Load, Time } from '../components';
import {
  isReplayState,
  originOf,
  prettyPayload,
  replayOffer,
  REPLAY_STATES,
  STATE_LABELS,
  type DeadLetterSummary,
} from '../dead-letters';
import { useLoad } from '../hooks';
import { hrefOf } from '../route';
import type { Session } from '../session';

type Page = Schemas['DeadLetterPage'];
type Details = Schemas['DeadLetterDetails'];

const PAGE_SIZE = 50;
const LIST_REFRESH_MS = 10_000;
/** The detail page follows a replay until the service has answered. */
const DETAIL_REFRESH_MS = 2_000;

function StateBadge({ state }: { state: DeadLetterSummary['replayState'] }) {
  const tone = state === 'replayed' ? 'ok' : state === 'failed' ? 'bad' : '';
  return (
    <span className={`badge ${tone}`} data-state={state}>
      {STATE_LABELS[state]}
    </span>
  );
}

/** The dead letters, newest first, filtered by replay state, error code and consumer group. */
export function DeadLetters({ session, state }: { session: Session; state: string }) {
  const [errorCode, setErrorCode] = useState('');
  const [consumerGroup, setConsumerGroup] = useState('');
  const [applied, setApplied] = useState({ errorCode: '', consumerGroup: '' });
  const [more, setMore] = useState<Page['items']>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  const query = {
    limit: PAGE_SIZE,
    ...(isReplayState(state) ? { state } : {}),
    ...(applied.errorCode ? { errorCode: applied.errorCode } : {}),
    ...(applied.consumerGroup ? { consumerGroup: applied.consumerGroup } : {}),
  };
  const first = useLoad(
    () => session.client.deadLetters.page(query),
    [session, state, applied.errorCode, applied.consumerGroup],
    LIST_REFRESH_MS,
  );
  useEffect(() => {
    setMore([]);
    setCursor(null);
  }, [session, state, applied.errorCode, applied.consumerGroup]);

  function apply(event: FormEvent) {
    event.preventDefault();
    setApplied({ errorCode: errorCode.trim(), consumerGroup: consumerGroup.trim() });
  }

  async function loadMore(after: string) {
    setMoreError(null);
    try {
      const page = await session.client.deadLetters.page({ ...query, cursor: after });
      setMore((items) => [...items, ...page.items]);
      setCursor(page.nextCursor ?? null);
    } catch (err) {
      setMoreError(err);
    }
  }

  return (
    <>
      <p className="sub">
        <a href={hrefOf({ screen: 'operations' })}>Operations</a> › Dead letters
      </p>
      <h1>Dead letters</h1>
      <p className="hint">
        Messages a service could not handle, newest first. Replaying one asks the service that refused it to
        read the original again and feed it through the same handler; a message applied before is never
        applied twice.
      </p>
      <form className="search" onSubmit={apply} aria-label="Filter dead letters">
        <label htmlFor="dl-state">Replay state</label>
        <select
          id="dl-state"
          value={isReplayState(state) ? state : ''}
          onChange={(e) => (window.location.hash = hrefOf({ screen: 'dead-letters', state: e.target.value }))}
        >
          <option value="">any</option>
          {REPLAY_STATES.map((s) => (
            <option key={s} value={s}>
              {STATE_LABELS[s]}
            </option>
          ))}
        </select>
        <label htmlFor="dl-code">Error code</label>
        <input
          id="dl-code"
          value={errorCode}
          placeholder="e.g. MESSAGE.UNKNOWN_VERSION"
          onChange={(e) => setErrorCode(e.target.value)}
        />
        <label htmlFor="dl-group">Consumer group</label>
        <input id="dl-group" value={consumerGroup} onChange={(e) => setConsumerGroup(e.target.value)} />
        <button type="submit">Filter</button>
      </form>
      <Load value={first.value} onRetry={first.reload} label="dead letters">
        {(page) => {
          const items = [...page.items, ...more];
          const next = more.length > 0 ? cursor : (page.nextCursor ?? null);
          if (items.length === 0)
            return (
              <Empty>
                No dead letters
                {isReplayState(state) || applied.errorCode || applied.consumerGroup
                  ? ' match these filters'
                  : ': every message was handled'}
                .
              </Empty>
            );
          return (
            <>
              <DeadLetterTable items={items} />
              {moreError ? <ErrorBox error={moreError} /> : null}
              {next ? (
                <button type="button" className="secondary" onClick={() => void loadMore(next)}>
                  Load more
                </button>
              ) : null}
            </>
          );
        }}
      </Load>
    </>
  );
}

/** Table regions are focusable: one wider than a phone scrolls sideways from the keyboard too. */
function DeadLetterTable({ items }: { items: Page['items'] }) {
  return (
    <div
      className="table-wrap"
      tabIndex={0}
      role="region"
      aria-label="Dead letters (scrolls sideways on narrow screens)"
    >
      <table data-testid="dead-letters">
        <caption className="visually-hidden">Dead letters, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Dead-lettered</th>
            <th scope="col">Message</th>
            <th scope="col">From</th>
            <th scope="col">Reason</th>
            <th scope="col">Replay</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id}>
              <td>
                <a href={hrefOf({ screen: 'dead-letter', id: d.id })} aria-label={`Dead letter ${d.id}`}>
                  <code>{d.id}</code>
                </a>
              </td>
              <td>
                <Time at={d.deadLetteredAt} />
              </td>
              <td>{d.messageType ?? 'unknown'}</td>
              <td className="wrap">
                <code>{d.consumerGroup ?? '?'}</code>
                <br />
                <code className="offset">{originOf(d)}</code>
              </td>
              <td className="wrap">
                <code>{d.errorCode ?? '?'}</code> {d.errorDetail}
              </td>
              <td>
                <StateBadge state={d.replayState} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One dead letter: where it came from, why, the payload and headers, its replays, and replaying it. */
export function DeadLetterPage({ session, id }: { session: Session; id: string }) {
  const dead = useLoad(() => session.client.deadLetters.get(id), [session, id], DETAIL_REFRESH_MS);
  return (
    <>
      <p className="sub">
        <a href={hrefOf({ screen: 'operations' })}>Operations</a> ›{' '}
        <a href={hrefOf({ screen: 'dead-letters', state: '' })}>Dead letters</a> › {id}
      </p>
      <Load value={dead.value} onRetry={dead.reload} label="dead letter">
        {(d) => <DeadLetterView d={d} session={session} onReplayed={dead.reload} />}
      </Load>
    </>
  );
}

function DeadLetterView({
  d,
  session,
  onReplayed,
}: {
  d: Details;
  session: Session;
  onReplayed: () => void;
}) {
  const payload = prettyPayload(d.value);
  return (
    <>
      <h1>
        Dead letter <code>{d.id}</code>{' '}
        <span data-testid="dl-state">
          <StateBadge state={d.replayState} />
        </span>
      </h1>
      <div className="notice error" role="note" data-testid="dl-reason">
        <strong>{d.errorCode ?? 'No error code'}</strong>
        <p>{d.errorDetail ?? 'No detail was recorded.'}</p>
      </div>
      <dl className="facts">
        <dt>Dead-lettered</dt>
        <dd>
          <Time at={d.deadLetteredAt} />
        </dd>
        <dt>Message</dt>
        <dd>
          {d.messageType ?? 'unknown type'} <code>{d.messageId ?? 'no message id'}</code>
        </dd>
        <dt>Consumer group</dt>
        <dd>
          <code>{d.consumerGroup ?? 'unknown'}</code>
        </dd>
        <dt>From</dt>
        <dd>
          <code>{originOf(d)}</code>
        </dd>
        <dt>Key</dt>
        <dd>
          <code>{d.key ?? '(none)'}</code>
        </dd>
      </dl>
      <ReplaySection d={d} session={session} onReplayed={onReplayed} />
      <section aria-labelledby="dl-payload-title">
        <h2 id="dl-payload-title">
          Payload {payload.json ? null : <span className="hint">(not JSON)</span>}
        </h2>
        <pre className="payload" tabIndex={0} aria-label="Payload" data-testid="dl-payload">
          {payload.text}
        </pre>
      </section>
      <section aria-labelledby="dl-headers-title">
        <h2 id="dl-headers-title">Headers</h2>
        <div
          className="table-wrap"
          tabIndex={0}
          role="region"
          aria-label="Headers (scrolls sideways on narrow screens)"
        >
          <table>
            <thead>
              <tr>
                <th scope="col">Header</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(d.headers).map(([k, v]) => (
                <tr key={k}>
                  <td>
                    <code>{k}</code>
                  </td>
                  <td>
                    <code>{v}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function ReplaySection({ d, session, onReplayed }: { d: Details; session: Session; onReplayed: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  // One key per confirmation: a retry of the same click (a lost answer) is the same replay.
  const key = useRef<string | null>(null);
  const offer = replayOffer(d);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  function cancel() {
    setConfirming(false);
    openRef.current?.focus();
  }

  async function replay() {
    setBusy(true);
    setResult(null);
    key.current ??= `console-replay-${crypto.randomUUID()}`;
    try {
      await session.client.deadLetters.replay(d.id, { idempotencyKey: key.current });
      setResult({ ok: true, text: `Replay requested from ${d.replayService}; its outcome appears below.` });
      key.current = null;
      setConfirming(false);
      onReplayed();
    } catch (err) {
      const { title, detail } = describeError(err);
      setResult({ ok: false, text: `${title}: ${detail}` });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="dl-replay-title">
      <h2 id="dl-replay-title">Replay</h2>
      {offer.offered ? (
        confirming ? (
          <div
            className="confirm"
            role="alertdialog"
            aria-labelledby="dl-confirm-title"
            aria-describedby="dl-confirm-text"
            onKeyDown={(e) => {
              if (e.key === 'Escape') cancel();
            }}
          >
            <p id="dl-confirm-title">
              <strong>Replay dead letter {d.id}?</strong>
            </p>
            <p id="dl-confirm-text">
              {d.replayService} reads the original from <code>{originOf(d)}</code> and feeds it through the
              handler of <code>{d.consumerGroup}</code> again. If it was applied before, nothing changes.
            </p>
            <button ref={confirmRef} type="button" disabled={busy} onClick={() => void replay()}>
              {busy ? 'Asking…' : 'Replay'}
            </button>{' '}
            <button type="button" className="secondary" disabled={busy} onClick={cancel}>
              Cancel
            </button>
          </div>
        ) : (
          <button ref={openRef} type="button" onClick={() => setConfirming(true)}>
            Replay…
          </button>
        )
      ) : (
        <p className="hint" data-testid="dl-not-replayable">
          {offer.why}
        </p>
      )}
      {result ? (
        <p className={result.ok ? 'notice ok' : 'notice error'} role="status">
          {result.text}
        </p>
      ) : null}
      {d.replays.length === 0 ? (
        <Empty>Not replayed yet.</Empty>
      ) : (
        <div
          className="table-wrap"
          tabIndex={0}
          role="region"
          aria-label="Replays (scrolls sideways on narrow screens)"
        >
          <table data-testid="dl-replays">
            <caption className="visually-hidden">Replays, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Requested</th>
                <th scope="col">By</th>
                <th scope="col">Outcome</th>
                <th scope="col">Answered</th>
              </tr>
            </thead>
            <tbody>
              {d.replays.map((r) => (
                <tr key={r.replayId}>
                  <td>{r.requestedAt ? <Time at={r.requestedAt} /> : '–'}</td>
                  <td>
                    <code>{r.requestedBy ?? '?'}</code>
                  </td>
                  <td className="wrap">
                    {r.outcome === null ? (
                      'waiting for the service'
                    ) : r.outcome === 'replayed' ? (
                      <span className="badge ok">replayed</span>
                    ) : (
                      <>
                        <span className="badge bad">failed</span> <code>{r.code}</code> {r.detail}
                      </>
                    )}
                  </td>
                  <td>{r.completedAt ? <Time at={r.completedAt} /> : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
