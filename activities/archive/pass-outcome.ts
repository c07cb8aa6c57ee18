import { failureText } from '../../domain/archive/pass-failure';
import { recordArchivePass } from '../../adapters/catalog/archive-passes';
import { raiseAlert } from '../../adapters/catalog/alerts';
import type { Catalog } from '../../adapters/catalog/catalog';
import { newestArchivedCommitMicros } from '../../adapters/catalog/segments';
import { archivePassFailures, noteArchivePass } from '../metrics';
import { BinlogGapError, BinlogHistoryDivergedError, BinlogRewrittenError, BinlogsResetError } from './errors';
import type { ArchivePassActivities } from './types';

/** Refusals that raised an alert of their own, which names what to act on: a second one is noise. */
const ALERTED_ALREADY = new Set([BinlogGapError.name, BinlogHistoryDivergedError.name, BinlogRewrittenError.name, BinlogsResetError.name]);

export function createArchivePassActivities(catalog: Catalog): ArchivePassActivities {
  return {
    async recordArchivePass(report) {
      const { tenantId, clusterId } = report;
      const { recorded, state } = await recordArchivePass(catalog, report);
      // A pass that started later is the cluster's last already: this one's outcome is history.
      if (state.last.runId !== report.runId) return;
      if (report.outcome === 'failed') {
        if (recorded) archivePassFailures.inc({ tenant: tenantId, cluster: clusterId });
        // Raised again by a retry of this activity: refreshing it is harmless, missing it is not.
        if (!ALERTED_ALREADY.has(report.error.type)) {
          await raiseAlert(catalog, {
            tenantId,
            clusterId,
            kind: 'archive-failed',
            subject: `failing-since:${state.last.failingSince}`,
            message: `archive passes of ${tenantId}/${clusterId} fail since ${state.last.failingSince}; the last, ${report.workflowId}, in ${failureText(report.error)}`,
          });
        }
      }
      noteArchivePass({
        tenant: tenantId,
        cluster: clusterId,
        ok: report.outcome === 'ok',
        newestArchivedCommitMicros: await newestArchivedCommitMicros(catalog, tenantId, clusterId),
        observation: state.observation,
      });
    },
  };
}
