import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toolchain } from '../../../adapters/servers/toolchain';
import { restoreOrphansRemoved } from '../../../activities/metrics';
import { sweepOrphans } from '../../../activities/restore/orphans';
import { LocalProcessProvisioner, restoreFolder } from '../../../activities/restore/provisioner';
import { RestoreHost, RestoreHostFullError } from '../../../activities/restore/restore-host';
import { restoreHostServers } from '../../../activities/restore/server-releases';
import { cachedServerBasedir } from '../../../adapters/servers/server-binaries';
import { hostFullReason } from '../../../domain/restore/capacity';
import { restoreHostQueue, restoreQueueOfVersion, restoreReleaseQueue } from '../../../domain/task-queues';

test("a restore goes to the shared queue of its backup's release, then to the queue of the host that took it", () => {
  assert.equal(restoreQueueOfVersion('mysql', '9.7.4-2'), 'pitr-restore-mysql-9.7');
  assert.equal(restoreQueueOfVersion('mariadb', '10.11.19-MariaDB-log'), 'pitr-restore-mariadb-10.11');
  assert.equal(restoreQueueOfVersion('mariadb', '5.5.5-11.8.2-MariaDB'), restoreReleaseQueue('mariadb', '11.8'));
  assert.equal(restoreQueueOfVersion('mysql', 'unknown'), null);
  assert.equal(restoreHostQueue('db7-1a2b3c4d'), 'pitr-restore-host-db7-1a2b3c4d');
});

test('a host is full at its declared instances or disk, and says which', () => {
  const limits = { maxInstances: 2, maxDiskBytes: 10 * 2 ** 30 };
  assert.equal(hostFullReason(limits, { instances: 1, usedBytes: 2 ** 30, needBytes: 2 ** 30 }), null);
  assert.equal(hostFullReason(limits, { instances: 2, usedBytes: 0, needBytes: 0 }), 'it holds 2 of its 2 restored instances');
  assert.match(
    hostFullReason(limits, { instances: 0, usedBytes: 9 * 2 ** 30, needBytes: 2 * 2 ** 30 }) ?? '',
    /use 9\.00 GiB of its 10\.00 GiB and this one needs about 2\.00 GiB/,
  );
  assert.equal(hostFullReason({ maxInstances: 2, maxDiskBytes: null }, { instances: 1, usedBytes: 1e15, needBytes: 1e15 }), null);
});

test('a host claims restores up to its capacity; claiming one it holds again answers the same; claims at once never overshoot', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pitr-host-'));
  try {
    const host = new RestoreHost('h1', root, { maxInstances: 2, maxDiskBytes: null });
    const claims = await Promise.allSettled(['r1', 'r2', 'r3', 'r4'].map((id) => host.claim(id, 'mysql', 0)));
    assert.deepEqual(
      claims.map((c) => c.status),
      ['fulfilled', 'fulfilled', 'rejected', 'rejected'],
    );
    const refused = (claims[2] as PromiseRejectedResult).reason as unknown;
    assert.ok(refused instanceof RestoreHostFullError && !refused.terminal, 'retryable: another host may take it');
    assert.match((refused as Error).message, /restore host h1 takes no new restore: it holds 2 of its 2 restored instances/);
    assert.deepEqual(await host.claim('r1', 'mysql', 0), { hostId: 'h1', taskQueue: 'pitr-restore-host-h1' });
    assert.deepEqual(
      host
        .claims()
        .map((c) => c.restoreId)
        .sort(),
      ['r1', 'r2'],
    );

    const disk = new RestoreHost('h2', join(root, 'h2'), { maxInstances: 10, maxDiskBytes: 1000 });
    await disk.claim('big', 'mysql', 0);
    writeFileSync(join(restoreFolder(join(root, 'h2'), 'big'), 'payload'), Buffer.alloc(900));
    await assert.rejects(disk.claim('next', 'mysql', 200), /its restores use .* and this one needs about/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the sweep removes the folders of restores no longer running, counts them, and leaves running ones and unclaimed folders', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pitr-sweep-'));
  try {
    const host = new RestoreHost('h-sweep', root, { maxInstances: 10, maxDiskBytes: null });
    for (const id of ['restore.a-live', 'restore.a-done']) await host.claim(id, 'mariadb', 0);
    mkdirSync(join(root, 'legacy-dry-run'));
    const before = (await restoreOrphansRemoved.get()).values.find((v) => v.labels.host === 'h-sweep')?.value ?? 0;
    const said: string[] = [];
    const removed = await sweepOrphans(
      host,
      new LocalProcessProvisioner(root, []),
      async (id) => id === 'restore.a-live',
      (m) => said.push(m),
    );
    assert.deepEqual(removed, [{ restoreId: 'restore.a-done', flavor: 'mariadb' }]);
    assert.deepEqual(readdirSync(root).sort(), ['legacy-dry-run', 'restore.a-live']);
    assert.match(said.join('\n'), /restore host h-sweep removed the instance and folder of restore restore\.a-done/);
    const after = (await restoreOrphansRemoved.get()).values.find((v) => v.labels.host === 'h-sweep')?.value ?? 0;
    assert.equal(after - before, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a restore host finds the releases of the server binaries it has', {
  skip: !existsSync(toolchain().mysqld) && 'no mysqld on this host',
}, async () => {
  const own = /Ver\s+(\d+\.\d+)\./.exec(execFileSync(toolchain().mysqld, ['--version']).toString())![1]!;
  const servers = await restoreHostServers(undefined);
  assert.ok(
    servers.some((s) => s.flavor === 'mysql' && s.release === own),
    `mysql ${own} among ${JSON.stringify(servers)}`,
  );
});

const nextMariadb = cachedServerBasedir('mariadb', '11.8');

test('a restore host runs the releases its configuration declares, each checked against what its server reports', {
  skip: !existsSync(nextMariadb) && 'no MariaDB 11.8 in the toolchain',
}, async () => {
  const [declared] = await restoreHostServers({ servers: [{ flavor: 'mariadb', release: '11.8', basedir: nextMariadb }] });
  assert.equal(declared?.release, '11.8');
  assert.match(declared?.version ?? '', /^11\.8\.\d+-MariaDB/);
  await assert.rejects(
    restoreHostServers({ servers: [{ flavor: 'mariadb', release: '10.11', basedir: nextMariadb }] }),
    (err: Error & { hint?: string }) => {
      assert.match(err.message, /the mariadb server under .*mariadb-11\.8\/usr is 11\.8\.\d+\S*, not the declared release 10\.11/);
      assert.match(err.hint ?? '', /set release to 11\.8/);
      return true;
    },
  );
  await assert.rejects(
    restoreHostServers({ servers: [{ flavor: 'mariadb', release: '11.8', basedir: '/nonexistent' }] }),
    /there is no mariadb server program at \/nonexistent\/sbin\/mariadbd/,
  );
});
