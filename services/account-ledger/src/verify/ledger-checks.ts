/**
 * The invariants of the ledger, one SQL query each. Every query returns one row per violation with a
 * single `message` column naming the account, entry, posting, stream or currency at fault. The queries
 * are set-based (GROUP BY, window functions, joins of aggregates) so a check costs a few scans of the
 * tables whatever the number of accounts, and all arithmetic stays in PostgreSQL NUMERIC: no amount is
 * ever parsed into a JavaScript number. The queries contain no `?`, which knex would read as a binding.
 */
export interface LedgerCheck {
  name: string;
  sql: string;
}

const entriesBalance: LedgerCheck = {
  name: 'entries-balance',
  // The left join keeps entries without any posting, which the database's own trigger never sees
  // (it fires on posting inserts only).
  sql: `
    select format('entry %s: debits %s, credits %s, %s posting(s)', e.id,
             coalesce(sum(p.amount) filter (where p.side = 'debit'), 0),
             coalesce(sum(p.amount) filter (where p.side = 'credit'), 0),
             count(p.id)) as message
      from journal_entries e
      left join postings p on p.entry_id = e.id
     group by e.id
    having coalesce(sum(p.amount) filter (where p.side = 'debit'), 0)
           <> coalesce(sum(p.amount) filter (where p.side = 'credit'), 0)
        or count(p.id) < 2`,
};

const currencySumsZero: LedgerCheck = {
  name: 'currency-sums-zero',
  sql: `
    select format('currency %s: the balances of its %s account(s) sum to %s, not 0',
             currency, count(*), sum(balance)) as message
      from accounts
     group by currency
    having sum(balance) <> 0`,
};

const balanceEqualsPostings: LedgerCheck = {
  name: 'balance-equals-postings',
  // An account without postings must hold exactly zero, hence the coalesce.
  sql: `
    select format('account %s: balance %s, but credits minus debits of its postings is %s',
             a.id, a.balance, coalesce(p.net, 0)) as message
      from accounts a
      left join (select account_id, sum(case when side = 'credit' then amount else -amount end) as net
                   from postings group by account_id) p on p.account_id = a.id
     where a.balance <> coalesce(p.net, 0)`,
};

const balanceEqualsLastBalanceAfter: LedgerCheck = {
  name: 'balance-equals-last-balance-after',
  // "Last" is the highest stream version; the posting id only breaks ties a corrupt stream could have.
  sql: `
    select format('account %s: balance %s, but its last posting (id %s, version %s) has balance_after %s',
             a.id, a.balance, l.id, l.stream_version, l.balance_after) as message
      from accounts a
      join (select id, account_id, stream_version, balance_after,
                   row_number() over (partition by account_id order by stream_version desc, id desc) as rn
              from postings) l on l.account_id = a.id and l.rn = 1
     where a.balance <> l.balance_after`,
};

const heldEqualsOpenHolds: LedgerCheck = {
  name: 'held-equals-open-holds',
  sql: `
    select format('account %s: held %s, but its %s open hold(s) sum to %s',
             a.id, a.held, coalesce(h.n, 0), coalesce(h.total, 0)) as message
      from accounts a
      left join (select account_id, count(*) as n, sum(amount) as total
                   from holds where status = 'open' group by account_id) h on h.account_id = a.id
     where a.held <> coalesce(h.total, 0)`,
};

const limitsRespected: LedgerCheck = {
  name: 'limits-respected',
  // The minimum bounds the available balance (open holds count as spent); the maximum bounds the balance.
  sql: `
    select format('account %s: available %s (balance %s - held %s) is below min_balance %s',
             id, balance - held, balance, held, min_balance) as message
      from accounts
     where min_balance is not null and balance - held < min_balance
    union all
    select format('account %s: balance %s is above max_balance %s', id, balance, max_balance)
      from accounts
     where max_balance is not null and balance > max_balance`,
};

const versionEqualsStreamHead: LedgerCheck = {
  name: 'version-equals-stream-head',
  sql: `
    select format('account %s: version %s, but the highest version in its event stream is %s',
             a.id, a.version, coalesce(s.head::text, 'none (no events)')) as message
      from accounts a
      left join (select stream_id, max(version) as head from events group by stream_id) s
        on s.stream_id = a.id
     where s.head is distinct from a.version`,
};

const streamVersionsContiguous: LedgerCheck = {
  name: 'stream-versions-contiguous',
  // n events whose versions are n distinct integers from 1 to n are exactly 1..n. Streams of holds and
  // currencies are included: they follow the same rule.
  sql: `
    select format('stream %s: %s event(s) with %s distinct version(s) from %s to %s; expected versions 1..%s',
             stream_id, count(*), count(distinct version), min(version), max(version), count(*)) as message
      from events
     group by stream_id
    having min(version) <> 1 or max(version) <> count(*) or count(distinct version) <> count(*)`,
};

const postingsHaveEvents: LedgerCheck = {
  name: 'postings-have-events',
  // The event must also name the posting's entry: an EntryPosted of another entry at that version means
  // the posting and the stream disagree about what happened.
  sql: `
    select format('posting %s of entry %s on account %s at version %s: %s',
             p.id, p.entry_id, p.account_id, p.stream_version,
             case when ev.position is null then 'no event at that version'
                  when ev.type <> 'EntryPosted' then format('the event there is %s, not EntryPosted', ev.type)
                  else format('the EntryPosted there is for entry %s', coalesce(ev.data ->> 'entryId', '(none)'))
             end) as message
      from postings p
      left join events ev on ev.stream_id = p.account_id and ev.version = p.stream_version
     where ev.position is null
        or ev.type <> 'EntryPosted'
        or lower(ev.data ->> 'entryId') is distinct from p.entry_id::text`,
};

const reversalsMirrorOriginals: LedgerCheck = {
  name: 'reversals-mirror-originals',
  // Postings are compared as multisets of (account, side, amount), the original's sides flipped, so the
  // order of postings does not matter but every one must have its mirror.
  sql: `
    with reversal as (
      select id as reversal_id, reverses_entry_id as original_id
        from journal_entries where reverses_entry_id is not null
    ), expected as (
      select r.reversal_id, p.account_id,
             case p.side when 'debit' then 'credit' else 'debit' end as side, p.amount, count(*) as n
        from reversal r join postings p on p.entry_id = r.original_id
       group by 1, 2, 3, 4
    ), actual as (
      select r.reversal_id, p.account_id, p.side, p.amount, count(*) as n
        from reversal r join postings p on p.entry_id = r.reversal_id
       group by 1, 2, 3, 4
    ), diff as (
      select coalesce(e.reversal_id, a.reversal_id) as reversal_id,
             coalesce(e.account_id, a.account_id) as account_id,
             coalesce(e.side, a.side) as side, coalesce(e.amount, a.amount) as amount,
             coalesce(e.n, 0) as expected_n, coalesce(a.n, 0) as actual_n
        from expected e
        full join actual a on a.reversal_id = e.reversal_id and a.account_id = e.account_id
                          and a.side = e.side and a.amount = e.amount
       where e.n is distinct from a.n
    )
    select format('entry %s reverses entry %s but does not mirror it: %s', d.reversal_id, r.original_id,
             string_agg(format('%s %s on account %s expected %s time(s), found %s',
                               d.side, d.amount, d.account_id, d.expected_n, d.actual_n),
                        '; ' order by d.account_id, d.side, d.amount)) as message
      from diff d join reversal r on r.reversal_id = d.reversal_id
     group by d.reversal_id, r.original_id`,
};

const closedAccountsSettled: LedgerCheck = {
  name: 'closed-accounts-settled',
  sql: `
    select format('account %s is closed with balance %s and %s open hold(s)',
             a.id, a.balance, count(h.id)) as message
      from accounts a
      left join holds h on h.account_id = a.id and h.status = 'open'
     where a.status = 'closed'
     group by a.id, a.balance
    having a.balance <> 0 or count(h.id) > 0`,
};

const refusalsNeverPosted: LedgerCheck = {
  name: 'refusals-never-posted',
  // A (transaction, step) the ledger refused is answered with that refusal from then on and never
  // applied, so it can have no entry; one that has was posted after it had been refused.
  sql: `
    select format('transaction %s step %s was refused (%s) and yet has entry %s',
             r.transaction_id, r.step, r.data->>'code', e.id) as message
      from rejections r
      join journal_entries e on e.transaction_id = r.transaction_id and e.step = r.step`,
};

/** In the order the report lists them: entries first, then balances, holds, limits and the event store. */
export const LEDGER_CHECKS: readonly LedgerCheck[] = [
  entriesBalance,
  currencySumsZero,
  balanceEqualsPostings,
  balanceEqualsLastBalanceAfter,
  heldEqualsOpenHolds,
  limitsRespected,
  versionEqualsStreamHead,
  streamVersionsContiguous,
  postingsHaveEvents,
  reversalsMirrorOriginals,
  closedAccountsSettled,
  refusalsNeverPosted,
];
