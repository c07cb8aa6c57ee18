-- Up Migration

-- The application role: tenant-scoped sessions run as it, so row-level security applies
-- even when the login role is a superuser (superusers and table owners bypass RLS).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pitr_app') THEN
    CREATE ROLE pitr_app NOLOGIN;
  END IF;
END
$$;

CREATE TABLE clusters (
  tenant_id        text NOT NULL,
  cluster_id       text NOT NULL,
  flavor           text NOT NULL CHECK (flavor IN ('mysql', 'mariadb')),
  compliance_tier  text NOT NULL DEFAULT 'standard',
  default_engine   text NOT NULL,
  rpo_seconds      integer NOT NULL DEFAULT 300 CHECK (rpo_seconds > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id)
);

CREATE TABLE backups (
  tenant_id        text NOT NULL,
  cluster_id       text NOT NULL,
  backup_id        text NOT NULL,
  compliance_tier  text NOT NULL,
  workflow_id      text NOT NULL,
  engine           text NOT NULL,
  flavor           text NOT NULL,
  status           text NOT NULL CHECK (status IN ('completed', 'failed', 'quarantined')),
  gtid_executed    text,
  binlog_file      text,
  binlog_position  bigint,
  artifact_key     text,
  manifest_key     text,
  size_bytes       bigint,
  stored_sha256    text,
  manifest         jsonb,
  failure_phase    text,
  failure_reason   text,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id, backup_id),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id)
);
CREATE INDEX backups_by_time ON backups (tenant_id, cluster_id, finished_at DESC);

ALTER TABLE clusters ENABLE ROW LEVEL SECURITY;
ALTER TABLE clusters FORCE ROW LEVEL SECURITY;
ALTER TABLE backups ENABLE ROW LEVEL SECURITY;
ALTER TABLE backups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clusters
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
CREATE POLICY tenant_isolation ON backups
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));

GRANT USAGE ON SCHEMA public TO pitr_app;
GRANT SELECT, INSERT, UPDATE ON clusters, backups TO pitr_app;

-- Down Migration
DROP TABLE backups;
DROP TABLE clusters;
