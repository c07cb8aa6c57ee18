import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';

let installed = false;

/** Installs the SDK runtime once per process, logging at `PITR_LOG_LEVEL` (default INFO). */
export function ensureRuntime(): void {
  if (installed) return;
  const level = (process.env.PITR_LOG_LEVEL ?? 'INFO').toUpperCase() as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
  installed = true;
}
