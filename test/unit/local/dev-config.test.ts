import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadAgentConfig, loadCentralConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { writeDevConfigs } from '../../../devstack/dev-config';

const stateDir = mkdtempSync(join(tmpdir(), 'pitr-dev-config-'));
after(() => rmSync(stateDir, { recursive: true, force: true }));

function db(flavor: DbInstance['flavor'], port: number): DbInstance {
  const dir = join(stateDir, flavor);
  return {
    flavor,
    host: '127.0.0.1',
    port,
    socket: join(dir, 'server.sock'),
    user: 'root',
    password: '',
    dir,
    dataDir: join(dir, 'data'),
    binlogDir: join(dir, 'binlog'),
    serverId: 1,
    pid: 1,
    optionFile: join(dir, 'client.cnf'),
  };
}

test('the configurations `pitr dev up` writes pass the strict schemas they are loaded with', () => {
  const files = writeDevConfigs({
    stateDir,
    ports: { temporal: 7233, temporalUi: 8233, minio: 9000, minioConsole: 9001, mysql: 33097, mariadb: 33110 },
    temporal: { address: '127.0.0.1:7233', namespace: 'default', uiUrl: undefined },
    s3: {
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: 'minioadmin',
      secretAccessKey: 'minioadmin',
      bucket: 'pitr',
    },
    postgres: { connectionString: 'postgresql://127.0.0.1:5432/pitr', database: 'pitr' },
    mysql: db('mysql', 33097),
    mariadb: db('mariadb', 33110),
  });
  assert.equal(loadCentralConfig(files.central).storage.bucket, 'pitr');
  for (const flavor of ['mysql', 'mariadb'] as const) assert.equal(loadAgentConfig(files.agents[flavor]).database.flavor, flavor);
});
