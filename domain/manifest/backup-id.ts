/** A backup's id as manifests and object keys write it: the workflow id without `:` (object-key safe). */
export function storedBackupId(backupId: string): string {
  return backupId.replace(/:/g, '');
}
