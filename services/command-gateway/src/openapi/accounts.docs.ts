import { AccountTransactionsQuery, ListAccountsQuery, StatementQuery } from '../read/read-queries';
import * as ex from './examples';
import {
  AUTH_ERRORS,
  BODY_ERRORS,
  body,
  COMMAND_NOT_CONFIRMED,
  COMMAND_UNAVAILABLE,
  invalidField,
  QUERY_UNAVAILABLE,
  success,
  UNKNOWN_QUERY_PARAMETER,
  WAIT_TOO_LONG,
  type ErrorDoc,
  type RouteDescription,
} from './route-model';

/**
 * What the account routes document beyond their Nest routes: AccountsController (open, read, change
 * status) and AccountsReadController (list, history, statement) name these in `@ApiRoute`. Query
 * parameters are the read routes' own schemas (read/read-queries.ts).
 */

const ACCOUNT_ID = {
  description: 'The account id (a UUID; anything else is 404).',
  example: ex.IDS.userAccount,
};

const accountNotFound: ErrorDoc = {
  status: 404,
  code: 'ACCOUNT.NOT_FOUND',
  detail: `account ${ex.IDS.userAccount} not found`,
};

export const OPEN_ACCOUNT: RouteDescription = {
  operationId: 'openAccount',
  tag: 'Accounts',
  summary: 'Open an account',
  description:
    'Emits OpenAccount and waits (at least ACCOUNT_CONFIRM_WAIT_MS, longer with Prefer: wait) for the ' +
    "ledger's confirmation: 201 with the account, or 202 with its Location when the wait ran out. An " +
    'owner key may only open USER accounts for itself. With an idempotency key a retry names the same account.',
  headers: ['Idempotency-Key', 'Prefer'],
  body: body('OpenAccountRequest', {
    ownerId: 'user_123',
    ownerType: 'user',
    currency: 'USD',
    type: 'USER',
    metadata: { nickname: 'main wallet' },
    idempotencyKey: 'open-user_123-usd',
  }),
  success: [
    success(201, 'OpenedAccount', 'The ledger opened the account.', ex.openedAccount, ['Location']),
    success(
      202,
      'PendingAccount',
      'Accepted; the confirmation did not arrive within the wait. Poll the Location.',
      { id: ex.IDS.userAccount, status: 'pending' },
      ['Location'],
    ),
  ],
  errors: [
    invalidField('currency', 'unknown currency', 'CURRENCY.UNKNOWN'),
    ...BODY_ERRORS,
    WAIT_TOO_LONG,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: 'an owner may only open USER accounts for itself' },
    {
      status: 409,
      code: 'ACCOUNT.ALREADY_EXISTS',
      detail: `account ${ex.IDS.userAccount} already exists`,
    },
    { status: 422, code: 'CURRENCY.UNKNOWN', detail: 'the ledger does not know currency CHF' },
    COMMAND_UNAVAILABLE,
    COMMAND_NOT_CONFIRMED,
  ],
};

export const LIST_ACCOUNTS: RouteDescription = {
  operationId: 'listAccounts',
  tag: 'Accounts',
  summary: "List an owner's accounts",
  description: 'Oldest first, keyset-paginated. An owner key sees only its own accounts.',
  query: { schema: ListAccountsQuery, example: { ownerId: 'user_123', limit: '50' } },
  success: [
    success(200, 'AccountPage', 'One page of accounts.', { items: [ex.accountView], nextCursor: null }),
  ],
  errors: [invalidField('ownerId', 'required'), UNKNOWN_QUERY_PARAMETER, ...AUTH_ERRORS, QUERY_UNAVAILABLE],
};

export const GET_ACCOUNT: RouteDescription = {
  operationId: 'getAccount',
  tag: 'Accounts',
  summary: 'Read an account',
  description:
    "The account with its balance, available balance, open holds, limits and status. Another owner's account is 404.",
  pathId: ACCOUNT_ID,
  success: [success(200, 'AccountView', 'The account.', ex.accountView)],
  errors: [...AUTH_ERRORS, accountNotFound, QUERY_UNAVAILABLE],
};

export const GET_ACCOUNT_BALANCE: RouteDescription = {
  operationId: 'getAccountBalance',
  tag: 'Accounts',
  summary: "Read an account's balance",
  description: 'The balance and what may still be spent (balance minus open holds).',
  pathId: ACCOUNT_ID,
  success: [success(200, 'BalanceView', 'The balance.', ex.balanceView)],
  errors: [...AUTH_ERRORS, accountNotFound, QUERY_UNAVAILABLE],
};

export const LIST_ACCOUNT_TRANSACTIONS: RouteDescription = {
  operationId: 'listAccountTransactions',
  tag: 'Accounts',
  summary: "List an account's transactions",
  description: 'Newest first, keyset-paginated, stable while new transactions arrive.',
  pathId: ACCOUNT_ID,
  query: {
    schema: AccountTransactionsQuery,
    example: { type: 'transfer', status: 'completed', from: '2026-01-01', limit: '20' },
  },
  success: [success(200, 'TransactionPage', 'One page of transactions.', ex.transactionPage)],
  errors: [
    invalidField('from', 'must be before to'),
    UNKNOWN_QUERY_PARAMETER,
    ...AUTH_ERRORS,
    accountNotFound,
    QUERY_UNAVAILABLE,
  ],
};

export const GET_ACCOUNT_STATEMENT: RouteDescription = {
  operationId: 'getAccountStatement',
  tag: 'Accounts',
  summary: "An account's statement",
  description:
    'Opening and closing balance of [from, to) with every posting and the running balance after it; at most ' +
    '1000 lines (truncated says when a narrower range is needed).',
  pathId: ACCOUNT_ID,
  query: { schema: StatementQuery, example: { from: '2026-01-01', to: '2026-02-01' } },
  success: [success(200, 'Statement', 'The statement.', ex.statement)],
  errors: [invalidField('from', 'must be before to'), ...AUTH_ERRORS, accountNotFound, QUERY_UNAVAILABLE],
};

export const CHANGE_ACCOUNT_STATUS: RouteDescription = {
  operationId: 'changeAccountStatus',
  tag: 'Accounts',
  summary: 'Suspend, reactivate or close an account',
  description:
    "Admins only. Emits ChangeAccountStatus and waits for the ledger's decision: 200 with the new and " +
    'previous status, or 202 when the wait ran out. Closed is final; closing needs a zero balance and no ' +
    "open holds. An owner is answered 403 for its own account and 404 for anyone else's.",
  pathId: ACCOUNT_ID,
  headers: ['Prefer'],
  body: body('ChangeAccountStatusRequest', { status: 'suspended', reason: 'fraud review' }),
  success: [
    success(
      200,
      'AccountStatusChange',
      'The ledger changed the status.',
      { accountId: ex.IDS.userAccount, status: 'suspended', previousStatus: 'active' },
      ['Location'],
    ),
    success(
      202,
      'PendingStatusChange',
      "Accepted; the ledger's decision did not arrive within the wait.",
      { accountId: ex.IDS.userAccount, status: 'pending' },
      ['Location'],
    ),
  ],
  errors: [
    invalidField('status', 'Invalid option: expected one of "active"|"suspended"|"closed"'),
    ...BODY_ERRORS,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: 'only an admin may change an account status' },
    { ...accountNotFound, detail: `account ${ex.IDS.userAccount} does not exist` },
    {
      status: 422,
      code: 'ACCOUNT.NOT_EMPTY',
      detail: `account ${ex.IDS.userAccount} needs a zero balance and no open holds to close`,
    },
    {
      status: 422,
      code: 'ACCOUNT.INACTIVE',
      detail: `account ${ex.IDS.userAccount} is closed, which is final`,
    },
    COMMAND_UNAVAILABLE,
    COMMAND_NOT_CONFIRMED,
  ],
};
