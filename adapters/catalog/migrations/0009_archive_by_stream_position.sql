-- Up Migration

-- Planning reads a cluster's archive by stream position rather than whole. Each segment carries
-- two running figures of its cluster's stream through it, over the segments archived when
-- inserted (expiry turns only those into 'expiring' and 'expired'): how many there are, and their
-- newest commit. A stretch's count and newest commit are then read from its two ends.
ALTER TABLE binlog_segments
  ADD COLUMN archived_through bigint,
  ADD COLUMN newest_commit_through timestamptz;
UPDATE binlog_segments s SET archived_through = r.archived_through, newest_commit_through = r.newest_commit_through
FROM (
  SELECT tenant_id, cluster_id, stream_seq,
    count(*) FILTER (WHERE status <> 'redundant') OVER stream AS archived_through,
    max(last_commit_at) FILTER (WHERE status <> 'redundant') OVER stream AS newest_commit_through
  FROM binlog_segments
  WINDOW stream AS (PARTITION BY tenant_id, cluster_id ORDER BY stream_seq)
) r
WHERE s.tenant_id = r.tenant_id AND s.cluster_id = r.cluster_id AND s.stream_seq = r.stream_seq;

-- The ends of each stretch and the segments from a backup to a target, by stream position.
CREATE INDEX binlog_segments_archived_by_seq ON binlog_segments (tenant_id, cluster_id, stream_seq) WHERE status = 'archived';
-- What ends a stretch besides a gap (found by its unique stream_seq): a segment retention removes.
CREATE INDEX binlog_segments_expired_by_seq ON binlog_segments (tenant_id, cluster_id, stream_seq)
  WHERE status IN ('expiring', 'expired');

-- Down Migration
DROP INDEX binlog_segments_expired_by_seq;
DROP INDEX binlog_segments_archived_by_seq;
ALTER TABLE binlog_segments DROP COLUMN newest_commit_through, DROP COLUMN archived_through;
