import type { TransactionSummary } from '@billing/contracts/messages/transactions';
import { TransactionsQuery } from '../read/read-queries';
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
  type BodyDoc,
  type ErrorDoc,
  type RouteDescription,
} from './route-model';

/**
 * What the money movements (TransactionsController, BillsController) and the transaction reads document
 * beyond their Nest routes; each handler names its description in `@ApiRoute`. Every movement takes the
 * same path through MovementService, so they share their answers and refusals and differ in body,
 * parties and the refusals their party rule allows.
 */

const KEY_REQUIRED: ErrorDoc = {
  status: 400,
  code: 'IDEMPOTENCY.KEY_REQUIRED',
  detail: 'send an Idempotency-Key header or an idempotencyKey field',
};

const KEY_REUSED: ErrorDoc = {
  status: 409,
  code: 'IDEMPOTENCY.KEY_REUSED',
  detail: 'this idempotency key was used for a different request',
};

const TOO_MANY_DECIMALS = invalidField(
  'amount',
  '"1.001" has 3 decimals; the currency allows 2',
  'AMOUNT.INVALID',
);

/** A currency the ledger does not know, or a currency field that is missing or not a string. */
const UNKNOWN_CURRENCY = invalidField('currency', 'unknown currency', 'CURRENCY.UNKNOWN');

const sourceNotFound: ErrorDoc = {
  status: 404,
  code: 'ACCOUNT.NOT_FOUND',
  detail: `account ${ex.IDS.userAccount} does not exist`,
};

const currencyMismatch: ErrorDoc = {
  status: 422,
  code: 'CURRENCY.MISMATCH',
  detail: `account ${ex.IDS.userAccount} holds EUR, not USD`,
};

function wrongType(type: string, side: 'take money from' | 'pay into', accountType: string): ErrorDoc {
  return {
    status: 422,
    code: 'ACCOUNT.TYPE_NOT_ALLOWED',
    detail: `a ${type} may not ${side} a ${accountType} account`,
  };
}

interface MovementSpec {
  operationId: string;
  summary: string;
  description: string;
  body: BodyDoc;
  final: TransactionSummary;
  /** Refusals of the edge's party check (none for a refund, whose parties are the payment's). */
  partyErrors: ErrorDoc[];
}

const MOVEMENT_DESCRIPTION =
  ' Answers 202 with the pending transaction and its Location as soon as the orchestrator took the request ' +
  '(after at most a few seconds, 202 with the transaction id alone: it will be decided), or with Prefer: wait=N the final state ' +
  '(200: completed, failed with a reason, or reversed) if it is reached within N seconds. A transaction ' +
  'whose saga could not finish on its own is answered 202 with its view in status `needs_attention` and ' +
  'the reason: it is not final (a later completed, failed or reversed supersedes it), but it is the last ' +
  'word for a while. A retry with the same key answers the same transaction (amounts compare by value: ' +
  '"1.5" is "1.50"); a refusal by the ledger or saga is a 200/202 transaction that ends `failed`, not a ' +
  'problem. An owner is told only about its own accounts: a refused refund of a payment it is no party of ' +
  'names the payment in place of both accounts.';

function movement(spec: MovementSpec): RouteDescription {
  return {
    operationId: spec.operationId,
    tag: 'Transactions',
    summary: spec.summary,
    description: spec.description + MOVEMENT_DESCRIPTION,
    headers: ['Idempotency-Key', 'Prefer'],
    body: spec.body,
    success: [
      success(200, 'TransactionSummary', 'With Prefer: wait, the final state.', spec.final, [
        'Location',
        'Preference-Applied',
      ]),
      success(
        202,
        'AcceptedTransaction',
        'Accepted and not final: pending (poll the Location), or needs_attention with its reason.',
        ex.pendingTransaction,
        ['Location', 'Preference-Applied'],
      ),
    ],
    errors: [
      TOO_MANY_DECIMALS,
      UNKNOWN_CURRENCY,
      KEY_REQUIRED,
      WAIT_TOO_LONG,
      ...BODY_ERRORS,
      ...AUTH_ERRORS,
      ...spec.partyErrors,
      KEY_REUSED,
      COMMAND_UNAVAILABLE,
      COMMAND_NOT_CONFIRMED,
    ],
  };
}

const twoParty = (source: string, destination: string, amount: string) =>
  body('TwoPartyMovementRequest', {
    idempotencyKey: ex.IDEMPOTENCY_KEY,
    sourceAccountId: source,
    destinationAccountId: destination,
    amount,
    currency: 'USD',
  });

const OWNER_NAMES_SOURCE: ErrorDoc = {
  status: 403,
  code: 'AUTH.FORBIDDEN',
  detail:
    'an owner may not name the account a top-up comes from: send funding {method, sourceReference} ' +
    'instead, and the funding provider collects the amount',
};

const destinationNotFound: ErrorDoc = {
  status: 404,
  code: 'ACCOUNT.NOT_FOUND',
  detail: `account ${ex.IDS.userAccount} does not exist`,
};

export const TOP_UP = movement({
  operationId: 'topUp',
  summary: 'Top up an account',
  description:
    'Money comes in: EXTERNAL -> USER. An owner tops up only its own account and never names where the ' +
    'money comes from: it sends `funding` ({method: card | bank_debit, sourceReference: the payer ' +
    "instrument's token at the funding provider}), the funding provider collects the amount, and it is " +
    "credited from the provider's EXTERNAL account only once the provider confirmed the collection " +
    '(an owner sending sourceAccountId is 403). An admin names the EXTERNAL `sourceAccountId` and the ' +
    'entry is posted at once, or sends `funding` instead for a collection. Exactly one of the two.',
  body: body('TopUpRequest', {
    idempotencyKey: ex.IDEMPOTENCY_KEY,
    destinationAccountId: ex.IDS.userAccount,
    amount: '100.00',
    currency: 'USD',
    funding: { method: 'card', sourceReference: 'tok_visa_4242' },
  }),
  final: ex.collectedTopUpCompleted,
  partyErrors: [
    invalidField('funding', 'required: send funding {method, sourceReference}'),
    OWNER_NAMES_SOURCE,
    destinationNotFound,
    wrongType('topup', 'take money from', 'USER'),
    currencyMismatch,
  ],
});

export const WITHDRAW = movement({
  operationId: 'withdraw',
  summary: 'Withdraw to the outside world',
  description:
    'USER -> EXTERNAL: the amount is held, paid out by the payout provider, then captured, or released ' +
    '(reversed) if the provider refuses.',
  body: twoParty(ex.IDS.userAccount, ex.IDS.externalAccount, '25.00'),
  final: ex.withdrawalReversed,
  partyErrors: [sourceNotFound, wrongType('withdrawal', 'pay into', 'USER'), currencyMismatch],
});

export const TRANSFER = movement({
  operationId: 'transfer',
  summary: 'Transfer between two users',
  description: 'USER -> USER in the same currency, in one atomic entry.',
  body: twoParty(ex.IDS.userAccount, ex.IDS.merchantAccount, '25.00'),
  final: ex.transferCompleted,
  partyErrors: [sourceNotFound, wrongType('transfer', 'pay into', 'EXTERNAL'), currencyMismatch],
});

export const PAY = movement({
  operationId: 'pay',
  summary: 'Pay a merchant',
  description: 'Customer (USER) -> merchant (USER or SYSTEM) in one entry; refundable later.',
  body: body('PaymentRequest', {
    idempotencyKey: ex.IDEMPOTENCY_KEY,
    customerAccountId: ex.IDS.userAccount,
    merchantAccountId: ex.IDS.merchantAccount,
    amount: '25.00',
    currency: 'USD',
  }),
  final: ex.paymentCompleted,
  partyErrors: [sourceNotFound, wrongType('payment', 'pay into', 'EXTERNAL'), currencyMismatch],
});

export const REFUND = movement({
  operationId: 'refund',
  summary: 'Refund a payment',
  description:
    'Gives back part or all of a completed payment: merchant -> customer. Refunds never add up to more ' +
    'than the payment; one that would fails with REFUND.EXCEEDS_ORIGINAL.',
  body: body('RefundRequest', {
    idempotencyKey: 'refund-2026-0001',
    originalPaymentId: ex.IDS.payment,
    amount: '10.00',
    currency: 'USD',
  }),
  final: ex.refundCompleted,
  partyErrors: [],
});

export const PAY_BILL = movement({
  operationId: 'payBill',
  summary: 'Pay a bill',
  description:
    "The amount is held, bought from the bill provider over HTTP, and captured into the provider's " +
    'settlement account with the token it returned (in details), or released (reversed) if the provider ' +
    'refuses or never answers.',
  body: body('BillPaymentRequest', {
    idempotencyKey: 'bill-2026-0001',
    accountId: ex.IDS.userAccount,
    billType: 'electricity',
    provider: 'acme-power',
    meterNumber: '04123456789',
    amount: '20.00',
    currency: 'USD',
  }),
  final: ex.billPaymentCompleted,
  partyErrors: [sourceNotFound, wrongType('bill_payment', 'take money from', 'EXTERNAL'), currencyMismatch],
});

export const GET_TRANSACTION: RouteDescription = {
  operationId: 'getTransaction',
  tag: 'Transactions',
  summary: 'Read a transaction',
  description:
    'Its state, parties, failure reason and type-specific details, with its refunds and what is left to ' +
    "refund. A transaction that touches none of an owner's accounts is 404 for that owner.",
  pathId: { description: 'The transaction id (a UUID; anything else is 404).', example: ex.IDS.payment },
  success: [success(200, 'TransactionDetails', 'The transaction.', ex.transactionDetails)],
  errors: [
    ...AUTH_ERRORS,
    { status: 404, code: 'TRANSACTION.NOT_FOUND', detail: `transaction ${ex.IDS.payment} not found` },
    QUERY_UNAVAILABLE,
  ],
};

export const LIST_STUCK_TRANSACTIONS: RouteDescription = {
  operationId: 'listStuckTransactions',
  tag: 'Transactions',
  summary: 'List stuck transactions, or those that need attention',
  description:
    'Admins only. status=stuck: transactions still pending past their deadline, oldest first, each with ' +
    '`deadlineAt` (answered as a StuckTransactionPage). status=needs_attention: transactions whose saga ' +
    'could not finish on its own (a capture refused after the provider paid, a silent provider, a late ' +
    'provider success after a release), oldest first, each with its reason (answered as an ' +
    'AttentionTransactionPage); a later final event takes a transaction off that list.',
  query: { schema: TransactionsQuery, example: { status: 'stuck', limit: '50' } },
  success: [
    success(
      200,
      'TransactionQueuePage',
      'One page: a StuckTransactionPage for status=stuck, an AttentionTransactionPage for needs_attention.',
      ex.stuckPage,
    ),
  ],
  errors: [
    invalidField('status', 'only status=stuck or status=needs_attention is supported'),
    UNKNOWN_QUERY_PARAMETER,
    ...AUTH_ERRORS,
    { status: 403, code: 'AUTH.FORBIDDEN', detail: 'only an admin may list stuck transactions' },
    QUERY_UNAVAILABLE,
  ],
};
