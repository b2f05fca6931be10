import { GatewayProblem, GatewayUnreachable } from '@billing/client/problem';
import type { ReactNode } from 'react';
import type { Loadable, LiveStatus } from './hooks';

/** What went wrong, in words for an operator; an expired or refused credential says to sign in again. */
export function describeError(error: unknown): { title: string; detail: string; signInAgain: boolean } {
  if (
    error instanceof GatewayUnreachable ||
    (error instanceof GatewayProblem && error.code === 'GATEWAY.UNREACHABLE')
  )
    return {
      title: 'The gateway is unreachable',
      detail: 'Check that it is running, then retry.',
      signInAgain: false,
    };
  if (error instanceof GatewayProblem && error.status === 401)
    return {
      title: 'Your credential was refused',
      detail: 'The API key or token is wrong or has expired. Sign in again.',
      signInAgain: true,
    };
  if (error instanceof GatewayProblem && error.status === 403)
    return { title: 'Not allowed', detail: error.detail, signInAgain: false };
  if (error instanceof GatewayProblem && error.status === 404)
    return { title: 'Not found', detail: error.detail, signInAgain: false };
  if (error instanceof GatewayProblem)
    return { title: `Refused (${error.code})`, detail: error.detail, signInAgain: false };
  return { title: 'Something went wrong', detail: String(error), signInAgain: false };
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, detail, signInAgain } = describeError(error);
  return (
    <div className="notice error" role="alert">
      <strong>{title}</strong>
      <p>{detail}</p>
      {signInAgain ? (
        <button type="button" onClick={() => window.dispatchEvent(new Event('console:sign-out'))}>
          Sign in again
        </button>
      ) : onRetry ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Loading, error or the content, the same way on every screen. */
export function Load<T>({
  value,
  onRetry,
  children,
  label,
}: {
  value: Loadable<T>;
  onRetry?: () => void;
  label: string;
  children: (data: T) => ReactNode;
}) {
  if (value.state === 'loading')
    return (
      <p className="loading" role="status">
        Loading {label}…
      </p>
    );
  if (value.state === 'error') return <ErrorBox error={value.error} onRetry={onRetry} />;
  return <>{children(value.data)}</>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function LiveBadge({ status }: { status: LiveStatus }) {
  const text = { connecting: 'Connecting…', live: 'Live', closed: 'Stream ended', failed: 'Not live' }[
    status
  ];
  return (
    <span className={`badge live-${status}`} role="status" aria-live="polite" data-live={status}>
      {text}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status.replace('_', ' ')}</span>;
}

export function Time({ at }: { at: string }) {
  const date = new Date(at);
  return (
    <time dateTime={at} title={at}>
      {date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' })}
    </time>
  );
}

/** An id as the console shows it: its first 8 and last 4 characters. */
export function shortText(id: string): string {
  return `${id.slice(0, 8)}…${id.slice(-4)}`;
}

export function ShortId({ id }: { id: string }) {
  return (
    <code className="id" title={id}>
      {shortText(id)}
    </code>
  );
}
