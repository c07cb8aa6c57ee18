export { applyBinlogs } from './apply-binlogs';
export { ApplyAbortedError, ApplyFailedError, ApplyPlanError, ApplyStalledError, ApplyVerificationError } from './errors';
export { applierServerArgs } from './server-args';
export type { ApplyProgress, ApplyRequest, ApplyResult, ApplyRoute, ApplyStop } from './types';
