import type { GtidAlgebra } from '../../domain/gtid';
import { withSql } from '../engines/sql-connection';
import { indexBinlogFiles } from './binlog-files';
import { planApply } from './apply-plan';
import { applyThroughBinlogPipe } from './binlog-pipe-route';
import { withoutCommitSyncs } from './commit-durability';
import { ApplyVerificationError } from './errors';
import { mariadbGtids, mysqlGtids, type FlavorGtids } from './flavor-gtids';
import { applyThroughReplication, relayLogFor } from './relay-log-route';
import { readExecutedGtids } from './server-state';
import type { ApplyRequest, ApplyResult, ApplyRoute } from './types';

const DEFAULT_PROGRESS_INTERVAL_MS = 2000;
const DEFAULT_STALL_SECONDS = 300;

async function applyWith<T extends GtidAlgebra<T>>(
  gtids: FlavorGtids<T>,
  request: ApplyRequest,
  route: ApplyRoute,
  started: number,
): Promise<ApplyResult> {
  const files = await indexBinlogFiles(request.binlogFiles);
  return withSql(request.db, async (conn) => {
    const restored = gtids.parse(await readExecutedGtids(conn, gtids.flavor));
    const plan = planApply(gtids, files, restored, request.stop);
    const watch = {
      gtids,
      plan,
      onProgress: request.onProgress,
      intervalMs: request.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      stallMs: (request.stallSeconds ?? DEFAULT_STALL_SECONDS) * 1000,
      signal: request.signal,
    };
    if (plan.pending.length > 0 && route === 'replication-applier') {
      const relayLog = await relayLogFor(conn, plan);
      await withoutCommitSyncs(conn, () => applyThroughReplication(conn, plan, relayLog, watch));
    } else if (plan.pending.length > 0) {
      await withoutCommitSyncs(conn, () => applyThroughBinlogPipe(conn, request.db, plan, watch));
    }
    const applied = gtids.parse(await readExecutedGtids(conn, gtids.flavor));
    if (!applied.equals(plan.expected)) {
      throw new ApplyVerificationError(
        plan.expected.toString(),
        applied.toString(),
        plan.expected.subtract(applied).toString(),
        applied.subtract(plan.expected).toString(),
      );
    }
    return { route, appliedThrough: applied.toString(), transactionsApplied: plan.pending.length, seconds: (Date.now() - started) / 1000 };
  });
}

/**
 * Applies the binlogs to a restored server, from just after its GTID state (the backup
 * coordinate) up to and including exactly the stop transaction, and checks that the server
 * then holds exactly the coordinate plus those transactions. Commits are not synced one by
 * one meanwhile; the server's settings are put back and its logs flushed at the end.
 * Throws ApplyPlanError before touching the server when the restore cannot be made,
 * ApplyFailedError when the server refuses a transaction, ApplyStalledError when nothing
 * moves for `stallSeconds`, ApplyVerificationError when the server ends anywhere else.
 */
export async function applyBinlogs(request: ApplyRequest): Promise<ApplyResult> {
  const started = Date.now();
  const route = request.route ?? 'replication-applier';
  return request.flavor === 'mysql' ? applyWith(mysqlGtids, request, route, started) : applyWith(mariadbGtids, request, route, started);
}
