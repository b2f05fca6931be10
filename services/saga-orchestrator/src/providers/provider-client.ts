import type { ErrorCode } from '@billing/contracts/errors';
import type { ActiveSaga, WorkflowInput } from '../workflow/types';

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

const REFUSALS: Record<string, ErrorCode> = {
  INVALID_ACCOUNT: 'PROVIDER.INVALID_ACCOUNT',
  INSUFFICIENT_CREDIT: 'PROVIDER.INSUFFICIENT_CREDIT',
  SERVICE_UNAVAILABLE: 'PROVIDER.SERVICE_UNAVAILABLE',
};

/** Turns a provider's answer into a workflow input. Anything unclear is "unavailable", never success. */
function interpret(
  answer: ProviderAnswer,
  at: string,
  successFields: readonly string[],
): WorkflowInput | 'unknown' {
  if (!('body' in answer)) return { kind: 'provider-unavailable', detail: answer.detail, at };
  const { status, body } = answer;
  if (status === 404) return 'unknown';
  if (status === 200 && (body.status === 'success' || body.status === 'paid')) {
    const details: Record<string, string> = {};
    for (const field of successFields) if (typeof body[field] === 'string') details[field] = body[field];
    return { kind: 'provider-succeeded', details, at };
  }
  if (status === 422 || status === 503 || body.status === 'failed' || body.status === 'refused') {
    const code = typeof body.code === 'string' ? body.code : 'REFUSED';
    return {
      kind: 'provider-refused',
      code: REFUSALS[code] ?? 'PROVIDER.REFUSED',
      detail: `provider refused: ${code}`,
      at,
    };
  }
  return { kind: 'provider-unavailable', detail: `unexpected answer ${status}`, at };
}

/**
 * One attempt at the provider for a saga. The saga's transaction id is the provider's reference, so a
 * repeated attempt can never charge twice. From the second attempt on, the provider is first asked what
 * it knows of the reference (the first attempt may have succeeded without our hearing of it), and the
 * purchase is sent again only when it knows nothing.
 */
export async function attemptProvider(
  saga: ActiveSaga,
  attempt: number,
  settings: ProviderSettings,
  at: string,
): Promise<WorkflowInput> {
  const { summary } = saga;
  const bill = summary.type === 'bill_payment';
  const path = bill ? '/v1/bills/electricity/purchases' : '/v1/payouts';
  const successFields = bill ? ['token', 'providerReference', 'units'] : ['payoutId'];
  if (attempt > 1) {
    const status = interpret(
      await request(settings, 'GET', `${path}/${summary.transactionId}`),
      at,
      successFields,
    );
    if (status !== 'unknown') return status;
  }
  const body = bill
    ? {
        reference: summary.transactionId,
        provider: summary.details.provider,
        meterNumber: summary.details.meterNumber,
        amount: summary.amount,
        currency: summary.currency,
      }
    : {
        reference: summary.transactionId,
        accountId: summary.destinationAccountId,
        amount: summary.amount,
        currency: summary.currency,
      };
  const result = interpret(await request(settings, 'POST', path, body), at, successFields);
  return result === 'unknown'
    ? { kind: 'provider-unavailable', detail: 'provider does not know the purchase', at }
    : result;
}
