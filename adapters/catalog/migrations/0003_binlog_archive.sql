-- Up Migration

-- The archived binlog stream of each cluster: segments and gaps share one sequence, so the
-- order in which continuity placed them is the stream's order (never upload or object times).
CREATE SEQUENCE archive_stream_seq;

CREATE TABLE binlog_segments (
  tenant_id        text NOT NULL,
  cluster_id       text NOT NULL,
  stream_seq       bigint NOT NULL DEFAULT nextval('archive_stream_seq'),
  -- MySQL server_uuid; MariaDB has none, so 'server-<server_id>'.
  server_key       text NOT NULL,
  server_uuid      text,
  server_id        bigint NOT NULL,
  file_name        text NOT NULL,
  -- 'redundant': every transaction in it was already archived (an older file of a promoted replica); no object.
  status           text NOT NULL CHECK (status IN ('archived', 'redundant')),
  previous_gtids   text NOT NULL,
  gtids            text NOT NULL,
  -- Transactions in it that an earlier segment holds too (a promoted replica's first file); '' almost always.
  overlap_gtids    text NOT NULL DEFAULT '',
  -- The archived history once this segment is in: what the next segment's previous GTIDs must equal.
  reached_gtids    text NOT NULL,
  first_gtid       text,
  last_gtid        text,
  transactions     bigint NOT NULL,
  first_event_at   timestamptz,
  last_event_at    timestamptz,
  first_commit_at  timestamptz,
  last_commit_at   timestamptz,
  size_bytes       bigint NOT NULL,
  sha256           text NOT NULL,
  object_key       text,
  stored_bytes     bigint,
  stored_sha256    text,
  index_key        text,
  archived_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id, server_key, file_name),
  UNIQUE (tenant_id, cluster_id, stream_seq),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id),
  CHECK ((status = 'archived') = (object_key IS NOT NULL AND index_key IS NOT NULL))
);
CREATE INDEX binlog_segments_by_commit ON binlog_segments (tenant_id, cluster_id, last_commit_at);

CREATE TABLE archive_gaps (
  tenant_id          text NOT NULL,
  cluster_id         text NOT NULL,
  stream_seq         bigint NOT NULL DEFAULT nextval('archive_stream_seq'),
  server_key         text NOT NULL,
  after_file         text,
  before_file        text NOT NULL,
  missing_from_file  text,
  missing_to_file    text,
  reached_before     text NOT NULL,
  missing_gtids      text NOT NULL,
  reached_gtids      text NOT NULL,
  detected_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id, server_key, before_file),
  UNIQUE (tenant_id, cluster_id, stream_seq),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id)
);

ALTER TABLE binlog_segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE binlog_segments FORCE ROW LEVEL SECURITY;
ALTER TABLE archive_gaps ENABLE ROW LEVEL SECURITY;
ALTER TABLE archive_gaps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON binlog_segments
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
CREATE POLICY tenant_isolation ON archive_gaps
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));

-- Append-only: a segment or gap, once recorded, is history.
GRANT SELECT, INSERT ON binlog_segments, archive_gaps TO pitr_app;
GRANT USAGE ON SEQUENCE archive_stream_seq TO pitr_app;

-- Down Migration
DROP TABLE archive_gaps;
DROP TABLE binlog_segments;
DROP SEQUENCE archive_stream_seq;
