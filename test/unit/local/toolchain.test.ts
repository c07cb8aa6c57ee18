import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { toolchain, ToolchainMissingError } from '../../../adapters/servers/toolchain';

function withEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('a host without the cache uses the MySQL tools on its PATH, and only when they are MySQL’s', () => {
  const bin = mkdtempSync(join(tmpdir(), 'pitr-bin-'));
  try {
    writeFileSync(join(bin, 'mysqldump'), '#!/bin/sh\n');
    chmodSync(join(bin, 'mysqldump'), 0o755);
    writeFileSync(join(bin, 'mariadb-binlog'), '#!/bin/sh\n');
    symlinkSync(join(bin, 'mariadb-binlog'), join(bin, 'mysqlbinlog'));
    withEnv({ PITR_CACHE: join(bin, 'no-cache'), PATH: bin }, () => {
      const tools = toolchain();
      assert.equal(tools.mysqldump, join(bin, 'mysqldump'));
      assert.throws(
        () => tools.mysqlbinlog,
        (err: unknown) => err instanceof ToolchainMissingError && /mysqlbinlog is not installed/.test(err.message),
      );
    });
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
