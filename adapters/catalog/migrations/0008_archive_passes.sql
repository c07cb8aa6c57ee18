-- Up Migration

-- The last archive pass of each cluster, ok or failed, for `pitr status`; and what the last
-- successful one saw of the server, which the RPO counts from.
CREATE TABLE archive_passes (
  tenant_id          text NOT NULL,
  cluster_id         text NOT NULL,
  workflow_id        text NOT NULL,
  run_id             text NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('ok', 'failed')),
  started_at         timestamptz NOT NULL,
  finished_at        timestamptz NOT NULL DEFAULT now(),
  error_type         text,
  error_message      text,
  error_hint         text,
  error_activity     text,
  -- The start of the first failed pass since the last ok one: one failing streak, one alert.
  failing_since      timestamptz,
  -- From the last ok pass that could tell: when it looked at the server, and the oldest
  -- commit it left unarchived (NULL: none).
  observed_at        timestamptz,
  unarchived_since   timestamptz,
  PRIMARY KEY (tenant_id, cluster_id),
  FOREIGN KEY (tenant_id, cluster_id) REFERENCES clusters (tenant_id, cluster_id),
  CHECK ((outcome = 'failed') = (error_type IS NOT NULL AND failing_since IS NOT NULL))
);
ALTER TABLE archive_passes ENABLE ROW LEVEL SECURITY;
ALTER TABLE archive_passes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON archive_passes
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
GRANT SELECT, INSERT, UPDATE ON archive_passes TO pitr_app;

-- Down Migration
DROP TABLE archive_passes;
