import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * Installs the SDK runtime once per process, logging at `PITR_LOG_LEVEL` (default INFO) and,
 * when `PITR_SDK_METRICS_ADDRESS` is set, exporting the SDK's Prometheus metrics there.
 */
export function ensureRuntime(): void {
  if (installed) return;
  const level = (process.env.PITR_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  const metricsAddress = process.env.PITR_SDK_METRICS_ADDRESS;
  Runtime.install({
    logger: new DefaultLogger(level),
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } } : {}),
  });
  installed = true;
}
