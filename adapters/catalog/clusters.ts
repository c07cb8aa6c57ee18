import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors';
import { type EngineName, ENGINES, ENGINES_BY_FLAVOR } from '../../domain/backup';
import { ARCHIVE_SOURCES, type ArchiveSource } from '../../domain/archive/stream-mirror';
import type { Catalog } from './catalog';

const idPattern = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export const ClusterSchema = z
  .object({
    tenantId: z.string().regex(idPattern, 'lower-case letters, digits, . _ - (at most 63)'),
    clusterId: z.string().regex(idPattern, 'lower-case letters, digits, . _ - (at most 63)'),
    flavor: z.enum(['mysql', 'mariadb']),
    complianceTier: z.string().min(1).default('standard'),
    defaultEngine: z.enum(ENGINES),
    rpoSeconds: z.number().int().positive().default(300),
    archiveSource: z.enum(ARCHIVE_SOURCES).default('files'),
  })
  .refine((c) => ENGINES_BY_FLAVOR[c.flavor].includes(c.defaultEngine), {
    message: 'the engine does not back up this flavor',
    path: ['defaultEngine'],
  });
export type Cluster = z.infer<typeof ClusterSchema>;

/** Terminal: a backup, an archive pass or a restore of a cluster the catalog does not know fails at once, not after retries. */
export class ClusterNotFoundError extends InvalidInputError {
  constructor(tenantId: string, clusterId: string) {
    super(`cluster ${clusterId} of tenant ${tenantId} is not registered`, {
      hint: `register it with \`pitr cluster add --tenant ${tenantId} --cluster ${clusterId} ...\``,
    });
  }
}

export function parseCluster(input: unknown): Cluster {
  const parsed = ClusterSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(`invalid cluster: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

interface ClusterRow {
  tenant_id: string;
  cluster_id: string;
  flavor: 'mysql' | 'mariadb';
  compliance_tier: string;
  default_engine: EngineName;
  rpo_seconds: number;
  archive_source: ArchiveSource;
}

const fromRow = (r: ClusterRow): Cluster => ({
  tenantId: r.tenant_id,
  clusterId: r.cluster_id,
  flavor: r.flavor,
  complianceTier: r.compliance_tier,
  defaultEngine: r.default_engine,
  rpoSeconds: r.rpo_seconds,
  archiveSource: r.archive_source,
});

/** Registers or updates a cluster; registering the same cluster twice changes nothing. */
export async function upsertCluster(catalog: Catalog, cluster: Cluster): Promise<void> {
  await catalog.withTenant(cluster.tenantId, (db) =>
    db.query(
      `INSERT INTO clusters (tenant_id, cluster_id, flavor, compliance_tier, default_engine, rpo_seconds, archive_source)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, cluster_id) DO UPDATE SET
         flavor = EXCLUDED.flavor, compliance_tier = EXCLUDED.compliance_tier,
         default_engine = EXCLUDED.default_engine, rpo_seconds = EXCLUDED.rpo_seconds, archive_source = EXCLUDED.archive_source`,
      [
        cluster.tenantId,
        cluster.clusterId,
        cluster.flavor,
        cluster.complianceTier,
        cluster.defaultEngine,
        cluster.rpoSeconds,
        cluster.archiveSource,
      ],
    ),
  );
}

export async function getCluster(catalog: Catalog, tenantId: string, clusterId: string): Promise<Cluster> {
  const rows = await catalog.withTenant(
    tenantId,
    async (db) =>
      (await db.query<ClusterRow>('SELECT * FROM clusters WHERE tenant_id = $1 AND cluster_id = $2', [tenantId, clusterId])).rows,
  );
  if (rows.length === 0) throw new ClusterNotFoundError(tenantId, clusterId);
  return fromRow(rows[0]!);
}

export async function listClusters(catalog: Catalog, tenantId: string): Promise<Cluster[]> {
  return catalog.withTenant(tenantId, async (db) =>
    (await db.query<ClusterRow>('SELECT * FROM clusters ORDER BY cluster_id')).rows.map(fromRow),
  );
}
