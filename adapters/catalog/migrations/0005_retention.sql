-- Up Migration

-- Per-cluster retention; null: the compliance tier's default for that rule.
ALTER TABLE clusters
  ADD COLUMN keep_backups integer CHECK (keep_backups >= 1),
  ADD COLUMN keep_days integer CHECK (keep_days >= 0);

-- Expiry keeps every row as history. 'expiring': chosen, its objects are being deleted (a run
-- that dies here is finished by the next one); 'expired': its objects are gone. Readers that
-- want usable artifacts already select 'completed' backups and 'archived' segments only.
ALTER TABLE backups
  DROP CONSTRAINT backups_status_check,
  ADD CONSTRAINT backups_status_check CHECK (status IN ('completed', 'failed', 'quarantined', 'expiring', 'expired')),
  -- Set when verification read the whole artifact back and it matched its signed manifest.
  ADD COLUMN verified_at timestamptz,
  ADD COLUMN expired_at timestamptz;

ALTER TABLE binlog_segments
  DROP CONSTRAINT binlog_segments_status_check,
  DROP CONSTRAINT binlog_segments_check,
  ADD CONSTRAINT binlog_segments_status_check CHECK (status IN ('archived', 'redundant', 'expiring', 'expired')),
  -- An expired segment keeps the keys its objects had, for the record.
  ADD CONSTRAINT binlog_segments_check CHECK ((status <> 'redundant') = (object_key IS NOT NULL AND index_key IS NOT NULL)),
  ADD COLUMN expired_at timestamptz;
-- Still append-only but for expiry: only the status and when it expired can change.
GRANT UPDATE (status, expired_at) ON binlog_segments TO pitr_app;

-- What a running restore or verification reads: expiry never removes a held artifact, and a
-- hold is refused on one already expiring. Released holds stay as the record of who read what.
CREATE TABLE artifact_holds (
  tenant_id      text NOT NULL,
  cluster_id     text NOT NULL,
  -- The workflow id of the restore or verification that reads it.
  holder         text NOT NULL,
  artifact_kind  text NOT NULL CHECK (artifact_kind IN ('backup', 'segment')),
  -- A backup id, or '<server_key>/<file_name>' of a segment.
  artifact_id    text NOT NULL,
  held_at        timestamptz NOT NULL DEFAULT now(),
  released_at    timestamptz,
  PRIMARY KEY (tenant_id, cluster_id, holder, artifact_kind, artifact_id),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id)
);
CREATE INDEX artifact_holds_active ON artifact_holds (tenant_id, cluster_id) WHERE released_at IS NULL;
ALTER TABLE artifact_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE artifact_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON artifact_holds
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
GRANT SELECT, INSERT, UPDATE ON artifact_holds TO pitr_app;

-- Down Migration
DROP TABLE artifact_holds;
REVOKE UPDATE (status, expired_at) ON binlog_segments FROM pitr_app;
ALTER TABLE binlog_segments
  DROP COLUMN expired_at,
  DROP CONSTRAINT binlog_segments_check,
  DROP CONSTRAINT binlog_segments_status_check,
  ADD CONSTRAINT binlog_segments_status_check CHECK (status IN ('archived', 'redundant')),
  ADD CONSTRAINT binlog_segments_check CHECK ((status = 'archived') = (object_key IS NOT NULL AND index_key IS NOT NULL));
ALTER TABLE backups
  DROP COLUMN expired_at,
  DROP COLUMN verified_at,
  DROP CONSTRAINT backups_status_check,
  ADD CONSTRAINT backups_status_check CHECK (status IN ('completed', 'failed', 'quarantined'));
ALTER TABLE clusters DROP COLUMN keep_days, DROP COLUMN keep_backups;
