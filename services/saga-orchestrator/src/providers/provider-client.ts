import type { ErrorCode } from '@billing/contracts/errors';
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

/** Where each provider lives and which fields of its success the transaction keeps. */
const PROVIDERS: Record<ProviderKind, { path: string; successFields: readonly string[] }> = {
  payout: { path: '/v1/payouts', successFields: ['payoutId'] },
  purchase: {
    path: '/v1/bills/electricity/purchases',
    successFields: ['token', 'providerReference', 'units'],
  },
  collection: { path: '/v1/collections', successFields: ['collectionId'] },
};

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
): Promise<WorkflowInput> {
  const kind = providerKindOf(saga);
  const { path } = PROVIDERS[kind];
  if (attempt > 1) {
    const status = interpret(
      await request(settings, 'GET', `${path}/${saga.summary.transactionId}`),
      at,
      kind,
    );
    if (status !== 'unknown') return status;
  }
  const result = interpret(await request(settings, 'POST', path, bodyOf(saga, kind)), at, kind);
  return result === 'unknown'
    ? { kind: 'provider-unavailable', detail: 'provider does not know the reference', at }
    : result;
}

/**
 * Asks the provider to void the reference: afterwards it can never complete. The answer says whether
 * it is voided (or was refused: it will not complete either), already paid, or still unknown (5xx,
 * timeout, anything unclear), in which case nothing may be released yet.
 */
export async function voidAtProvider(
  saga: ActiveSaga,
  settings: ProviderSettings,
  at: string,
): Promise<Extract<WorkflowInput, { kind: 'void-answered' }>> {
  const kind = providerKindOf(saga);
  const answer = await request(
    settings,
    'POST',
    `${PROVIDERS[kind].path}/${saga.summary.transactionId}/void`,
  );
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
