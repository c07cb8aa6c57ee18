/** Runs what needs only the catalog and object storage. */
export const CENTRAL_TASK_QUEUE = 'pitr-central';

/** Watchers of the agent queues: each holds its slot while its run lasts, so they have slots of their own. */
export const WATCH_TASK_QUEUE = 'pitr-watch';
