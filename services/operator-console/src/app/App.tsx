import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorBox } from './components';
import { ScalesContext } from './money';
import { hrefOf, useRoute, type Route } from './route';
import { AccountPage } from './screens/AccountPage';
import { DeadLetterPage, DeadLetters } from './screens/DeadLetters';
import { Accounts } from './screens/Accounts';
import { Operations } from './screens/Operations';
import { Overview } from './screens/Overview';
import { SignIn } from './screens/SignIn';
import { TransactionPage } from './screens/TransactionPage';
import { signIn, storeCredential, storedCredential, type Session } from './session';

/** The shell: sign-in, the navigation an actor may use, and the screen the route names. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedCredential() !== null);
  const [restoreError, setRestoreError] = useState<unknown>(null);
  const [scales, setScales] = useState<ReadonlyMap<string, number>>(new Map());
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // A screen that replaces another takes the focus, so keyboard and screen-reader users start on it
  // instead of on the link they left; a filter or search within a screen keeps the focus where it is.
  const place = `${route.screen}:${'id' in route ? route.id : ''}`;
  const lastPlace = useRef<string | null>(null);
  useEffect(() => {
    if (lastPlace.current !== null && lastPlace.current !== place) main.current?.focus();
    lastPlace.current = place;
  }, [place]);

  const signOut = useCallback(() => {
    storeCredential(null);
    setSession(null);
  }, []);

  useEffect(() => {
    window.addEventListener('console:sign-out', signOut);
    return () => window.removeEventListener('console:sign-out', signOut);
  }, [signOut]);

  useEffect(() => {
    const credential = storedCredential();
    if (credential === null) return;
    signIn(credential)
      .then(setSession, (err: unknown) => {
        setRestoreError(err);
        storeCredential(null);
      })
      .finally(() => setRestoring(false));
  }, []);

  useEffect(() => {
    if (!session) return;
    session.client.reports.currencies().then(
      (list) => setScales(new Map(list.currencies.map((c) => [c.code, c.scale]))),
      () => setScales(new Map()),
    );
  }, [session]);

  if (restoring)
    return (
      <p className="loading" role="status">
        Signing in…
      </p>
    );
  if (!session)
    return (
      <SignIn
        initialError={restoreError}
        onSignedIn={(s) => {
          storeCredential(s.credential);
          setSession(s);
          setRestoreError(null);
        }}
      />
    );

  const admin = session.actor.kind !== 'owner';
  const links: { route: Route; label: string; active: boolean }[] = [
    ...(admin
      ? [{ route: { screen: 'overview' } as Route, label: 'Overview', active: route.screen === 'overview' }]
      : []),
    {
      route: { screen: 'accounts', query: '' },
      label: 'Accounts',
      active:
        route.screen === 'accounts' || route.screen === 'account' || (!admin && route.screen === 'overview'),
    },
    ...(admin
      ? [
          {
            route: { screen: 'operations' } as Route,
            label: 'Operations',
            active:
              route.screen === 'operations' ||
              route.screen === 'dead-letters' ||
              route.screen === 'dead-letter',
          },
        ]
      : []),
  ];

  return (
    <ScalesContext.Provider value={scales}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Ledger console</span>
        <nav aria-label="Main">
          {links.map((l) => (
            <a key={l.label} href={hrefOf(l.route)} aria-current={l.active ? 'page' : undefined}>
              {l.label}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.actor.kind} <code>{session.actor.id}</code>
        </span>
        <button type="button" className="secondary" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        <Screen route={route} session={session} admin={admin} />
      </main>
    </ScalesContext.Provider>
  );
}

function Screen({ route, session, admin }: { route: Route; session: Session; admin: boolean }) {
  switch (route.screen) {
    case 'overview':
      return admin ? <Overview session={session} /> : <Accounts session={session} query="" />;
    case 'accounts':
      return <Accounts session={session} query={route.query} />;
    case 'account':
      return <AccountPage session={session} id={route.id} />;
    case 'transaction':
      return <TransactionPage session={session} id={route.id} />;
    case 'operations':
      return admin ? (
        <Operations session={session} />
      ) : (
        <ErrorBox error={new Error('Operations are for admins.')} />
      );
    case 'dead-letters':
      return admin ? (
        <DeadLetters session={session} state={route.state} />
      ) : (
        <ErrorBox error={new Error('Operations are for admins.')} />
      );
    case 'dead-letter':
      return admin ? (
        <DeadLetterPage session={session} id={route.id} />
      ) : (
        <ErrorBox error={new Error('Operations are for admins.')} />
      );
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}
