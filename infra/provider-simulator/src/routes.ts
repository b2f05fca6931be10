import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { planPurchase, purchaseFingerprint, purchaseRequestSchema } from './bill-provider';
import { collectionFingerprint, collectionPlanner, collectionRequestSchema } from './collection-provider';
import { answer, readJsonBody, type Reply } from './json-http';
import { payoutFingerprint, payoutRequestSchema, planPayout } from './payout-provider';
import type { AttemptPlan, ProviderBook } from './provider-book';
import { parseRequest, referenceFromPath } from './schemas';

export interface RouteContext {
  purchases: ProviderBook;
  payouts: ProviderBook;
  collections: ProviderBook;
  /** One draw per valid purchase, payout or collection attempt: true means "the provider is down for it". */
  drawFailure: () => boolean;
  /** Asked once per valid void request: true means "the provider is down for this void". */
  drawVoidFailure: () => boolean;
}

interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** `segment` is the pattern's first capture group, the raw reference for status queries and voids. */
  handle: (req: IncomingMessage, segment: string) => Reply | Promise<Reply>;
}

/** What makes one provider different from the others; everything else about its routes is shared. */
interface ProviderSpec<Schema extends z.ZodType<{ reference: string }>> {
  /** The provider's base path, such as `/v1/payouts`; it contains no regular-expression metacharacters. */
  path: string;
  book: ProviderBook;
  schema: Schema;
  fingerprint: (request: z.output<Schema>) => string;
  plan: (request: z.output<Schema>) => AttemptPlan;
}

/**
 * The three routes every provider has: the attempt, the status query by reference, and the void. A void
 * needs no body (the reference says it all), so whatever body a client sends is ignored rather than read.
 */
function providerRoutes<Schema extends z.ZodType<{ reference: string }>>(
  spec: ProviderSpec<Schema>,
  { drawFailure, drawVoidFailure }: RouteContext,
): Route[] {
  const { path, book } = spec;
  return [
    {
      method: 'POST',
      pattern: new RegExp(`^${path}$`),
      handle: async (req) => {
        const request = parseRequest(spec.schema, await readJsonBody(req));
        return book.attempt({
          reference: request.reference,
          fingerprint: spec.fingerprint(request),
          injectFailure: drawFailure(),
          plan: () => spec.plan(request),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^${path}/([^/]+)$`),
      handle: (_req, segment) => book.status(referenceFromPath(segment)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^${path}/([^/]+)/void$`),
      handle: (_req, segment) => book.void(referenceFromPath(segment), drawVoidFailure()),
    },
  ];
}

function routesFor(context: RouteContext): readonly Route[] {
  return [
    { method: 'GET', pattern: /^\/health$/, handle: () => answer(200, { status: 'ok' }) },
    ...providerRoutes(
      {
        path: '/v1/bills/electricity/purchases',
        book: context.purchases,
        schema: purchaseRequestSchema,
        fingerprint: purchaseFingerprint,
        plan: planPurchase,
      },
      context,
    ),
    ...providerRoutes(
      {
        path: '/v1/payouts',
        book: context.payouts,
        schema: payoutRequestSchema,
        fingerprint: payoutFingerprint,
        plan: planPayout,
      },
      context,
    ),
    ...providerRoutes(
      {
        path: '/v1/collections',
        book: context.collections,
        schema: collectionRequestSchema,
        fingerprint: collectionFingerprint,
        // One planner per router, so that each simulator remembers its own `.44` references.
        plan: collectionPlanner(),
      },
      context,
    ),
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
