-- Up Migration

-- Terminal failures an operator must act on: a quarantined artifact, an archive gap, a
-- rewritten binlog. Kept until acknowledged.
CREATE TABLE alerts (
  alert_id         bigserial PRIMARY KEY,
  tenant_id        text NOT NULL,
  cluster_id       text NOT NULL,
  kind             text NOT NULL,
  subject          text NOT NULL,
  message          text NOT NULL,
  raised_at        timestamptz NOT NULL DEFAULT now(),
  acknowledged_at  timestamptz,
  UNIQUE (tenant_id, cluster_id, kind, subject)
);
ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON alerts
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
GRANT SELECT, INSERT, UPDATE ON alerts TO pitr_app;
GRANT USAGE ON SEQUENCE alerts_alert_id_seq TO pitr_app;

-- Down Migration
DROP TABLE alerts;
