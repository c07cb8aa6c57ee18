import { InvalidInputError } from '../../domain/errors';

export interface S3Location {
  bucket: string;
  key: string;
}

/** `s3://BUCKET/KEY` as operators type it. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (!match?.[1] || !match[2] || match[2].endsWith('/')) {
    throw new InvalidInputError(`${url} is not an object URL of the form s3://BUCKET/KEY`, {
      hint: 'name the bucket (lower-case letters, digits, dots, dashes) and the full object key, e.g. s3://backups/v1/tenant/dump.pitr',
    });
  }
  return { bucket: match[1], key: match[2] };
}

export function formatS3Url(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}
