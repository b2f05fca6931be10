import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Starts OpenTelemetry tracing when enabled. Exporters are configured by the standard OTEL_* variables,
 * which the SDK reads itself; with tracing off the process carries no SDK at all.
 */
export async function startTelemetry(serviceName: string, enabled: boolean): Promise<() => Promise<void>> {
  if (!enabled) return async () => {};
  const sdk = new NodeSDK({ serviceName });
  sdk.start();
  return () => sdk.shutdown();
}
