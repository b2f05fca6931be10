import type { Schemas } from '@billing/client/gateway-client';
import { useId, useState, type FormEvent } from 'react';
import { describeError } from '../components';
import type { Session } from '../session';

export type Investigation = NonNullable<Schemas['TransactionDetails']['investigation']>;

const FINAL = new Set(['completed', 'failed', 'reversed']);

type Pending = 'retry' | 'flag' | 'clear' | null;

/**
 * An operator's actions on one transaction: retry the step its saga waits on, flag it for investigation
 * with a note, clear the flag. Each asks for confirmation first, and the confirmation carries one
 * idempotency key, so a double click or a resend is answered with the first result, never done twice.
 * The saga decides (a finished transaction has nothing to retry): its answer or refusal is shown as it is.
 */
export function TransactionActions({
  session,
  transaction,
  onDone,
  onResult,
  compact = false,
}: {
  session: Session;
  transaction: Pick<Schemas['TransactionSummary'], 'transactionId' | 'status'> & {
    investigation: Investigation | null;
  };
  onDone: () => void;
  /** Also told the result, for a list whose row may go away once the action took effect. */
  onResult?: (result: { ok: boolean; text: string }) => void;
  compact?: boolean;
}) {
  const [open, setOpen] = useState<Pending>(null);
  const [key, setKey] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const ids = useId();
  const short = transaction.transactionId.slice(0, 8);
  const flagged = transaction.investigation !== null;

  function start(action: Exclude<Pending, null>) {
    setOpen(action);
    setNote('');
    setResult(null);
    setKey(`console-${action}-${crypto.randomUUID()}`);
  }

  async function confirm(event: FormEvent) {
    event.preventDefault();
    if (open === null) return;
    setBusy(true);
    const id = transaction.transactionId;
    const options = { idempotencyKey: key, waitSeconds: 5 };
    try {
      const answer =
        open === 'retry'
          ? await session.client.operations.retryStep(id, options)
          : open === 'flag'
            ? await session.client.operations.flag(id, note.trim(), options)
            : await session.client.operations.clearFlag(id, note.trim() || undefined, options);
      const body = answer.body;
      let text: string;
      if (!('outcome' in body))
        text = 'Sent; the orchestrator has not answered yet. The timeline will show it.';
      else if (body.outcome === 'retried') text = `Step re-sent: ${body.step ?? 'the current step'}.`;
      else if (body.outcome === 'flagged') text = 'Flagged for investigation.';
      else text = 'Investigation flag cleared.';
      setResult({ ok: true, text });
      onResult?.({ ok: true, text: `${short}: ${text}` });
      setOpen(null);
      onDone();
    } catch (err) {
      const { title, detail } = describeError(err);
      setResult({ ok: false, text: `${title}: ${detail}` });
      onResult?.({ ok: false, text: `${short}: ${title}: ${detail}` });
    } finally {
      setBusy(false);
    }
  }

  const noteId = `${ids}-note`;
  return (
    <div
      className={compact ? 'actions compact' : 'actions'}
      data-testid={`actions-${transaction.transactionId}`}
    >
      {open === null ? (
        <div className="action-buttons" role="group" aria-label={`Actions on transaction ${short}`}>
          {FINAL.has(transaction.status) ? null : (
            <button type="button" onClick={() => start('retry')} aria-label={`Retry step of ${short}`}>
              Retry step
            </button>
          )}
          <button
            type="button"
            className="secondary"
            onClick={() => start('flag')}
            aria-label={`${flagged ? 'Change note of' : 'Flag for investigation:'} ${short}`}
          >
            {flagged ? 'Change note' : 'Flag for investigation'}
          </button>
          {flagged ? (
            <button
              type="button"
              className="secondary"
              onClick={() => start('clear')}
              aria-label={`Clear flag of ${short}`}
            >
              Clear flag
            </button>
          ) : null}
        </div>
      ) : (
        <form className="stack confirm" onSubmit={(e) => void confirm(e)} aria-label={`Confirm on ${short}`}>
          {open === 'retry' ? (
            <p>
              Re-send the step this transaction waits on? The same command goes out again, so a step that was
              applied already is only answered, never applied twice.
            </p>
          ) : (
            <>
              <label htmlFor={noteId}>
                {open === 'flag' ? 'Note (why it needs investigating)' : 'Note (what was found, optional)'}
              </label>
              <textarea
                id={noteId}
                value={note}
                maxLength={500}
                required={open === 'flag'}
                rows={compact ? 2 : 3}
                autoFocus
                onChange={(e) => setNote(e.target.value)}
              />
            </>
          )}
          <div className="action-buttons">
            <button type="submit" disabled={busy || (open === 'flag' && note.trim() === '')}>
              {busy
                ? 'Sending…'
                : open === 'retry'
                  ? 'Confirm retry'
                  : open === 'flag'
                    ? 'Confirm flag'
                    : 'Confirm clear'}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(null)} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {result ? (
        <p className={result.ok ? 'notice ok' : 'notice error'} role="status" data-testid="action-result">
          {result.text}
        </p>
      ) : null}
    </div>
  );
}
