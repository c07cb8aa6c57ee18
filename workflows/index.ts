export { stackCheckWorkflow } from './stack-check';
export { baseBackupWorkflow, backupProgressQuery } from './base-backup';
export { backupVerificationWorkflow } from './backup-verification';
export { binlogArchiveWorkflow } from './binlog-archive';
export { binlogStreamWorkflow } from './binlog-stream';
export { pitrRestoreWorkflow, restoreProgressQuery, extendRestoreSignal, releaseRestoreSignal } from './pitr-restore';
export { restoreVerificationWorkflow } from './restore-verification';
export { expireWorkflow } from './expire';
