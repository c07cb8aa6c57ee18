import { failureText } from '../../domain/archive/pass-failure';
import type { ClusterRecoverability } from '../../activities/archive/recoverable';
import { windowSpan } from '../../domain/archive/recoverable';
import { commitPrecision } from '../../domain/restore/held-back';

/** `pitr recoverable` for a person: RPO, a failing archive pass, what halts the archive, windows, uncovered stretches, gaps. */
export function recoverableText(r: ClusterRecoverability): string {
  const lines = [
    `${r.tenantId}/${r.clusterId}: RPO ${r.rpoSeconds === null ? 'unknown (nothing archived)' : `${r.rpoSeconds.toFixed(1)} s`}, newest archived commit ${r.newestArchivedCommit ?? 'none'}`,
  ];
  if (r.lastPass?.error)
    lines.push(`FAILING last archive pass ${r.lastPass.finishedAt} (since ${r.lastPass.failingSince}): ${failureText(r.lastPass.error)}`);
  for (const h of r.halted) lines.push(`HALTED  ${h.kind} since ${h.raisedAt}: ${h.message}`);
  for (const w of r.windows) {
    lines.push(
      `window  ${windowSpan(w)}  from backup ${w.baseBackup.backupId} through ${w.lastFile} (${w.segments} segments, reaches ${w.to})`,
    );
  }
  for (const s of r.uncovered) {
    lines.push(
      `no base backup  ${s.firstFile} … ${s.lastFile} (${s.segments} segments, ${s.from || '(empty)'} … ${s.to}): take a backup to recover here`,
    );
  }
  for (const g of r.gaps) lines.push(`gap  ${g.description}`);
  if (r.windows.length === 0) lines.push('nothing is recoverable yet: it takes a completed base backup inside an archived stretch');
  if (commitPrecision(r.flavor) === 's') {
    lines.push(
      `instants  ${r.flavor}'s binlog stamps commits with whole seconds: a restore to an instant inside a second that holds commits stops before the ones a binlog stream did not see arrive by the instant; pitr plan says how the second splits and names what it holds back, and --to gtid:… includes them`,
    );
  }
  return lines.join('\n');
}
