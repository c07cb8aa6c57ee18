import { z } from 'zod';
import { MARIADB_ENGINES, MYSQL_ENGINES } from '../backup';
import { GtidParseError } from '../gtid/errors';
import { canonicalGtidText, type GtidFlavor } from '../gtid/parse-gtid';
import { UUID_PATTERN } from '../gtid/mysql-source';

/** The only manifest layout this build reads and writes. */
export const MANIFEST_SCHEMA_VERSION = 1;

// Identifiers end up in object keys and log lines, so they keep to a conservative alphabet.
const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit');

// A backup id holds a tenant and a cluster id (63 characters each at most) and its instant.
const backupIdentifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/, 'must be 1 to 256 letters, digits, ".", "_" or "-", starting with a letter or digit');

const nonEmptyText = z.string().min(1, 'must not be empty');

const utcTimestamp = z.iso.datetime({ error: 'must be an ISO-8601 UTC timestamp ending in Z' });

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal digits');

/** GTID text of the flavor, validated and stored in canonical form. */
function gtidText(flavor: GtidFlavor) {
  return z.string().transform((text, ctx) => {
    try {
      return canonicalGtidText(flavor, text);
    } catch (err) {
      if (!(err instanceof GtidParseError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
}

function coordinate(flavor: GtidFlavor) {
  return z.strictObject({
    /** Everything the backup holds: `@@gtid_executed` (MySQL) or `gtid_binlog_pos` (MariaDB) at its consistent point. */
    gtidExecuted: gtidText(flavor),
    /**
     * What the server's binlogs no longer held at that point: `@@gtid_purged` (MySQL), or the
     * Gtid list of the oldest binlog (MariaDB, which has no such variable).
     */
    gtidPurged: gtidText(flavor),
    binlogFile: z.string().regex(/^[A-Za-z0-9._-]+\.[0-9]{6,}$/, 'must be a binlog file name such as binlog.000042'),
    // Binlog files start with a 4-byte magic number, so no event is before offset 4.
    binlogPosition: z.number().int().min(4),
  });
}

const artifact = z.strictObject({
  location: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    key: z.string().min(1, 'must not be empty').max(1024),
  }),
  sizeBytes: z.number().int().min(0),
  /** SHA-256 of the bytes as stored: compressed, then encrypted. */
  storedSha256: sha256Hex,
  compression: z.strictObject({
    algorithm: z.literal('zstd'),
    level: z.number().int().min(1).max(22),
    workers: z.number().int().min(0),
  }),
  encryption: z.strictObject({
    algorithm: z.literal('aes-256-gcm'),
    keyId: nonEmptyText,
    /** Plaintext bytes per independently authenticated chunk. */
    chunkSize: z.number().int().min(1),
  }),
});

const tableName = z
  .string()
  .regex(/^[^.\s]+\.[^.\s]+$/, 'must be `database.table` (names holding "." or spaces cannot be written unambiguously)');

const fieldsOfEveryFlavor = {
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION, { error: `must be ${MANIFEST_SCHEMA_VERSION}` }),
  tenantId: identifier,
  clusterId: identifier,
  complianceTier: identifier,
  backupId: backupIdentifier,
  serverVersion: nonEmptyText,
  /**
   * The source's `lower_case_table_names`, which every server started on the backup's data runs
   * with (MySQL fixes it when a datadir is initialised). Manifests written before it was recorded: 0.
   */
  lowerCaseTableNames: z.number().int().min(0).max(2).default(0),
  engineVersion: nonEmptyText,
  /** Other programs that shaped the artifact (pitr, zstd, ...), name to version. */
  toolVersions: z.record(nonEmptyText, nonEmptyText),
  artifact,
  /** Tables a restore must find again, to verify it. */
  schemaTables: z.array(tableName).refine((names) => new Set(names).size === names.length, 'must not list a table twice'),
  createdAt: utcTimestamp,
  clock: z
    .strictObject({
      serverUtc: utcTimestamp,
      workerUtc: utcTimestamp,
      /** serverUtc minus workerUtc when both were read. */
      skewMs: z.number().int(),
    })
    // One millisecond of slack: the readings may carry microseconds, the difference is whole milliseconds.
    .refine((clock) => Math.abs(Date.parse(clock.serverUtc) - Date.parse(clock.workerUtc) - clock.skewMs) <= 1, {
      path: ['skewMs'],
      error: 'must be serverUtc minus workerUtc, in milliseconds',
    }),
};

export const mysqlManifestSchema = z.strictObject({
  ...fieldsOfEveryFlavor,
  flavor: z.literal('mysql'),
  serverUuid: z
    .string()
    .regex(UUID_PATTERN, 'must be a UUID')
    .transform((uuid) => uuid.toLowerCase()),
  engine: z.enum(MYSQL_ENGINES),
  coordinate: coordinate('mysql'),
});

export const mariadbManifestSchema = z.strictObject({
  ...fieldsOfEveryFlavor,
  flavor: z.literal('mariadb'),
  serverId: z.number().int().min(0).max(0xffff_ffff),
  engine: z.enum(MARIADB_ENGINES),
  coordinate: coordinate('mariadb'),
});

export const manifestSchema = z.discriminatedUnion('flavor', [mysqlManifestSchema, mariadbManifestSchema]);

export type MysqlManifest = z.output<typeof mysqlManifestSchema>;
export type MariadbManifest = z.output<typeof mariadbManifestSchema>;
/** A validated backup manifest: GTID texts canonical, every field checked. */
export type Manifest = z.output<typeof manifestSchema>;
/** What a caller may hand to `parseManifest` (GTID texts in any valid spelling). */
export type ManifestInput = z.input<typeof manifestSchema>;

export const manifestSignatureSchema = z.strictObject({
  algorithm: z.literal('ed25519'),
  keyId: identifier,
  value: z.base64('must be base64'),
});

export type ManifestSignature = z.output<typeof manifestSignatureSchema>;

/** A manifest with the signature over its canonical JSON; the manifest is checked once the signature is. */
export const signedManifestEnvelopeSchema = z.strictObject({
  manifest: z.record(z.string(), z.unknown()),
  signature: manifestSignatureSchema,
});

export interface SignedManifest {
  manifest: Manifest;
  signature: ManifestSignature;
}
