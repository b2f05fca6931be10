import type { Actor } from '@billing/contracts/envelope';
import { MOVEMENT_RULES } from '@billing/contracts/policy';
import type { FailureReason, MovementRequest, SagaFlow, WorkflowSettings } from './types';

/**
 * The checks the orchestrator makes before it holds or calls anything: who may ask for this, and is
 * everything the steps depend on configured. A request that fails here ends `failed` at once, with
 * nothing reserved and no provider called. The ledger judges the accounts themselves (when the hold is
 * placed, before any provider call) because it owns them.
 */
export function screen(
  request: MovementRequest,
  actor: Actor,
  settings: WorkflowSettings,
): FailureReason | null {
  if (request.refusal) return request.refusal;
  const currencyKnown = settings.providerCurrencies.includes(request.currency);
  switch (request.type) {
    case 'topup': {
      const named = request.sourceNamedByCaller !== false;
      if (named && actor.kind === 'owner' && !MOVEMENT_RULES.topup.ownerNamesSource) {
        return {
          code: 'AUTH.FORBIDDEN',
          detail: 'an owner may not name the account a top-up comes from; send funding instead',
        };
      }
      if (named === (request.funding !== null)) {
        return {
          code: 'REQUEST.INVALID',
          detail: 'a top-up names either a source account (admins) or funding, exactly one',
        };
      }
      if (request.funding && !currencyKnown)
        return {
          code: 'CURRENCY.UNKNOWN',
          detail: `the funding provider does not collect ${request.currency}`,
        };
      return null;
    }
    case 'withdrawal':
      return currencyKnown
        ? null
        : { code: 'CURRENCY.UNKNOWN', detail: `the payout provider does not pay out ${request.currency}` };
    case 'bill_payment': {
      const provider = request.details.provider ?? '';
      if (!settings.billProviders.some((p) => p.toLowerCase() === provider.toLowerCase()))
        return { code: 'PROVIDER.UNKNOWN', detail: `bill provider ${provider} is not configured` };
      return currencyKnown
        ? null
        : {
            code: 'CURRENCY.UNKNOWN',
            detail: `bill provider ${provider} does not settle ${request.currency}`,
          };
    }
    case 'transfer':
    case 'payment':
    case 'refund':
      return null;
    default: {
      const unreachable: never = request.type;
      throw new Error(`unknown type ${String(unreachable)}`);
    }
  }
}

/** The flow a new request runs: an owner's top-up is a collection around a hold, an admin's one entry. */
export function flowOf(request: MovementRequest): SagaFlow {
  switch (request.type) {
    case 'topup':
      return request.funding ? 'hold-flow' : 'single-entry';
    case 'withdrawal':
    case 'bill_payment':
      return 'hold-flow';
    case 'refund':
      return 'refund';
    case 'transfer':
    case 'payment':
      return 'single-entry';
    default: {
      const unreachable: never = request.type;
      throw new Error(`unknown type ${String(unreachable)}`);
    }
  }
}
