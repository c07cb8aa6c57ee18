import { Command, InvalidArgumentError } from 'commander';
import { renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, PitrError } from '../../domain/errors';
import type { ArtifactServices } from '../../adapters/artifact/services';
import { formatS3Url, parseS3Url } from '../../adapters/storage/s3-url';

/* The pipeline and the AWS SDK are loaded only by the subcommand that runs, so that `--help` starts fast. */
const download = (): typeof import('../../adapters/artifact/download') => require('../../adapters/artifact/download');
const upload = (): typeof import('../../adapters/artifact/upload') => require('../../adapters/artifact/upload');
const input = (): typeof import('../../adapters/artifact/input') => require('../../adapters/artifact/input');
const quarantine = (): typeof import('../../adapters/artifact/quarantine') => require('../../adapters/artifact/quarantine');
const errors = (): typeof import('../../adapters/artifact/errors') => require('../../adapters/artifact/errors');
const services = (): typeof import('../../adapters/artifact/services') => require('../../adapters/artifact/services');

const ENVIRONMENT_HELP = `
Configuration comes from the environment:
  PITR_S3_ENDPOINT       S3-compatible endpoint URL (required)
  PITR_S3_REGION         region (default us-east-1)
  PITR_S3_PREFIX         key prefix of the key store and quarantine (default v1/)
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
  PITR_MASTER_KEY        base64 master key, or PITR_MASTER_KEY_FILE naming a file holding it`;

function integer(name: string, min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return parsed;
  };
}

async function withServices<T>(url: string, run: (services: ArtifactServices, key: string) => Promise<T>): Promise<T> {
  const { bucket, key } = parseS3Url(url);
  const opened = services().artifactServicesFromEnv(bucket);
  try {
    return await run(opened, key);
  } finally {
    opened.close();
  }
}

function checkReadable(file: string): void {
  try {
    if (!statSync(file).isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw new InvalidInputError(`${file} cannot be packed: ${(err as Error).message}`, { hint: 'name an existing, readable regular file' });
  }
}

function print(summary: object): void {
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

interface PackOptions {
  tenant: string;
  level?: number;
  workers?: number;
  chunkSize?: number;
  partSize?: number;
}

interface ReadOptions {
  tenant?: string;
  sha256?: string;
}

/** `pitr artifact`: pack a file into an encrypted, compressed artifact in object storage, and back. */
export function artifactCommand(): Command {
  const artifact = new Command('artifact')
    .description('compressed, encrypted, verifiable artifacts in S3-compatible storage')
    .addHelpText('after', ENVIRONMENT_HELP);

  artifact
    .command('pack')
    .description('compress, encrypt and upload FILE (read once, no temporary copy) and print its manifest entry')
    .argument('<file>', 'file to pack')
    .argument('<url>', 'destination, s3://BUCKET/KEY')
    .requiredOption('--tenant <id>', 'tenant whose data key seals the artifact')
    .option('--level <n>', 'zstd level (default 3)', integer('--level', -7))
    .option('--workers <n>', 'zstd worker threads (default: number of cores, at most 8)', integer('--workers', 0))
    .option('--chunk-size <bytes>', 'bytes per sealed chunk (default 1 MiB)', integer('--chunk-size', 1))
    .option('--part-size <bytes>', 'bytes per multipart upload part (default 8 MiB, at least 5 MiB)', integer('--part-size', 1))
    .action(async (file: string, url: string, options: PackOptions) => {
      checkReadable(file);
      const packed = await withServices(url, ({ store, keys }, key) =>
        upload().packArtifact({
          store,
          key,
          tenant: options.tenant,
          keys,
          openInput: () => input().readFileInPieces(file),
          encoding: {
            ...(options.level === undefined ? {} : { compressionLevel: options.level }),
            ...(options.workers === undefined ? {} : { compressionWorkers: options.workers }),
            ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
          },
          partSize: options.partSize,
        }),
      );
      print({ url, ...packed });
    });

  artifact
    .command('unpack')
    .description('download, verify and decompress an artifact into FILE (written only if every check passes)')
    .argument('<url>', 'artifact, s3://BUCKET/KEY')
    .argument('<file>', 'where to write the original bytes')
    .option('--tenant <id>', 'fail unless the artifact belongs to this tenant')
    .option('--sha256 <hex>', 'fail unless the stored object has this SHA-256 (from the manifest)')
    .action(async (url: string, file: string, options: ReadOptions) => {
      const unpackTo = (destination: string) =>
        withServices(url, ({ store, keys }, key) =>
          download().unpackArtifact({ store, key, keys, expected: options, destination: { file: destination } }),
        );
      // A device or a pipe (/dev/null, /dev/stdout) is written as it is: renaming a file over it would replace it.
      const existing = statSync(file, { throwIfNoEntry: false });
      if (existing?.isDirectory()) {
        throw new InvalidInputError(`${file} is a folder`, { hint: `name the file to write in it, e.g. ${join(file, 'unpacked')}` });
      }
      if (existing?.isCharacterDevice() || existing?.isFIFO()) {
        print({ url, file, ...(await unpackTo(file)) });
        return;
      }
      const partial = `${file}.partial`;
      try {
        const decoded = await unpackTo(partial);
        renameSync(partial, file);
        print({ url, file, ...decoded });
      } catch (err) {
        rmSync(partial, { force: true });
        throw err;
      }
    });

  artifact
    .command('verify')
    .description('read a whole artifact and check every chunk, the compressed stream and (optionally) its SHA-256')
    .argument('<url>', 'artifact, s3://BUCKET/KEY')
    .option('--tenant <id>', 'fail unless the artifact belongs to this tenant')
    .option('--sha256 <hex>', 'fail unless the stored object has this SHA-256 (from the manifest)')
    .option('--quarantine', 'on an integrity failure, move the object under <prefix>failed/ with the reason beside it')
    .action(async (url: string, options: ReadOptions & { quarantine?: boolean }) => {
      await withServices(url, async ({ store, keys, prefix }, key) => {
        try {
          print({ url, verified: true, ...(await download().verifyArtifact({ store, key, keys, expected: options })) });
        } catch (err) {
          if (options.quarantine && err instanceof errors().ArtifactIntegrityError) {
            const target = await quarantine().quarantineArtifact(store, prefix, key, err);
            throw new PitrError(`${err.message}; moved to ${formatS3Url({ bucket: store.bucket, key: target })}`, {
              hint: err.hint,
              cause: err,
            });
          }
          throw err;
        }
      });
    });
  return artifact;
}
