/** Runs what needs only the catalog and object storage. */
export const CENTRAL_TASK_QUEUE = 'pitr-central';
