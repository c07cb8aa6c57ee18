-- Up Migration

-- An older system's archive under its own prefix of the bucket, indexed read-only while a
-- migration proves the product's own archive against it. Kept apart from backups and
-- binlog_segments so that nothing reading the product's rows (planning, retention, status,
-- repair) can take a legacy object for its own.
CREATE TABLE legacy_sources (
  tenant_id     text NOT NULL,
  cluster_id    text NOT NULL,
  prefix        text NOT NULL CHECK (prefix <> '' AND right(prefix, 1) = '/'),
  opened_at     timestamptz NOT NULL DEFAULT now(),
  imported_at   timestamptz,
  -- While NULL the migration is open: no legacy object may be expired or "repaired".
  completed_at  timestamptz,
  completed_by  text,
  PRIMARY KEY (tenant_id, cluster_id, prefix),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id),
  CHECK ((completed_at IS NULL) = (completed_by IS NULL))
);

-- One base backup the older system left: a mysqldump or mariadb-dump file, maybe compressed.
CREATE TABLE legacy_backups (
  tenant_id        text NOT NULL,
  cluster_id       text NOT NULL,
  prefix           text NOT NULL,
  object_key       text NOT NULL,
  etag             text NOT NULL,
  stored_bytes     bigint NOT NULL,
  stored_sha256    text NOT NULL,
  compression      text NOT NULL CHECK (compression IN ('none', 'gzip', 'zstd')),
  engine           text NOT NULL CHECK (engine IN ('mysqldump', 'mariadb-dump')),
  -- The dump's GTID_PURGED (MariaDB: gtid_slave_pos): its consistent point.
  gtid_executed    text NOT NULL,
  size_bytes       bigint NOT NULL,
  -- The object's LastModified: never earlier than the dump's snapshot, in an unambiguous zone.
  finished_at      timestamptz NOT NULL,
  -- The tool's own "Dump completed on" trailer, as written (local time of the dumping host, no zone).
  completed_text   text NOT NULL,
  indexed_at       timestamptz NOT NULL DEFAULT now(),
  -- Set when a later import no longer finds the object.
  gone_at          timestamptz,
  PRIMARY KEY (tenant_id, cluster_id, prefix, object_key),
  FOREIGN KEY (tenant_id, cluster_id, prefix) REFERENCES legacy_sources (tenant_id, cluster_id, prefix)
);

-- One binlog file the older system left, with the same facts as binlog_segments.
CREATE TABLE legacy_segments (
  tenant_id        text NOT NULL,
  cluster_id       text NOT NULL,
  prefix           text NOT NULL,
  object_key       text NOT NULL,
  etag             text NOT NULL,
  stored_bytes     bigint NOT NULL,
  stored_sha256    text NOT NULL,
  compression      text NOT NULL CHECK (compression IN ('none', 'gzip', 'zstd')),
  server_key       text NOT NULL,
  server_id        bigint NOT NULL,
  file_name        text NOT NULL,
  previous_gtids   text NOT NULL,
  gtids            text NOT NULL,
  first_gtid       text,
  last_gtid        text,
  transactions     bigint NOT NULL,
  first_commit_at  timestamptz,
  last_commit_at   timestamptz,
  size_bytes       bigint NOT NULL,
  sha256           text NOT NULL,
  -- The per-transaction index, written under the product's own prefix (never under the legacy one).
  index_key        text NOT NULL,
  indexed_at       timestamptz NOT NULL DEFAULT now(),
  gone_at          timestamptz,
  -- The stream as the last import placed it: order, verdict and the history it reaches.
  stream_seq       integer,
  status           text CHECK (status IN ('archived', 'redundant', 'diverged')),
  reached_gtids    text,
  PRIMARY KEY (tenant_id, cluster_id, prefix, object_key),
  FOREIGN KEY (tenant_id, cluster_id, prefix) REFERENCES legacy_sources (tenant_id, cluster_id, prefix)
);

-- Gaps of the legacy stream as the last import found them (replaced on each import).
CREATE TABLE legacy_gaps (
  tenant_id       text NOT NULL,
  cluster_id      text NOT NULL,
  prefix          text NOT NULL,
  stream_seq      integer NOT NULL,
  server_key      text NOT NULL,
  after_file      text,
  before_file     text NOT NULL,
  reached_before  text NOT NULL,
  missing_gtids   text NOT NULL,
  reached_gtids   text NOT NULL,
  detected_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id, prefix, stream_seq),
  FOREIGN KEY (tenant_id, cluster_id, prefix) REFERENCES legacy_sources (tenant_id, cluster_id, prefix)
);

-- Objects under the prefix that import could not use, and why.
CREATE TABLE legacy_rejected (
  tenant_id     text NOT NULL,
  cluster_id    text NOT NULL,
  prefix        text NOT NULL,
  object_key    text NOT NULL,
  etag          text NOT NULL,
  reason        text NOT NULL,
  rejected_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id, prefix, object_key),
  FOREIGN KEY (tenant_id, cluster_id, prefix) REFERENCES legacy_sources (tenant_id, cluster_id, prefix)
);

ALTER TABLE legacy_sources ENABLE ROW LEVEL SECURITY;
ALTER TABLE legacy_sources FORCE ROW LEVEL SECURITY;
ALTER TABLE legacy_backups ENABLE ROW LEVEL SECURITY;
ALTER TABLE legacy_backups FORCE ROW LEVEL SECURITY;
ALTER TABLE legacy_segments ENABLE ROW LEVEL SECURITY;
ALTER TABLE legacy_segments FORCE ROW LEVEL SECURITY;
ALTER TABLE legacy_gaps ENABLE ROW LEVEL SECURITY;
ALTER TABLE legacy_gaps FORCE ROW LEVEL SECURITY;
ALTER TABLE legacy_rejected ENABLE ROW LEVEL SECURITY;
ALTER TABLE legacy_rejected FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON legacy_sources
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
CREATE POLICY tenant_isolation ON legacy_backups
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
CREATE POLICY tenant_isolation ON legacy_segments
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
CREATE POLICY tenant_isolation ON legacy_gaps
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
CREATE POLICY tenant_isolation ON legacy_rejected
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));

-- An import re-places the stream and re-lists rejections; nothing is ever deleted from a source's objects.
GRANT SELECT, INSERT, UPDATE ON legacy_sources, legacy_backups, legacy_segments TO pitr_app;
GRANT SELECT, INSERT, DELETE ON legacy_gaps, legacy_rejected TO pitr_app;

-- Down Migration
DROP TABLE legacy_rejected;
DROP TABLE legacy_gaps;
DROP TABLE legacy_segments;
DROP TABLE legacy_backups;
DROP TABLE legacy_sources;
