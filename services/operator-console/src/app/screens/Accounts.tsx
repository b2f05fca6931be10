import type { Schemas } from '@billing/client/gateway-client';
import { useState, type FormEvent } from 'react';
import { Empty, Load, ShortId, shortText, StatusBadge } from '../components';
import { useLoad } from '../hooks';
import { Money } from '../money';
import { hrefOf } from '../route';
import type { Session } from '../session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE_SIZE = 50;

/**
 * Accounts by owner, or straight to one by id. An owner sees its own accounts without searching; an
 * admin names an owner (the gateway lists accounts per owner).
 */
export function Accounts({ session, query }: { session: Session; query: string }) {
  const owner = session.actor.kind === 'owner';
  const [text, setText] = useState(query);
  const ownerId = owner ? undefined : query.trim();
  const list = useLoad<{ items: Schemas['AccountView'][]; nextCursor: string | null } | null>(
    () =>
      owner || ownerId
        ? session.client.accounts.listPage({ ownerId: ownerId || undefined, limit: PAGE_SIZE })
        : Promise.resolve(null),
    [session, ownerId],
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const q = text.trim();
    window.location.hash = UUID.test(q)
      ? hrefOf({ screen: 'account', id: q })
      : hrefOf({ screen: 'accounts', query: q });
  }

  return (
    <>
      <h1>Accounts</h1>
      <form className="search" role="search" onSubmit={submit}>
        <label htmlFor="account-search">{owner ? 'Account id' : 'Owner id or account id'}</label>
        <input
          id="account-search"
          type="search"
          value={text}
          placeholder={owner ? 'an account id' : 'e.g. user_123, or an account id'}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      <Load value={list.value} onRetry={list.reload} label="accounts">
        {(page) =>
          page === null ? (
            <Empty>Search by owner id to list an owner’s accounts, or paste an account id to open it.</Empty>
          ) : page.items.length === 0 ? (
            <Empty>{owner ? 'You have no accounts yet.' : `No accounts for owner “${ownerId}”.`}</Empty>
          ) : (
            <AccountTable accounts={page.items} more={page.nextCursor !== null} />
          )
        }
      </Load>
    </>
  );
}

function AccountTable({ accounts, more }: { accounts: Schemas['AccountView'][]; more: boolean }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Accounts</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Owner</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Balance
            </th>
            <th scope="col" className="num">
              Available
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.id}>
              <td>
                {/* The name holds the text shown, so speech input can say what it sees. */}
                <a href={hrefOf({ screen: 'account', id: a.id })} aria-label={`Account ${shortText(a.id)}`}>
                  <ShortId id={a.id} />
                </a>
              </td>
              <td>{a.ownerId}</td>
              <td>{a.type}</td>
              <td className="num">
                <Money amount={a.balance} currency={a.currency} />
              </td>
              <td className="num">
                <Money amount={a.availableBalance} currency={a.currency} />
              </td>
              <td>
                <StatusBadge status={a.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? <p className="hint">Showing the first {PAGE_SIZE}; search by account id for others.</p> : null}
    </div>
  );
}
