import { useState, type FormEvent } from 'react';
import { describeError } from '../components';
import { credentialOf, signIn, type Session } from '../session';

/** Sign in with an API key or a JWT; the gateway says who that is. Kept for this browser tab only. */
export function SignIn({
  onSignedIn,
  initialError,
}: {
  onSignedIn: (s: Session) => void;
  initialError: unknown;
}) {
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(initialError);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!secret.trim()) return;
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(credentialOf(secret)));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const problem = error ? describeError(error) : null;
  return (
    <main className="sign-in" id="main">
      <h1>Ledger console</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="sign-in-help">
        <label htmlFor="secret">API key or JWT</label>
        <input
          id="secret"
          name="secret"
          type="password"
          autoComplete="off"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'sign-in-error' : undefined}
          required
        />
        <p id="sign-in-help" className="hint">
          Kept in this tab only (session storage); closing the tab signs you out. Admins see every account, an
          owner only its own.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {problem ? (
          <div id="sign-in-error" className="notice error" role="alert">
            <strong>{problem.title}</strong>
            <p>{problem.detail}</p>
          </div>
        ) : null}
      </form>
    </main>
  );
}
