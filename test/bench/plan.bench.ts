import { Client } from 'pg';
import { Catalog } from '../../adapters/catalog/catalog';
import { migrateCatalog } from '../../adapters/catalog/migrate';
import { ensureDatabase } from '../../devstack/postgres';
import { isoMicros } from '../../domain/archive/recoverable';
import { parseRestoreTarget } from '../../domain/restore/target';
import { scopeFromCatalog } from '../../activities/restore/plan';
import { commitInstant, generateCluster, transactionsOf, type ClusterShape } from './plan-catalog';

const DATABASE = 'pitr_bench_plan';
const FILES = 100_000;
const BACKUPS = 1_000;
const INSTANTS_PER_CLUSTER = 30;

/** Ten clusters of four tenants: 1,000,000 segments and 10,000 backups in all, with a failover, a gap, retention history and MariaDB. */
const SHAPES: ClusterShape[] = [
  { tenantId: 'acme', clusterId: 'orders', flavor: 'mysql', files: FILES, backups: BACKUPS },
  { tenantId: 'acme', clusterId: 'billing', flavor: 'mysql', files: FILES, backups: BACKUPS, failoverAt: 61_000 },
  { tenantId: 'acme', clusterId: 'catalog', flavor: 'mariadb', files: FILES, backups: BACKUPS },
  { tenantId: 'globex', clusterId: 'ledger', flavor: 'mysql', files: FILES, backups: BACKUPS, gapAt: 47_310 },
  { tenantId: 'globex', clusterId: 'users', flavor: 'mysql', files: FILES, backups: BACKUPS },
  { tenantId: 'initech', clusterId: 'tps', flavor: 'mysql', files: FILES, backups: BACKUPS, expiredFiles: 70_000 },
  { tenantId: 'initech', clusterId: 'reports', flavor: 'mariadb', files: FILES, backups: BACKUPS },
  { tenantId: 'umbrella', clusterId: 'lab', flavor: 'mysql', files: FILES, backups: BACKUPS },
  { tenantId: 'umbrella', clusterId: 'stock', flavor: 'mysql', files: FILES, backups: BACKUPS, failoverAt: 12_345 },
  { tenantId: 'umbrella', clusterId: 'hr', flavor: 'mysql', files: FILES, backups: BACKUPS },
];

const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** The archive starts so that its newest commit is a minute ago. */
const startAtOf = (now: Date): Date => new Date(commitInstant(now, -transactionsOf(SHAPES[0]!)).getTime() - 60_000);

/** Generates the rows once: a database already holding them is reused (and migrated to the newest schema). */
async function prepare(connectionString: string, now: Date): Promise<Date> {
  const db = new Client({ connectionString });
  await db.connect();
  try {
    const held = await db.query<{ segments: string; start_at: Date | null }>(
      'SELECT count(*) AS segments, min(first_event_at) AS start_at FROM binlog_segments',
    );
    const expected = SHAPES.reduce((n, s) => n + s.files - (s.gapAt === undefined ? 0 : 1), 0);
    if (Number(held.rows[0]!.segments) === expected) return held.rows[0]!.start_at!;
    await db.query('TRUNCATE binlog_segments, archive_gaps, backups, clusters CASCADE');
    const startAt = startAtOf(now);
    const started = Date.now();
    let seqBase = 1;
    for (const shape of SHAPES) {
      await generateCluster(db, shape, seqBase, startAt);
      seqBase += shape.files + 1;
      log(`generated ${shape.tenantId}/${shape.clusterId}: ${shape.files} segments, ${shape.backups} backups`);
    }
    await db.query(`SELECT setval('archive_stream_seq', $1)`, [seqBase]);
    await db.query('VACUUM ANALYZE');
    log(`generated the catalog in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return startAt;
  } finally {
    await db.end();
  }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const now = new Date();
  const connectionString = await ensureDatabase(DATABASE);
  await migrateCatalog(connectionString);
  const startAt = await prepare(connectionString, now);
  const catalog = Catalog.open(connectionString);
  try {
    const requests = SHAPES.flatMap((shape) => {
      const total = transactionsOf(shape);
      const firstRecoverable = Math.ceil(((shape.expiredFiles ?? 0) + FILES / BACKUPS) * (total / FILES));
      const instants = Array.from({ length: INSTANTS_PER_CLUSTER }, (_, k) => {
        const n = firstRecoverable + Math.floor(((total - firstRecoverable - 1) * (k + 0.5)) / INSTANTS_PER_CLUSTER);
        return `${isoMicros(commitInstant(startAt, n).getTime() * 1000 + 1_500_000)}`;
      });
      return [...instants, 'latest'].map((to) => ({
        tenantId: shape.tenantId,
        clusterId: shape.clusterId,
        target: parseRestoreTarget(to),
      }));
    });
    // One warm-up round: connections opened, the catalog's pages in memory, as on a running worker.
    for (const request of requests.slice(0, 10)) await scopeFromCatalog(catalog, request, now);
    const timings: number[] = [];
    let segments = 0;
    for (const request of requests) {
      const started = process.hrtime.bigint();
      const scope = await scopeFromCatalog(catalog, request, now);
      timings.push(Number(process.hrtime.bigint() - started) / 1e6);
      segments += scope.segments.length;
    }
    timings.sort((a, b) => a - b);
    log(`catalog: ${SHAPES.length} clusters, ${SHAPES.reduce((n, s) => n + s.files, 0)} segments, ${SHAPES.length * BACKUPS} backups`);
    log(
      `pitr plan (catalog reads and the plan's choice; the boundary segment's index is one object read on top): ${timings.length} plans, ` +
        `median ${percentile(timings, 50).toFixed(1)} ms, p99 ${percentile(timings, 99).toFixed(1)} ms, max ${timings[timings.length - 1]!.toFixed(1)} ms ` +
        `(aim < 50 ms); ${(segments / timings.length).toFixed(0)} segments to apply per plan on average`,
    );
  } finally {
    await catalog.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
