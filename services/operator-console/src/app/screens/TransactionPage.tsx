import type { Schemas } from '@billing/client/gateway-client';
import { Empty, LiveBadge, Load, ShortId, StatusBadge, Time } from '../components';
import { useLiveEvents, useLoad } from '../hooks';
import { Money } from '../money';
import { hrefOf } from '../route';
import type { Session } from '../session';
import { TransactionActions } from './TransactionActions';

type TimelineStep = Schemas['TransactionTimeline']['steps'][number];

const STEP_TEXT: Record<string, string> = {
  created: 'Created',
  hold_placed: 'Hold placed',
  hold_captured: 'Hold captured',
  hold_released: 'Hold released',
  hold_expired: 'Hold expired',
  posting: 'Posted',
  finished: 'Finished',
  step_retried: 'Step retried by an operator',
  investigation_flagged: 'Flagged for investigation',
  investigation_cleared: 'Investigation cleared',
  provider_step: 'Provider',
};

const OPERATION_TEXT: Record<string, string> = {
  pay_bill: 'pay bill',
  payout: 'payout',
  collect: 'collect',
  void: 'void',
};

const OUTCOME_TEXT: Record<string, string> = {
  accepted: 'accepted',
  refused: 'refused',
  voided: 'voided',
  unavailable: 'failed (provider unavailable)',
  timed_out: 'timed out',
};

/** A provider attempt: who was asked what, how it ended, and the provider's reference when it gave one. */
function ProviderCall({ call }: { call: NonNullable<TimelineStep['provider']> }) {
  return (
    <>
      {' '}
      {call.name}: {OPERATION_TEXT[call.operation] ?? call.operation}, attempt {call.attempt},{' '}
      <span className={`outcome outcome-${call.outcome}`}>{OUTCOME_TEXT[call.outcome] ?? call.outcome}</span>
      {call.code ? ` (${call.code})` : ''}
      {call.reference ? (
        <>
          {' '}
          · ref <code data-testid="provider-reference">{call.reference}</code>
        </>
      ) : null}
      {call.detail ? ` · ${call.detail}` : ''}
    </>
  );
}

/** One transaction: parties, amounts, status and reason, its timeline and postings; live while it runs. */
export function TransactionPage({ session, id }: { session: Session; id: string }) {
  const tx = useLoad(() => session.client.transactions.get(id), [session, id]);
  const timeline = useLoad(() => session.client.transactions.timeline(id), [session, id]);
  const live = useLiveEvents(
    (signal, onOpen) => session.client.events({ transactionId: id }, { signal, onOpen }),
    [session, id],
    () => {
      tx.reload();
      timeline.reload();
    },
  );

  return (
    <Load value={tx.value} onRetry={tx.reload} label="transaction">
      {(t) => (
        <>
          <h1>
            {t.type.replace('_', ' ')} <ShortId id={t.transactionId} />{' '}
            <span data-testid="tx-status">
              <StatusBadge status={t.status} />
            </span>{' '}
            {t.status === 'pending' ? <LiveBadge status={live.status} /> : null}
          </h1>
          <dl className="facts">
            <dt>Amount</dt>
            <dd>
              <Money amount={t.amount} currency={t.currency} />
            </dd>
            <dt>From</dt>
            <dd>
              <a href={hrefOf({ screen: 'account', id: t.sourceAccountId })}>
                <ShortId id={t.sourceAccountId} />
              </a>
            </dd>
            <dt>To</dt>
            <dd>
              <a href={hrefOf({ screen: 'account', id: t.destinationAccountId })}>
                <ShortId id={t.destinationAccountId} />
              </a>
            </dd>
            <dt>Created</dt>
            <dd>
              <Time at={t.createdAt} />
            </dd>
            <dt>Finished</dt>
            <dd>{t.finishedAt ? <Time at={t.finishedAt} /> : 'not yet'}</dd>
            <dt>Idempotency key</dt>
            <dd>
              <code>{t.idempotencyKey}</code>
            </dd>
            {t.originalTransactionId ? (
              <>
                <dt>Refund of</dt>
                <dd>
                  <a href={hrefOf({ screen: 'transaction', id: t.originalTransactionId })}>
                    <ShortId id={t.originalTransactionId} />
                  </a>
                </dd>
              </>
            ) : null}
            {t.refundableAmount !== null ? (
              <>
                <dt>Refunded / refundable</dt>
                <dd>
                  <Money amount={t.refundedAmount ?? '0'} currency={t.currency} /> /{' '}
                  <Money amount={t.refundableAmount} currency={t.currency} />
                </dd>
              </>
            ) : null}
          </dl>
          {t.investigation ? (
            <div className="notice warn" role="note" data-testid="tx-investigation">
              <strong>Flagged for investigation</strong>
              <p>
                {t.investigation.note} — {t.investigation.flaggedBy.id},{' '}
                <Time at={t.investigation.flaggedAt} />
              </p>
            </div>
          ) : null}
          {session.actor.kind === 'admin' ? (
            <section aria-labelledby="actions-title">
              <h2 id="actions-title">Actions</h2>
              <TransactionActions
                session={session}
                transaction={t}
                onDone={() => {
                  tx.reload();
                  timeline.reload();
                  // The read side applies the saga's events a moment later; look again once more.
                  setTimeout(() => {
                    tx.reload();
                    timeline.reload();
                  }, 1500);
                }}
              />
            </section>
          ) : null}
          {t.reason ? (
            <div className="notice error" role="note" data-testid="tx-reason">
              <strong>{t.reason.code}</strong>
              <p>{t.reason.detail}</p>
            </div>
          ) : null}
          {Object.keys(t.details).length > 0 ? (
            <section aria-labelledby="refs-title">
              <h2 id="refs-title">Provider references and details</h2>
              <dl className="facts">
                {Object.entries(t.details).map(([k, v]) => (
                  <div key={k} className="fact">
                    <dt>{k}</dt>
                    <dd>
                      <code>{v}</code>
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ) : null}
          <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <Load value={timeline.value} onRetry={timeline.reload} label="timeline">
              {(tl) => {
                const start = Date.parse(t.createdAt);
                return (
                  <>
                    <ol className="timeline" data-testid="timeline">
                      {tl.steps.map((s, i) => (
                        <li key={i} className={`step step-${s.kind}`}>
                          <span className="step-time">
                            <Time at={s.at} />{' '}
                            <span className="offset">+{Math.max(0, Date.parse(s.at) - start)} ms</span>
                          </span>
                          <span className="step-what">
                            {STEP_TEXT[s.kind] ?? s.kind}
                            {s.kind === 'posting' || s.kind === 'finished' || s.kind === 'step_retried'
                              ? `: ${s.label}`
                              : ''}
                            {s.provider ? <ProviderCall call={s.provider} /> : null}
                            {s.actor ? ` · by ${s.actor.id}` : ''}
                            {s.note ? ` · “${s.note}”` : ''}
                            {s.amount !== null ? (
                              <>
                                {' '}
                                · <Money amount={s.amount} currency={t.currency} />
                              </>
                            ) : null}
                            {s.side ? ` ${s.side}` : ''}
                            {s.accountId ? (
                              <>
                                {' '}
                                ·{' '}
                                <a href={hrefOf({ screen: 'account', id: s.accountId })}>
                                  <ShortId id={s.accountId} />
                                </a>
                              </>
                            ) : null}
                          </span>
                        </li>
                      ))}
                    </ol>
                    <h3>Ledger entries</h3>
                    {tl.entries.length === 0 ? (
                      <Empty>No postings for this transaction.</Empty>
                    ) : (
                      <div className="table-wrap">
                        <table>
                          <thead>
                            <tr>
                              <th scope="col">Posted</th>
                              <th scope="col">Entry</th>
                              <th scope="col">Account</th>
                              <th scope="col">Step</th>
                              <th scope="col">Side</th>
                              <th scope="col" className="num">
                                Amount
                              </th>
                              <th scope="col" className="num">
                                Balance after
                              </th>
                            </tr>
                          </thead>
                          <tbody>
                            {tl.entries.map((e) => (
                              <tr key={`${e.accountId}-${e.version}`}>
                                <td>
                                  <Time at={e.postedAt} />
                                </td>
                                <td>
                                  <ShortId id={e.entryId} />
                                  {e.reversesEntryId ? ' (reversal)' : ''}
                                </td>
                                <td>
                                  <a href={hrefOf({ screen: 'account', id: e.accountId })}>
                                    <ShortId id={e.accountId} />
                                  </a>
                                </td>
                                <td>{e.step}</td>
                                <td>{e.side}</td>
                                <td className="num">
                                  <Money amount={e.amount} currency={t.currency} />
                                </td>
                                <td className="num">
                                  <Money amount={e.balanceAfter} currency={t.currency} />
                                </td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      </div>
                    )}
                  </>
                );
              }}
            </Load>
          </section>
        </>
      )}
    </Load>
  );
}
