import { Controller, Get, Inject, Res } from '@nestjs/common';

/**
 * /health/live says the process is up; /health/ready says it can do its work: database and broker
 * reachable, consumers joined. Kubernetes routes traffic and restarts pods on these.
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: unknown }>;
}

/** Nest token for a function returning the current checks; each service provides it. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

interface StatusReply {
  status(code: number): unknown;
}

@Controller('health')
export class HealthController {
  constructor(@Inject(READINESS_CHECKS) private readonly checks: () => ReadinessCheck[]) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: StatusReply): Promise<unknown> {
    const results = await Promise.all(
      this.checks().map(async (c) => {
        try {
          return { name: c.name, ...(await c.check()) };
        } catch (err) {
          return { name: c.name, ok: false, detail: String(err) };
        }
      }),
    );
    const ok = results.every((r) => r.ok);
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', checks: results };
  }
}
