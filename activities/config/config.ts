import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError } from '../../domain/errors';

/** A secret is given inline, or (better) by the file or environment variable that holds it. */
export const Secret = z.union([z.string(), z.object({ file: z.string() }), z.object({ env: z.string() })]);
export type Secret = z.infer<typeof Secret>;

const StorageConfig = z.object({
  endpoint: z.string().url(),
  region: z.string().default('us-east-1'),
  bucket: z.string().min(3),
  prefix: z.string().regex(/^([^/].*\/)?$/, "empty, or a path ending in '/' without a leading '/'").default('v2/'),
  accessKeyId: z.string(),
  secretAccessKey: Secret,
  /** `when-required` for stores that reject aws-chunked uploads (GCS's S3 endpoint); see docs/artifact-format.md. */
  checksums: z.enum(['when-supported', 'when-required']).optional(),
});

const CommonConfig = z.object({
  temporal: z.object({ address: z.string(), namespace: z.string().default('default') }),
  storage: StorageConfig,
  /** The master key that wraps every tenant's data key (32 bytes, base64, in a file). */
  masterKeyFile: z.string(),
  /**
   * Master keys being rotated away from (base64, as secrets): they only unwrap data keys, until
   * `pitr tenant rewrap-keys` has re-wrapped those under `masterKeyFile`.
   */
  previousMasterKeys: z.array(Secret).optional(),
});

export const CentralConfigSchema = CommonConfig.extend({
  catalogUrl: Secret,
  signing: z.object({
    keyId: z.string(),
    privateKeyFile: z.string(),
    /** Every key id a manifest may be signed with, to its PEM public key file. */
    publicKeyFiles: z.record(z.string(), z.string()),
  }),
});
export type CentralConfig = z.infer<typeof CentralConfigSchema>;

export const AgentConfigSchema = CommonConfig.extend({
  tenantId: z.string(),
  clusterId: z.string(),
  database: z.object({
    flavor: z.enum(['mysql', 'mariadb']),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().positive(),
    socket: z.string().optional(),
    user: z.string(),
    password: Secret.default(''),
    binlogDir: z.string(),
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
    .object({
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
    .object({
      level: z.number().int().min(-7).max(22).optional(),
      /** 0 compresses on the uploading thread. */
      workers: z.number().int().min(0).max(256).optional(),
    })
    .optional(),
  /** Tool overrides, e.g. `{ "xtrabackup": "/usr/bin/xtrabackup" }`. */
  tools: z.record(z.string(), z.string()).default({}),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

export class ConfigError extends InvalidInputError {}

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
