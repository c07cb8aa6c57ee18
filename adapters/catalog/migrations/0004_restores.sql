-- Up Migration

-- The outcome of every point-in-time restore: what was asked, what was reached, how it ended.
CREATE TABLE restores (
  tenant_id          text NOT NULL,
  cluster_id         text NOT NULL,
  restore_id         text NOT NULL,
  target             text NOT NULL,
  status             text NOT NULL CHECK (status IN ('succeeded', 'failed')),
  backup_id          text,
  applied_through    text,
  through_commit_at  timestamptz,
  failure            text,
  started_at         timestamptz NOT NULL,
  duration_ms        bigint NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cluster_id, restore_id),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id),
  CHECK ((status = 'failed') = (failure IS NOT NULL))
);
ALTER TABLE restores ENABLE ROW LEVEL SECURITY;
ALTER TABLE restores FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON restores
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
-- Append-only: an outcome, once recorded, is history.
GRANT SELECT, INSERT ON restores TO pitr_app;

-- Down Migration
DROP TABLE restores;
