import { ActorSchema } from '@billing/contracts/envelope';
import { ERROR_CODES } from '@billing/contracts/errors';
import { AccountStatusSchema } from '@billing/contracts/messages/accounts';
import { DeadLetterIdSchema } from '@billing/contracts/messages/dead-letters';
import {
  AccountViewSchema,
  BalanceViewSchema,
  DeadLetterReplayStateSchema,
  QueryReplySchemas,
  StatementSchema,
  TransactionDetailsSchema,
} from '@billing/contracts/messages/queries';
import { IdempotencyKeySchema, TransactionSummarySchema } from '@billing/contracts/messages/transactions';
import { AmountSchema, CurrencyCodeSchema, SignedAmountSchema } from '@billing/contracts/money';
import { UuidSchema } from '@billing/contracts/uuid';
import { z } from 'zod';
import { ChangeStatusBodySchema, OpenAccountBodySchema } from '../accounts/account-bodies';
import { ReplayBodySchema } from '../admin/dead-letter-queries';
import {
  ClearInvestigationBodySchema,
  FlagInvestigationBodySchema,
  OperatorActionResultSchema,
  PendingOperatorActionSchema,
  RetryStepBodySchema,
} from '../admin/operator-actions';
import {
  BillPaymentBodySchema,
  PaymentBodySchema,
  RefundBodySchema,
  TopUpBodySchema,
  TwoPartyBodySchema,
} from '../transactions/movements';
import type { JsonSchema } from './openapi-types';

/**
 * Every body schema the document names, keyed by its component name. Request bodies are the very
 * schemas the controllers parse with, and responses are the contracts' read-side schemas, so the
 * document cannot drift from what the gateway accepts and answers.
 */

/** The data of a successful query reply: the contract's union is `{ok: true, data} | error`. */
function dataOf<R extends { options: readonly [{ shape: { data: z.ZodType } }, ...unknown[]] }>(
  reply: R,
): R['options'][0]['shape']['data'] {
  return reply.options[0].shape.data;
}

export const FieldErrorSchema = z.strictObject({
  field: z.string(),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

/** The RFC 9457 problem document that src/http/problem.ts sends for every refusal. */
export const ProblemSchema = z.strictObject({
  type: z.url(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  code: z.enum(ERROR_CODES),
  detail: z.string(),
  instance: z.string(),
  errors: z.array(FieldErrorSchema).optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** POST /accounts answers 201 with the account as the ledger opened it, built by the controller. */
export const OpenedAccountSchema = AccountViewSchema.pick({
  id: true,
  ownerId: true,
  ownerType: true,
  type: true,
  currency: true,
  balance: true,
  status: true,
  metadata: true,
  createdAt: true,
});

export const PendingAccountSchema = z.strictObject({ id: UuidSchema, status: z.literal('pending') });

export const PendingTransactionSchema = z.strictObject({
  transactionId: UuidSchema,
  status: z.literal('pending'),
});

/**
 * 202 of a money movement: just the id and `pending`, or the transaction as known so far when it is
 * not final yet: still pending on a retry, or `needs_attention` (its saga could not finish on its own
 * and a person or a later retry settles it; the `reason` says what).
 */
export const AcceptedTransactionSchema = z.union([PendingTransactionSchema, TransactionSummarySchema]);

export const AccountStatusChangeSchema = z.strictObject({
  accountId: UuidSchema,
  status: AccountStatusSchema,
  previousStatus: AccountStatusSchema,
});

export const PendingStatusChangeSchema = z.strictObject({
  accountId: UuidSchema,
  status: z.literal('pending'),
});

const HealthCheckSchema = z.strictObject({
  name: z.string(),
  ok: z.boolean(),
  detail: z.unknown().optional(),
});

export const ReadinessSchema = z.strictObject({
  status: z.enum(['ok', 'unavailable']),
  checks: z.array(HealthCheckSchema),
});

export const LivenessSchema = z.strictObject({ status: z.literal('ok') });

/** POST /admin/dead-letters/{id}/replay answers 202 with the replay it asked for. */
export const ReplayAcceptedSchema = z.strictObject({
  deadLetterId: DeadLetterIdSchema,
  replayId: UuidSchema,
  replayState: DeadLetterReplayStateSchema,
});

export const REQUEST_BODIES = {
  OpenAccountRequest: OpenAccountBodySchema,
  ChangeAccountStatusRequest: ChangeStatusBodySchema,
  TopUpRequest: TopUpBodySchema,
  TwoPartyMovementRequest: TwoPartyBodySchema,
  PaymentRequest: PaymentBodySchema,
  RefundRequest: RefundBodySchema,
  BillPaymentRequest: BillPaymentBodySchema,
  RetryStepRequest: RetryStepBodySchema,
  FlagInvestigationRequest: FlagInvestigationBodySchema,
  ClearInvestigationRequest: ClearInvestigationBodySchema,
  ReplayDeadLetterRequest: ReplayBodySchema,
} as const;

export const RESPONSE_BODIES = {
  Problem: ProblemSchema,
  OpenedAccount: OpenedAccountSchema,
  PendingAccount: PendingAccountSchema,
  AccountView: AccountViewSchema,
  AccountPage: dataOf(QueryReplySchemas.ListAccounts),
  BalanceView: BalanceViewSchema,
  AccountStatusChange: AccountStatusChangeSchema,
  PendingStatusChange: PendingStatusChangeSchema,
  TransactionSummary: TransactionSummarySchema,
  TransactionPage: dataOf(QueryReplySchemas.ListAccountTransactions),
  TransactionDetails: TransactionDetailsSchema,
  PendingTransaction: PendingTransactionSchema,
  AcceptedTransaction: AcceptedTransactionSchema,
  StuckTransactionPage: dataOf(QueryReplySchemas.ListStuckTransactions),
  AttentionTransactionPage: dataOf(QueryReplySchemas.ListTransactionsNeedingAttention),
  TransactionQueuePage: z.union([
    dataOf(QueryReplySchemas.ListStuckTransactions),
    dataOf(QueryReplySchemas.ListTransactionsNeedingAttention),
  ]),
  Statement: StatementSchema,
  TrialBalance: dataOf(QueryReplySchemas.GetTrialBalance),
  CurrencyList: dataOf(QueryReplySchemas.ListCurrencies),
  Liveness: LivenessSchema,
  Readiness: ReadinessSchema,
  Caller: ActorSchema,
  TransactionActivity: dataOf(QueryReplySchemas.GetTransactionActivity),
  TransactionTimeline: dataOf(QueryReplySchemas.GetTransactionTimeline),
  OperatorActionResult: OperatorActionResultSchema,
  PendingOperatorAction: PendingOperatorActionSchema,
  DeadLetterPage: dataOf(QueryReplySchemas.ListDeadLetters),
  DeadLetterDetails: dataOf(QueryReplySchemas.GetDeadLetter),
  ReplayAccepted: ReplayAcceptedSchema,
} as const;

/**
 * Scalars that many bodies share get a component of their own, with a description, so that a reader
 * learns once what an amount is and the document does not repeat the same long patterns everywhere.
 */
const SHARED_SCALARS: Record<string, { schema: z.ZodType; description: string }> = {
  Uuid: { schema: UuidSchema, description: 'An id: a UUID (the platform issues version 7 and 5).' },
  Amount: {
    schema: AmountSchema,
    description:
      'A positive decimal string in plain notation such as "100.00", with no more decimals than the ' +
      "currency's scale. Never a JSON number, so no amount is ever rounded.",
  },
  SignedAmount: {
    schema: SignedAmountSchema,
    description: 'A decimal string that may be negative, such as "-100.00" (balances of EXTERNAL accounts).',
  },
  CurrencyCode: {
    schema: CurrencyCodeSchema,
    description: 'A currency the ledger knows, such as "USD"; GET /api/v1/currencies lists them.',
  },
  IdempotencyKey: {
    schema: IdempotencyKeySchema,
    description: '8-128 letters, digits or _.:- chosen by the client to make a request safe to retry.',
  },
};

export type RequestBodyName = keyof typeof REQUEST_BODIES;
export type ResponseBodyName = keyof typeof RESPONSE_BODIES;

export const componentRef = (name: RequestBodyName | ResponseBodyName) => ({
  $ref: `#/components/schemas/${name}`,
});

/**
 * Converts one set of schemas through a registry, so that a schema used inside another (a page's items)
 * becomes a $ref to its own component instead of a copy. Requests are converted as their input type
 * (what a client sends, before defaults and transforms), responses as their output type.
 */
function convert(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string; description?: string }>();
  for (const [id, { schema, description }] of Object.entries(SHARED_SCALARS)) {
    registry.add(schema, { id, description });
  }
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `#/components/schemas/${id}`,
    metadata: registry,
  });
  const out: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(converted)) out[id] = embedded(schema);
  return out;
}

export function componentSchemas(): Record<string, JsonSchema> {
  return { ...convert(REQUEST_BODIES, 'input'), ...convert(RESPONSE_BODIES, 'output') };
}

/** The JSON Schema of a single value (a query or header parameter), inlined where it is used. */
export function inlineSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  return embedded(z.toJSONSchema(schema, { target: 'draft-2020-12', io }));
}

/**
 * Inside an OpenAPI document the dialect is the document's and a component is named by its key, so the
 * standalone $schema and $id the converter writes would only confuse tools.
 */
function embedded(schema: JsonSchema): JsonSchema {
  const copy = { ...schema };
  delete copy.$schema;
  delete copy.$id;
  return copy;
}
