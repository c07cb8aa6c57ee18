export { runBackup } from './run-backup';
export { restoreBackup, type RestoreRequest, type RestoreTarget } from './restore';
export { packPayload, unpackPayload } from './pack';
export {
  CoordinateMissingError,
  EngineAbortedError,
  EngineFailedError,
  RestoredStateMismatchError,
  RestoreTargetInUseError,
} from './errors';
export type {
  BackupOptions,
  BackupResult,
  BackupThrottle,
  DbConnection,
  EngineCoordinate,
  EngineName,
  IoPriority,
} from './types';
export { ENGINE_FLAVOR } from './types';
export { connectionOf } from './sql-connection';
