import { createLogger } from '@billing/platform/logger';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../gateway-harness.spec';

describe("the platform logger's redaction of credentials", () => {
  it('redacts the Authorization and X-API-Key headers of a logged headers object', () => {
    const logger = createLogger('command-gateway', 'info');
    const logs = captureLogs(logger);
    logger.info(
      { headers: { authorization: 'Bearer token-0001', 'x-api-key': 'key-0002', accept: '*/*' } },
      'in',
    );
    expect(logs()).not.toContain('token-0001');
    expect(logs()).not.toContain('key-0002');
    expect(JSON.parse(logs())).toMatchObject({
      headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: '*/*' },
    });
  });

  it('redacts credentials logged as fields of their own, also in child loggers', () => {
    const logger = createLogger('command-gateway', 'info');
    const logs = captureLogs(logger);
    logger
      .child({ component: 'auth' })
      .info({ authorization: 'Bearer token-0003', apiKey: 'key-0004' }, 'in');
    expect(logs()).not.toMatch(/token-0003|key-0004/);
    expect(logs()).toContain('[redacted]');
  });
});
