-- Up Migration

-- Crypto-shredding of a tenant: its data key was destroyed, so every artifact sealed with it
-- is unreadable for good. One row per tenant, written once: when, by whom, why, which key.
CREATE TABLE tenant_erasures (
  tenant_id     text PRIMARY KEY,
  -- When the key was destroyed (the key store's tombstone says the same).
  erased_at     timestamptz NOT NULL,
  erased_by     text NOT NULL CHECK (erased_by <> ''),
  reason        text NOT NULL CHECK (reason <> ''),
  data_key_id   text,
  recorded_at   timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenant_erasures ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenant_erasures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenant_erasures
  USING (tenant_id = current_setting('pitr.tenant_id', true))
  WITH CHECK (tenant_id = current_setting('pitr.tenant_id', true));
-- Append-only: an erasure, once recorded, is history.
GRANT SELECT, INSERT ON tenant_erasures TO pitr_app;

-- The tenants the catalog knows, for operator-wide checks (`pitr repo check` without --tenant):
-- only the ids cross the tenant boundary, never a row. Row-level security is forced on
-- clusters, so the function's owner must bypass it; it refuses rather than answer "none".
CREATE FUNCTION pitr_catalog_tenants() RETURNS SETOF text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'pitr_catalog_tenants() is owned by %, which row-level security confines to one tenant', current_user
      USING HINT = 'make the function''s owner a role with BYPASSRLS: ALTER FUNCTION pitr_catalog_tenants() OWNER TO <such a role>';
  END IF;
  RETURN QUERY SELECT DISTINCT tenant_id FROM clusters ORDER BY 1;
END
$$;
REVOKE ALL ON FUNCTION pitr_catalog_tenants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pitr_catalog_tenants() TO pitr_app;

-- Down Migration
DROP FUNCTION pitr_catalog_tenants();
DROP TABLE tenant_erasures;
