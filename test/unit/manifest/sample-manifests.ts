import type { ManifestInput } from '../../../domain/manifest';

const SERVER_UUID = 'e37df7ab-e7b0-11f1-bda4-02fc00000001';

const artifact = {
  location: { bucket: 'pitr-backups', key: 'acme/ledger-eu/base/bk-20261124-0259.zst.enc' },
  sizeBytes: 73_400_320,
  storedSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  compression: { algorithm: 'zstd' as const, level: 3, workers: 2 },
  encryption: { algorithm: 'aes-256-gcm' as const, keyId: 'tenant-acme-2026', chunkSize: 1_048_576 },
};

const common = {
  schemaVersion: 1 as const,
  tenantId: 'acme',
  clusterId: 'ledger-eu',
  complianceTier: 'pci',
  backupId: 'bk-20261124-0259',
  toolVersions: { pitr: '0.1.0', zstd: '1.5.4' },
  artifact,
  schemaTables: ['ledger.accounts', 'ledger.entries'],
  createdAt: '2026-11-24T02:59:43.120Z',
  clock: { serverUtc: '2026-11-24T02:59:43.118Z', workerUtc: '2026-11-24T02:59:43.120Z', skewMs: -2 },
};

/** A fresh MySQL manifest as a backup worker would build it (GTID text as the server printed it), free to mutate. */
export function mysqlManifest(): ManifestInput {
  return structuredClone({
    ...common,
    flavor: 'mysql',
    serverVersion: '9.7.4-2',
    serverUuid: SERVER_UUID,
    engine: 'clone',
    engineVersion: '9.7.4',
    coordinate: {
      gtidExecuted: `${SERVER_UUID}:1-2151:billing:1-5,\n11111111-2222-3333-4444-555555555555:42`,
      gtidPurged: `${SERVER_UUID}:1-100`,
      binlogFile: 'binlog.000005',
      binlogPosition: 157,
    },
  });
}

export function mariadbManifest(): ManifestInput {
  return structuredClone({
    ...common,
    flavor: 'mariadb',
    serverVersion: '10.11.19-MariaDB-0+deb12u1',
    serverId: 11,
    engine: 'mariadb-backup',
    engineVersion: '10.11.19',
    coordinate: { gtidExecuted: '2-11-5,0-11-2453', gtidPurged: '0-11-1', binlogFile: 'mariadb-bin.000005', binlogPosition: 4 },
  });
}
