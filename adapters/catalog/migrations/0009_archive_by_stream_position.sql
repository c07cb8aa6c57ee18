-- Up Migration

-- Planning reads a cluster's archive by stream position rather than whole: the ends of each
-- stretch, the segments from a backup to a target, and a stretch's count and newest commit
-- from this index alone. Gaps are found by their unique stream_seq.
CREATE INDEX binlog_segments_archived_by_seq ON binlog_segments (tenant_id, cluster_id, stream_seq)
  INCLUDE (last_commit_at) WHERE status = 'archived';
-- What ends a stretch besides a gap: a segment retention removes.
CREATE INDEX binlog_segments_expired_by_seq ON binlog_segments (tenant_id, cluster_id, stream_seq)
  WHERE status IN ('expiring', 'expired');

-- Down Migration
DROP INDEX binlog_segments_expired_by_seq;
DROP INDEX binlog_segments_archived_by_seq;
