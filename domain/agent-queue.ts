/** A cluster's agent queue that no agent polls while a run waits on it: said in the CLI, `pitr status` and the Temporal UI. */
export interface NoAgentPolling {
  taskQueue: string;
  message: string;
}

export function noAgentPolling(taskQueue: string, tenantId: string, clusterId: string): NoAgentPolling {
  return {
    taskQueue,
    message: `no agent is polling task queue ${taskQueue} for ${tenantId}/${clusterId} — start \`pitr agent --config <agent configuration of ${tenantId}/${clusterId}>\` on the database host`,
  };
}
