import { useEffect, useState } from 'react';

/**
 * Hash routes (#/accounts/<id>): the console server needs no route table, a reload keeps the screen,
 * and the back button works.
 */
export type Route =
  | { screen: 'overview' }
  | { screen: 'accounts'; query: string }
  | { screen: 'account'; id: string }
  | { screen: 'transaction'; id: string }
  | { screen: 'operations' }
  | { screen: 'dead-letters'; state: string }
  | { screen: 'dead-letter'; id: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'accounts' && parts[1]) return { screen: 'account', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'accounts')
    return { screen: 'accounts', query: new URLSearchParams(search).get('q') ?? '' };
  if (parts[0] === 'transactions' && parts[1])
    return { screen: 'transaction', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'operations' && parts[1] === 'dead-letters' && parts[2])
    return { screen: 'dead-letter', id: decodeURIComponent(parts[2]) };
  if (parts[0] === 'operations' && parts[1] === 'dead-letters')
    return { screen: 'dead-letters', state: new URLSearchParams(search).get('state') ?? '' };
  if (parts[0] === 'operations') return { screen: 'operations' };
  return { screen: 'overview' };
}

export function hrefOf(route: Route): string {
  switch (route.screen) {
    case 'overview':
      return '#/';
    case 'accounts':
      return route.query ? `#/accounts?q=${encodeURIComponent(route.query)}` : '#/accounts';
    case 'account':
      return `#/accounts/${encodeURIComponent(route.id)}`;
    case 'transaction':
      return `#/transactions/${encodeURIComponent(route.id)}`;
    case 'operations':
      return '#/operations';
    case 'dead-letters':
      return route.state
        ? `#/operations/dead-letters?state=${encodeURIComponent(route.state)}`
        : '#/operations/dead-letters';
    case 'dead-letter':
      return `#/operations/dead-letters/${encodeURIComponent(route.id)}`;
    default: {
      const unreachable: never = route;
      return unreachable;
    }
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
