import type { ErrorCode } from '@billing/contracts/errors';
import type {
  ProviderOperation,
  TransactionProviderStepRecordedMessage,
} from '@billing/contracts/messages/transactions';
import type { ActiveSaga, ProviderKind, WorkflowInput } from '../workflow/types';

export interface ProviderSettings {
  baseUrl: string;
  timeoutMs: number;
}

type ProviderAnswer =
  { status: number; body: Record<string, unknown> } | { status: 'timeout' | 'unreachable'; detail: string };

async function request(
  settings: ProviderSettings,
  method: 'GET' | 'POST',
  path: string,
  body?: object,
): Promise<ProviderAnswer> {
  try {
    const res = await fetch(`${settings.baseUrl}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { detail: text.slice(0, 200) };
    }
    return { status: res.status, body: parsed };
  } catch (err) {
    const name = (err as Error).name;
    return name === 'TimeoutError' || name === 'AbortError'
      ? { status: 'timeout', detail: `no answer within ${settings.timeoutMs} ms` }
      : { status: 'unreachable', detail: (err as Error).message };
  }
}

/**
 * Where each provider lives, which fields of its success the transaction keeps, and which of them is the
 * provider's own reference (shown on the timeline; a bill's token is kept in the details only).
 */
const PROVIDERS: Record<
  ProviderKind,
  { path: string; successFields: readonly string[]; referenceField: string; operation: ProviderOperation }
> = {
  payout: {
    path: '/v1/payouts',
    successFields: ['payoutId'],
    referenceField: 'payoutId',
    operation: 'payout',
  },
  purchase: {
    path: '/v1/bills/electricity/purchases',
    successFields: ['token', 'providerReference', 'units'],
    referenceField: 'providerReference',
    operation: 'pay_bill',
  },
  collection: {
    path: '/v1/collections',
    successFields: ['collectionId'],
    referenceField: 'collectionId',
    operation: 'collect',
  },
};

/** What the saga publishes about one provider attempt (TransactionProviderStepRecorded). */
export type ProviderStep = TransactionProviderStepRecordedMessage['data'];

/** A provider attempt's outcome as the workflow takes it in, and as the timeline shows it. */
export interface ProviderAttempt<I extends WorkflowInput = WorkflowInput> {
  input: I;
  step: ProviderStep;
}

/** The name the timeline shows: the bill provider, the funding provider, or the payout provider. */
function providerNameOf(saga: ActiveSaga, kind: ProviderKind): string {
  const named = kind === 'purchase' ? saga.summary.details.provider : saga.summary.details.fundingProvider;
  return kind !== 'payout' && named ? named : kind === 'collection' ? 'funding' : 'payout';
}

function referenceOf(answer: ProviderAnswer, kind: ProviderKind): string | null {
  if (!('body' in answer)) return null;
  const value = answer.body[PROVIDERS[kind].referenceField];
  return typeof value === 'string' ? value.slice(0, 128) : null;
}

/** Describes an attempt for the timeline from the answer and what the workflow was told. */
function stepOf(
  saga: ActiveSaga,
  kind: ProviderKind,
  operation: ProviderOperation,
  attempt: number,
  answer: ProviderAnswer,
  input: WorkflowInput,
): ProviderStep {
  const base = {
    transactionId: saga.summary.transactionId,
    provider: providerNameOf(saga, kind),
    operation,
    attempt,
    providerReference: referenceOf(answer, kind),
    at: input.at,
  };
  switch (input.kind) {
    case 'provider-succeeded':
      return { ...base, outcome: 'accepted', code: null, detail: null };
    case 'provider-refused':
      return { ...base, outcome: 'refused', code: input.code, detail: input.detail.slice(0, 1000) };
    case 'void-answered':
      if (input.outcome === 'paid') return { ...base, outcome: 'accepted', code: null, detail: null };
      if (input.outcome === 'voided') return { ...base, outcome: 'voided', code: null, detail: null };
      break;
  }
  const detail = 'detail' in input && typeof input.detail === 'string' ? input.detail.slice(0, 1000) : null;
  const timedOut = !('body' in answer) && answer.status === 'timeout';
  return { ...base, outcome: timedOut ? 'timed_out' : 'unavailable', code: null, detail };
}

const SUCCESS = new Set(['success', 'paid', 'collected']);
const REFUSED = new Set(['failed', 'refused', 'declined', 'voided']);

const REFUSALS: Record<string, ErrorCode> = {
  INVALID_ACCOUNT: 'PROVIDER.INVALID_ACCOUNT',
  INSUFFICIENT_CREDIT: 'PROVIDER.INSUFFICIENT_CREDIT',
  DECLINED: 'PROVIDER.DECLINED',
  INSUFFICIENT_FUNDS: 'PROVIDER.DECLINED',
};

function successDetails(body: Record<string, unknown>, kind: ProviderKind): Record<string, string> {
  const details: Record<string, string> = {};
  for (const field of PROVIDERS[kind].successFields)
    if (typeof body[field] === 'string') details[field] = body[field];
  return details;
}

/**
 * Turns a provider's answer into a workflow input. Only a recorded refusal (a 4xx that says so) is a
 * refusal; a 5xx, a timeout, an unreachable provider or anything unclear is "unavailable": unknown,
 * never a refusal and never a success. `unknown` means the provider knows nothing of the reference.
 */
function interpret(answer: ProviderAnswer, at: string, kind: ProviderKind): WorkflowInput | 'unknown' {
  if (!('body' in answer)) return { kind: 'provider-unavailable', detail: answer.detail, at };
  const { status, body } = answer;
  const said = typeof body.status === 'string' ? body.status : '';
  if (status === 404) return 'unknown';
  if (status === 200 && SUCCESS.has(said))
    return { kind: 'provider-succeeded', details: successDetails(body, kind), at };
  if (status >= 400 && status < 500 && status !== 409 && REFUSED.has(said)) {
    const code = typeof body.code === 'string' ? body.code : 'REFUSED';
    return {
      kind: 'provider-refused',
      code: said === 'voided' ? 'PROVIDER.TIMEOUT' : (REFUSALS[code] ?? 'PROVIDER.REFUSED'),
      detail: `provider refused: ${code}`,
      at,
    };
  }
  if (status === 200 && REFUSED.has(said)) {
    const code = typeof body.code === 'string' ? body.code : 'REFUSED';
    return {
      kind: 'provider-refused',
      code: REFUSALS[code] ?? 'PROVIDER.REFUSED',
      detail: `provider refused: ${code}`,
      at,
    };
  }
  return { kind: 'provider-unavailable', detail: `answer ${status} ${said}`.trim(), at };
}

/** The request body for a saga's provider call; the transaction id is the provider's reference. */
function bodyOf(saga: ActiveSaga, kind: ProviderKind): object {
  const { summary } = saga;
  const common = { reference: summary.transactionId, amount: summary.amount, currency: summary.currency };
  switch (kind) {
    case 'purchase':
      return { ...common, provider: summary.details.provider, meterNumber: summary.details.meterNumber };
    case 'payout':
      return { ...common, accountId: summary.destinationAccountId };
    case 'collection':
      return {
        ...common,
        method: summary.details.fundingMethod,
        sourceReference: summary.details.fundingSourceReference,
      };
  }
}

/** Sagas stored before providers were named: the type says which one. */
export function providerKindOf(saga: ActiveSaga): ProviderKind {
  if (saga.provider) return saga.provider;
  return saga.summary.type === 'bill_payment' ? 'purchase' : 'payout';
}

/**
 * One attempt at the provider for a saga. The saga's transaction id is the provider's reference, so a
 * repeated attempt can never charge twice. From the second attempt on, the provider is first asked what
 * it knows of the reference (the first attempt may have succeeded without our hearing of it), and the
 * call is sent again only when it knows nothing.
 */
export async function attemptProvider(
  saga: ActiveSaga,
  attempt: number,
  settings: ProviderSettings,
  at: string,
): Promise<ProviderAttempt> {
  const kind = providerKindOf(saga);
  const { path, operation } = PROVIDERS[kind];
  const recorded = (answer: ProviderAnswer, input: WorkflowInput): ProviderAttempt => ({
    input,
    step: stepOf(saga, kind, operation, attempt, answer, input),
  });
  if (attempt > 1) {
    const answer = await request(settings, 'GET', `${path}/${saga.summary.transactionId}`);
    const status = interpret(answer, at, kind);
    if (status !== 'unknown') return recorded(answer, status);
  }
  const answer = await request(settings, 'POST', path, bodyOf(saga, kind));
  const result = interpret(answer, at, kind);
  return recorded(
    answer,
    result === 'unknown'
      ? { kind: 'provider-unavailable', detail: 'provider does not know the reference', at }
      : result,
  );
}

/**
 * Asks the provider to void the reference: afterwards it can never complete. The answer says whether
 * it is voided (or was refused: it will not complete either), already paid, or still unknown (5xx,
 * timeout, anything unclear), in which case nothing may be released yet.
 */
export async function voidAtProvider(
  saga: ActiveSaga,
  attempt: number,
  settings: ProviderSettings,
  at: string,
): Promise<ProviderAttempt<Extract<WorkflowInput, { kind: 'void-answered' }>>> {
  const kind = providerKindOf(saga);
  const answer = await request(
    settings,
    'POST',
    `${PROVIDERS[kind].path}/${saga.summary.transactionId}/void`,
  );
  const input = voidAnswer(answer, kind, at);
  return { input, step: stepOf(saga, kind, 'void', attempt, answer, input) };
}

function voidAnswer(
  answer: ProviderAnswer,
  kind: ProviderKind,
  at: string,
): Extract<WorkflowInput, { kind: 'void-answered' }> {
  if (!('body' in answer)) return { kind: 'void-answered', outcome: 'unknown', detail: answer.detail, at };
  const said = typeof answer.body.status === 'string' ? answer.body.status : '';
  if (SUCCESS.has(said) && (answer.status === 200 || answer.status === 409))
    return { kind: 'void-answered', outcome: 'paid', details: successDetails(answer.body, kind), at };
  if (answer.status === 200 && REFUSED.has(said)) return { kind: 'void-answered', outcome: 'voided', at };
  return {
    kind: 'void-answered',
    outcome: 'unknown',
    detail: `void answered ${answer.status} ${said}`.trim(),
    at,
  };
}
