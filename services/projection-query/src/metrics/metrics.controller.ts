import { Controller, Get, Header, Inject } from '@nestjs/common';

/** Nest token for a function rendering the current metrics. */
export const METRICS_SOURCE = Symbol('METRICS_SOURCE');

/** GET /metrics for Prometheus: consumer lag, the age of the last applied event, parked events. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_SOURCE) private readonly render: () => Promise<string>) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.render();
  }
}
