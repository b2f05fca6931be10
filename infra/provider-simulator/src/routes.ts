import type { IncomingMessage } from 'node:http';
import { planPurchase, purchaseFingerprint, purchaseRequestSchema } from './bill-provider';
import { answer, readJsonBody, type Reply } from './json-http';
import { payoutFingerprint, payoutRequestSchema, planPayout } from './payout-provider';
import type { ProviderBook } from './provider-book';
import { parseRequest, referenceFromPath } from './schemas';

export interface RouteContext {
  purchases: ProviderBook;
  payouts: ProviderBook;
  /** One draw per valid purchase or payout attempt: true means "the provider is down for this one". */
  drawFailure: () => boolean;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** `segment` is the pattern's first capture group, the raw reference for status queries. */
  handle: (req: IncomingMessage, segment: string) => Reply | Promise<Reply>;
}

function routesFor({ purchases, payouts, drawFailure }: RouteContext): readonly Route[] {
  return [
    { method: 'GET', pattern: /^\/health$/, handle: () => answer(200, { status: 'ok' }) },
    {
      method: 'POST',
      pattern: /^\/v1\/bills\/electricity\/purchases$/,
      handle: async (req) => {
        const request = parseRequest(purchaseRequestSchema, await readJsonBody(req));
        return purchases.attempt({
          reference: request.reference,
          fingerprint: purchaseFingerprint(request),
          injectFailure: drawFailure(),
          plan: () => planPurchase(request),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/bills\/electricity\/purchases\/([^/]+)$/,
      handle: (_req, segment) => purchases.status(referenceFromPath(segment)),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/payouts$/,
      handle: async (req) => {
        const request = parseRequest(payoutRequestSchema, await readJsonBody(req));
        return payouts.attempt({
          reference: request.reference,
          fingerprint: payoutFingerprint(request),
          injectFailure: drawFailure(),
          plan: () => planPayout(request),
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/payouts\/([^/]+)$/,
      handle: (_req, segment) => payouts.status(referenceFromPath(segment)),
    },
  ];
}

/**
 * Builds the request router. Unknown paths and wrong methods get JSON answers too, because a client under
 * test that calls a wrong URL should fail with a readable body rather than with an HTML page or a hang.
 */
export function createRouter(context: RouteContext): (req: IncomingMessage) => Promise<Reply> {
  const routes = routesFor(context);
  return async (req) => {
    const path = new URL(req.url ?? '/', 'http://simulator.invalid').pathname;
    const allowed: string[] = [];
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (match === null) continue;
      if (route.method === req.method) return route.handle(req, match[1] ?? '');
      allowed.push(route.method);
    }
    if (allowed.length > 0) {
      return answer(405, {
        code: 'METHOD_NOT_ALLOWED',
        detail: `${req.method ?? '?'} ${path} is not supported; use ${allowed.join(' or ')}`,
      });
    }
    return answer(404, { code: 'NOT_FOUND', detail: `no route for ${path}` });
  };
}
