/**
 * The accounts and transactions the fuzzer aims at, set up through the API before the run: EXTERNAL
 * "bank" accounts (admin), each owner's own USER accounts opened with the owner's key and funded by the
 * admin, one payment per owner (so that refunds and other owners' transaction ids have something to
 * name), and unfunded accounts for status changes.
 */

export interface Credential {
  /** `admin`, or the owner's id. */
  name: string;
  key: string;
  ownerId?: string;
}

export interface AccountFixture {
  id: string;
  currency: string;
  type: 'USER' | 'EXTERNAL';
  /** The owner whose key may use it; undefined for the admin's accounts. */
  owner?: string;
}

export interface World {
  run: string;
  admin: Credential;
  owners: Credential[];
  accounts: AccountFixture[];
  /** Completed payments, by the owner who made them. */
  payments: { id: string; owner: string }[];
  /** Every transaction set up, by owner ('admin' for the top-ups). */
  transactions: { id: string; owner: string }[];
  /** Unfunded USER accounts the status changes are mostly aimed at. */
  statusAccounts: string[];
  currencies: { code: string; scale: number }[];
}

export const FUNDING_AMOUNT = '100000.00';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function api(
  baseUrl: URL,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      'x-api-key': key,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...extra,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

function expectOk(what: string, answer: Answer, statuses: number[]): Record<string, unknown> {
  if (!statuses.includes(answer.status)) {
    throw new Error(`fuzz set-up: ${what} answered ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

const WAIT = { prefer: 'wait=20' };

export async function setUpWorld(
  baseUrl: URL,
  admin: Credential,
  owners: Credential[],
  run: string,
): Promise<World> {
  const currencies = (
    expectOk('listing currencies', await api(baseUrl, admin.key, 'GET', '/api/v1/currencies'), [200])
      .currencies as { code: string; scale: number }[]
  ).map(({ code, scale }) => ({ code, scale }));
  const accounts: AccountFixture[] = [];
  const open = async (who: Credential, ownerId: string, currency: string, type: 'USER' | 'EXTERNAL') => {
    const body = expectOk(
      `opening a ${type} ${currency} account for ${ownerId}`,
      await api(
        baseUrl,
        who.key,
        'POST',
        '/api/v1/accounts',
        { ownerId, ownerType: type === 'USER' ? 'user' : 'bank', currency, type },
        WAIT,
      ),
      [201],
    );
    const fixture: AccountFixture = { id: String(body.id), currency, type };
    if (who.ownerId !== undefined) fixture.owner = who.ownerId;
    accounts.push(fixture);
    return fixture;
  };
  const banks: Record<string, AccountFixture> = {};
  for (const currency of ['USD', 'EUR'])
    banks[currency] = await open(admin, `fuzz-bank-${run}`, currency, 'EXTERNAL');
  // Without owner keys the admin plays two owners, so that the movements still have parties.
  const holders = owners.length > 0 ? owners : [admin, admin];
  for (const [i, holder] of holders.entries()) {
    const ownerId = holder.ownerId ?? `fuzz-user-${run}-${i}`;
    for (const currency of ['USD', 'USD', 'EUR']) await open(holder, ownerId, currency, 'USER');
  }
  const transactions: World['transactions'] = [];
  let seq = 0;
  for (const account of accounts.filter((a) => a.type === 'USER')) {
    const body = expectOk(
      `funding ${account.id}`,
      await api(
        baseUrl,
        admin.key,
        'POST',
        '/api/v1/transactions/topup',
        {
          idempotencyKey: `fuzz-fund-${run}-${++seq}`,
          sourceAccountId: banks[account.currency]!.id,
          destinationAccountId: account.id,
          amount: FUNDING_AMOUNT,
          currency: account.currency,
        },
        WAIT,
      ),
      [200],
    );
    if (body.status !== 'completed') throw new Error(`fuzz set-up: funding ended ${JSON.stringify(body)}`);
    transactions.push({ id: String(body.transactionId), owner: 'admin' });
  }
  const payments: World['payments'] = [];
  for (const owner of owners) {
    const [customer, merchant] = accounts.filter((a) => a.owner === owner.ownerId && a.currency === 'USD');
    const body = expectOk(
      `a payment by ${owner.name}`,
      await api(
        baseUrl,
        owner.key,
        'POST',
        '/api/v1/transactions/payment',
        {
          idempotencyKey: `fuzz-pay-${run}-${++seq}`,
          customerAccountId: customer!.id,
          merchantAccountId: merchant!.id,
          amount: '50.00',
          currency: 'USD',
        },
        WAIT,
      ),
      [200],
    );
    payments.push({ id: String(body.transactionId), owner: owner.name });
    transactions.push({ id: String(body.transactionId), owner: owner.name });
  }
  const statusAccounts: string[] = [];
  for (let i = 0; i < 3; i++)
    statusAccounts.push((await open(admin, `fuzz-status-${run}`, 'USD', 'USER')).id);
  return { run, admin, owners, accounts, payments, transactions, statusAccounts, currencies };
}

/** The admin's view of the trial balance, for the checks after the run. */
export async function trialBalance(
  baseUrl: URL,
  admin: Credential,
): Promise<{ currency: string; debits: string; credits: string; net: string }[]> {
  const answer = await api(baseUrl, admin.key, 'GET', '/api/v1/reports/trial-balance');
  return expectOk('the trial balance', answer, [200]).currencies as {
    currency: string;
    debits: string;
    credits: string;
    net: string;
  }[];
}
