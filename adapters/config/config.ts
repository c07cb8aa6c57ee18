import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ARCHIVE_SOURCES } from '../../domain/archive/stream-mirror';
import { ENGINES, type EngineName } from '../../domain/backup';
import { InvalidInputError } from '../../domain/errors';
import { unknownKeys, type UnknownKey } from './unknown-keys';

/*
 * Every object is strict: a misspelt key (`database.pasword`) is refused with the nearest valid
 * key, instead of being dropped while the value it meant silently takes its default.
 */

/** A secret is given inline, or (better) by the file or environment variable that holds it. */
export const Secret = z.union([z.string(), z.strictObject({ file: z.string() }), z.strictObject({ env: z.string() })], {
  error: 'a secret is a string, {"file": PATH} or {"env": VARIABLE}',
});
export type Secret = z.infer<typeof Secret>;

const StorageConfig = z.strictObject({
  endpoint: z.string().url(),
  region: z.string().default('us-east-1'),
  bucket: z.string().min(3),
  prefix: z
    .string()
    .regex(/^([^/].*\/)?$/, "empty, or a path ending in '/' without a leading '/'")
    .default('v2/'),
  accessKeyId: z.string(),
  secretAccessKey: Secret,
  /** `when-required` for stores that reject aws-chunked uploads (GCS's S3 endpoint); see docs/artifact-format.md. */
  checksums: z.enum(['when-supported', 'when-required']).optional(),
});

const CommonConfig = z.strictObject({
  temporal: z.strictObject({ address: z.string(), namespace: z.string().default('default') }),
  storage: StorageConfig,
  /** The master key that wraps every tenant's data key (32 bytes, base64, in a file). */
  masterKeyFile: z.string(),
  /**
   * Master keys being rotated away from (base64, as secrets): they only unwrap data keys, until
   * `pitr tenant rewrap-keys` has re-wrapped those under `masterKeyFile`.
   */
  previousMasterKeys: z.array(Secret).optional(),
});

/** A worker that serves the restore queues is a restore host: what it holds and where. */
const RestoreHostConfig = z.strictObject({
  /** Names the host's own task queue: unique per host, the same across its restarts (default: the machine's name and a digest of `dir`). */
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-"')
    .optional(),
  /** Where restored instances live (default PITR_RESTORE_DIR, else pitr-restores in the system temp folder). */
  dir: z.string().optional(),
  /** Restored instances held at once; a full host takes no new restore (default 8). */
  maxInstances: z.number().int().positive().optional(),
  /** GiB the restore folders may take together (default: no limit). */
  maxDiskGiB: z.number().positive().optional(),
  /** How often the host removes instances no running restore owns (default 300). */
  sweepSeconds: z.number().int().positive().optional(),
  /**
   * The server releases this host runs, each polled on its own queue; checked at start against
   * what the server program reports (default: the MySQL and the MariaDB installed here).
   */
  servers: z
    .array(
      z.strictObject({
        flavor: z.enum(['mysql', 'mariadb']),
        /** major.minor, e.g. "11.8". */
        release: z.string().regex(/^\d+\.\d+$/, 'major.minor, e.g. "11.8"'),
        /** The folder whose sbin/ (or bin/, in a vendor's tarball) holds the server and bin/ its client tools: /usr for a distribution's packages. */
        basedir: z.string(),
      }),
    )
    .min(1)
    .optional(),
});

export const CentralConfigSchema = CommonConfig.extend({
  catalogUrl: Secret,
  restoreHost: RestoreHostConfig.optional(),
  signing: z.strictObject({
    keyId: z.string(),
    privateKeyFile: z.string(),
    /** Every key id a manifest may be signed with, to its PEM public key file. */
    publicKeyFiles: z.record(z.string(), z.string()),
  }),
});
export type CentralConfig = z.infer<typeof CentralConfigSchema>;

const ToolPaths = z.strictObject(
  Object.fromEntries(ENGINES.map((engine) => [engine, z.string().optional()])) as Record<EngineName, z.ZodOptional<z.ZodString>>,
);

/** How long a binlog stream may receive nothing while the server writes more before it is restarted. */
export const DEFAULT_STREAM_STALL_SECONDS = 30;

export const AgentConfigSchema = CommonConfig.extend({
  tenantId: z.string(),
  clusterId: z.string(),
  database: z.strictObject({
    flavor: z.enum(['mysql', 'mariadb']),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().positive(),
    socket: z.string().optional(),
    user: z.string(),
    password: Secret.default(''),
    /** Where this host reads the server's binlogs; default: the folder of the server's @@log_bin_basename, read at agent start. */
    binlogDir: z.string().optional(),
    /**
     * Where this host's archive reads binlogs, as the cluster's `--archive` says: `files`, the
     * server's binlog folder (database.binlogDir), checked readable at start; `stream`, the
     * replication protocol, for a server whose folder this host cannot read.
     */
    archiveSource: z.enum(ARCHIVE_SOURCES).default('files'),
    /** The server id a binlog stream (`--archive stream`) connects with, as a replica does; default: one derived from the cluster, from 4026531840 up. */
    streamServerId: z.number().int().min(1).max(4_294_967_295).optional(),
    /**
     * A binlog stream that has received nothing for this long while the server wrote more is
     * taken for dead (a connection a firewall or NAT dropped without closing it) and restarted.
     */
    streamStallSeconds: z.number().int().min(1).max(3600).default(DEFAULT_STREAM_STALL_SECONDS),
    /** TLS to the server over TCP: required when present; `caFile` verifies its certificate, `verifyIdentity` (default) also its name. */
    tls: z
      .strictObject({
        caFile: z.string().optional(),
        certFile: z.string().optional(),
        keyFile: z.string().optional(),
        verifyIdentity: z.boolean().default(true),
      })
      .optional(),
  }),
  stagingDir: z.string(),
  /** Backups are refused when staging has less than `headroom × estimated size` free. */
  headroom: z.number().min(1).default(1.3),
  /** DDL running longer than this defers the backup (transient). */
  maxDdlSeconds: z.number().int().positive().default(60),
  /** More sessions than this queued on metadata locks defer the backup (transient); 0: any queue defers. */
  maxLockWaiters: z.number().int().nonnegative().default(0),
  /** A session queued on a metadata lock for longer than this defers the backup, however few wait. */
  maxLockWaitSeconds: z.number().int().nonnegative().default(60),
  throttle: z
    .strictObject({
      /** mariadb-backup/xtrabackup --throttle (I/O operations per second). */
      ioPerSecond: z.number().int().positive().optional(),
      /** clone_max_data_bandwidth, MiB/s. */
      bandwidthMBps: z.number().int().positive().optional(),
      /** Upload to object storage, MiB/s of backup read. */
      uploadMBps: z.number().positive().optional(),
      /** clone_max_concurrency; mariadb-backup/xtrabackup --parallel. */
      concurrency: z.number().int().positive().optional(),
    })
    .default({}),
  /** zstd settings of backup and binlog uploads; unset ones keep the defaults (level 3, one worker per core up to 8). */
  compression: z
    .strictObject({
      level: z.number().int().min(-7).max(22).optional(),
      /** 0 compresses on the uploading thread. */
      workers: z.number().int().min(0).max(256).optional(),
    })
    .optional(),
  /** Tool overrides by engine, e.g. `{ "xtrabackup": "/usr/bin/xtrabackup" }`. */
  tools: ToolPaths.default({}),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export class ConfigError extends InvalidInputError {}

function named(key: UnknownKey): string {
  return key.suggestion === undefined ? key.path : `${key.path} (did you mean ${key.suggestion}?)`;
}

function fix(key: UnknownKey): string {
  return key.suggestion === undefined
    ? `remove ${key.path} or use a key allowed there (${key.validKeys.join(', ')})`
    : `rename ${key.path} to ${key.suggestion}`;
}

/** A configuration file holds keys its schema does not: each named with its path, and the key probably meant. */
export class UnknownConfigKeyError extends ConfigError {
  constructor(
    readonly file: string,
    what: string,
    readonly keys: UnknownKey[],
  ) {
    super(`${what} configuration ${file}: unknown key${keys.length > 1 ? 's' : ''} ${keys.map(named).join(', ')}`, {
      hint: `${keys.map(fix).join('; ')} in ${file}`,
    });
  }
}

/** Where a secret's value is read from, for messages: the key that gives it, and the file or variable it names. */
export function secretSource(secret: Secret, key: string): string {
  if (typeof secret === 'string')
    return secret === '' ? `${key} in the configuration, which is empty or unset` : `${key} in the configuration`;
  if ('file' in secret) return `file ${secret.file} (named by ${key} in the configuration)`;
  return `environment variable ${secret.env} (named by ${key} in the configuration)`;
}

export function resolveSecret(secret: Secret, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof secret === 'string') return secret;
  if ('file' in secret) {
    try {
      return readFileSync(secret.file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`secret file ${secret.file} cannot be read: ${(err as Error).message}`);
    }
  }
  const value = env[secret.env];
  if (value === undefined) throw new ConfigError(`environment variable ${secret.env} (named in the configuration) is not set`);
  return value;
}

function load<T>(schema: z.ZodType<T>, file: string, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${what} configuration ${file} cannot be read: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const unknown = unknownKeys(schema, parsed.error.issues);
    if (unknown.length > 0) throw new UnknownConfigKeyError(file, what, unknown);
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${what} configuration ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadCentralConfig(file: string): CentralConfig {
  return load(CentralConfigSchema, file, 'central worker');
}

export function loadAgentConfig(file: string): AgentConfig {
  return load(AgentConfigSchema, file, 'agent');
}
