import { createServer, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { answer, RequestError, writeJson, type Reply } from './json-http';
import { ProviderBook, type ProviderStats } from './provider-book';
import { createRouter } from './routes';

export interface SimulatorOptions {
  /** Port to listen on; 0 picks a free one, which is what parallel tests want. */
  port?: number;
  /** Milliseconds added before every answer, to exercise clients' timeouts and concurrency. */
  latencyMs?: number;
  /** Probability (0..1) that a purchase, payout or collection attempt is answered 503 without being recorded. */
  failureRate?: number;
  /**
   * Probability (0..1) that a void request is answered 503 and changes nothing. It is separate from
   * failureRate so that a test of flaky attempts still sees its void land, and a test of a flaky void
   * (which the caller must treat as "still unknown") names that scenario on its own.
   */
  voidFailureRate?: number;
  /** How long a "late success" (meter …5555, payout or collection amount .55) waits before answering. */
  lateAnswerMs?: number;
  /** Source of the failure-rate draws, injectable so that a test can make them deterministic. */
  random?: () => number;
}

export const SIMULATOR_DEFAULTS = {
  port: 0,
  latencyMs: 0,
  failureRate: 0,
  voidFailureRate: 0,
  lateAnswerMs: 5000,
} as const;

export interface SimulatorStats {
  purchases: ProviderStats;
  payouts: ProviderStats;
  collections: ProviderStats;
}

export interface RunningSimulator {
  url: string;
  port: number;
  /** Stops listening and cuts every open connection, including those the simulator never answers. */
  close(): Promise<void>;
  stats(): SimulatorStats;
}

/** Loopback only: the simulator is a test fixture and must never be reachable from outside the machine. */
const HOST = '127.0.0.1';

const numericOptionsSchema = z.object({
  port: z.number().int().min(0).max(65535).default(SIMULATOR_DEFAULTS.port),
  latencyMs: z.number().min(0).default(SIMULATOR_DEFAULTS.latencyMs),
  failureRate: z.number().min(0).max(1).default(SIMULATOR_DEFAULTS.failureRate),
  voidFailureRate: z.number().min(0).max(1).default(SIMULATOR_DEFAULTS.voidFailureRate),
  lateAnswerMs: z.number().min(0).default(SIMULATOR_DEFAULTS.lateAnswerMs),
});

type ResolvedOptions = z.output<typeof numericOptionsSchema> & { random: () => number };

/** Rejects nonsense options up front, because a typo like failureRate 50 would otherwise mean "always fail". */
function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const { random, ...numeric } = options;
  const result = numericOptionsSchema.safeParse(numeric);
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new RangeError(`invalid simulator options: ${detail}`);
  }
  return { ...result.data, random: random ?? Math.random };
}

/** Starts the simulator on 127.0.0.1 and resolves once it accepts connections. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const resolved = resolveOptions(options);
  const purchases = new ProviderBook();
  const payouts = new ProviderBook();
  const collections = new ProviderBook();
  const route = createRouter({
    purchases,
    payouts,
    collections,
    drawFailure: () => resolved.random() < resolved.failureRate,
    // Voids draw only when their failure rate is set, so that a test which injects a sequence of draws
    // for its attempts does not see that sequence shifted by the voids its client sends.
    drawVoidFailure: () => resolved.voidFailureRate > 0 && resolved.random() < resolved.voidFailureRate,
  });
  // Delayed answers are tracked so that close() can cancel them instead of leaving timers that keep the
  // test process alive for up to lateAnswerMs after the server is gone.
  const pending = new Set<NodeJS.Timeout>();

  const deliver = (res: ServerResponse, reply: Reply): void => {
    // A silent reply writes nothing and leaves the socket open: the client's own timeout must fire.
    if (reply.kind === 'silent') return;
    const delayMs = resolved.latencyMs + (reply.kind === 'late' ? resolved.lateAnswerMs : 0);
    if (delayMs === 0) {
      writeJson(res, reply.statusCode, reply.body);
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(timer);
      writeJson(res, reply.statusCode, reply.body);
    }, delayMs);
    pending.add(timer);
    // A client that gave up will never read the answer, so its timer need not outlive the connection.
    res.once('close', () => {
      clearTimeout(timer);
      pending.delete(timer);
    });
  };

  const server = createServer((req, res) => {
    route(req).then(
      (reply) => deliver(res, reply),
      (error: unknown) => {
        if (error instanceof RequestError) return deliver(res, error.toReply());
        const detail = error instanceof Error ? error.message : String(error);
        deliver(res, answer(500, { code: 'INTERNAL_ERROR', detail }));
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('the simulator is not listening on a TCP port');
  }

  let closing: Promise<void> | undefined;
  return {
    url: `http://${HOST}:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // server.close() alone waits for every open connection, and the never-answered ones would keep
        // it waiting forever; cutting them is what lets a test's afterEach finish.
        server.closeAllConnections();
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
      });
      return closing;
    },
    stats: () => ({
      purchases: purchases.stats(),
      payouts: payouts.stats(),
      collections: collections.stats(),
    }),
  };
}
