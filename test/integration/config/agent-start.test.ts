import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { type AgentConfig, loadAgentConfig } from '../../../adapters/config/config';
import type { DbInstance } from '../../../adapters/servers/db-instance';
import { testStack } from '../../harness/env';
import { freshDbInstance, NO_SERVER_PORT } from '../../harness/instances';
import { checkAgentHost } from '../../../workers/agent-start-checks';

const cli = resolve(__dirname, '../../../client/cli.js');
const PASSWORD = 'Right-0ne-for-backup';

async function instanceWithBackupUser(): Promise<DbInstance> {
  const db = await freshDbInstance('mysql');
  const conn = await createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
  await conn.query(`CREATE USER 'backup'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await conn.query("GRANT ALL ON *.* TO 'backup'@'%'");
  await conn.end();
  return db;
}

/** An agent configuration file for `db` in `dir`, with the `database` settings changed as given. */
function configFile(db: DbInstance, name: string, database: Partial<AgentConfig['database']>, dir = join(db.dir, 'agent')): string {
  const stack = testStack();
  const template = loadAgentConfig(stack.configs.agents.mysql);
  mkdirSync(join(dir, 'staging'), { recursive: true });
  const config: AgentConfig = {
    ...template,
    tenantId: 't-agent-start',
    clusterId: `c-agent-start-${process.pid}`,
    database: {
      ...template.database,
      host: db.host,
      port: db.port,
      socket: db.socket,
      user: 'backup',
      password: PASSWORD,
      binlogDir: db.binlogDir,
      ...database,
    },
    stagingDir: join(dir, 'staging'),
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** `setpriv` arguments that run a command as nobody, in no group or in those given. */
function asNobody(groups = '--clear-groups'): string[] {
  return ['--reuid=nobody', '--regid=nogroup', groups];
}

/** Runs `pitr agent` to its end, as root or, given `setpriv` arguments, as another user. */
function pitrAgent(file: string, as?: string[]): Promise<{ code: number | null; stderr: string }> {
  const [command, args] = as ? ['setpriv', [...as, process.execPath, cli]] : [process.execPath, [cli]];
  return new Promise((done) => {
    execFile(command, [...args, 'agent', '--config', file], { timeout: 180_000 }, (err, _stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr });
    });
  });
}

/** Runs `pitr agent` until it says it polls, and returns what it printed by then; it is killed either way. */
async function untilRunning(file: string, as?: string[]): Promise<string> {
  const [command, args] = as ? ['setpriv', [...as, process.execPath, cli]] : [process.execPath, [cli]];
  const child = spawn(command, [...args, 'agent', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  try {
    const outcome = await new Promise<string>((done) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/agent for t-agent-start\/c-agent-start-\d+ running/.test(stderr)) done('running');
      });
      child.once('exit', (code) => done(`exited with ${code}`));
    });
    assert.equal(outcome, 'running', stderr);
    return stderr;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function assertRefused(run: { code: number | null; stderr: string }, code: number, file: string): void {
  assert.equal(run.code, code, run.stderr);
  assert.ok(run.stderr.startsWith(`pitr: the agent did not start (configuration ${file}): `), run.stderr);
  assert.match(run.stderr, /\n {2}what to do: /);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

describe('pitr agent checks its database and binlog directory before it starts', { concurrency: true }, () => {
  test('a wrong password: the user, the server and the configuration key the password came from', async () => {
    const db = await instanceWithBackupUser();
    const inline = configFile(db, 'wrong-inline', { password: 'not-the-password' });
    const secretFile = join(db.dir, 'agent', 'db-password');
    writeFileSync(secretFile, 'not-the-password-either\n');
    const fromFile = configFile(db, 'wrong-file', { password: { file: secretFile } });
    const [byKey, byFile] = await Promise.all([pitrAgent(inline), pitrAgent(fromFile)]);

    assertRefused(byKey, 2, inline);
    assert.match(
      byKey.stderr,
      new RegExp(
        `mysql at ${db.host}:${db.port} refused user 'backup' with the password from database\\.password in the configuration: Access denied for user 'backup'@`,
      ),
    );
    assert.match(byKey.stderr, /what to do: correct the password in database\.password in the configuration, or database\.user/);
    assertRefused(byFile, 2, fromFile);
    assert.match(
      byFile.stderr,
      new RegExp(`refused user 'backup' with the password from file ${secretFile} \\(named by database\\.password in the configuration\\)`),
    );
  });

  test('a missing binlog directory, or a file in its place: the path, and where the server writes its binlogs', async () => {
    const db = await instanceWithBackupUser();
    const missingDir = join(db.dir, 'no-such-binlog-dir');
    const missing = configFile(db, 'missing-dir', { binlogDir: missingDir });
    const aFilePath = join(db.dir, 'agent', 'binlogs-as-a-file');
    const notADir = configFile(db, 'file-dir', { binlogDir: aFilePath });
    writeFileSync(aFilePath, '');
    const [noDir, aFile] = await Promise.all([pitrAgent(missing), pitrAgent(notADir)]);

    assertRefused(noDir, 1, missing);
    assert.match(noDir.stderr, new RegExp(`the binlog directory ${missingDir} \\(database\\.binlogDir\\) does not exist\\n`));
    assert.match(
      noDir.stderr,
      new RegExp(`what to do: set database\\.binlogDir to .*; the server writes its binlogs to ${db.binlogDir}\\n`),
    );
    assertRefused(aFile, 1, notADir);
    assert.match(aFile.stderr, new RegExp(`the binlog directory ${aFilePath} \\(database\\.binlogDir\\) is not a directory`));
  });

  test('binlogs its OS user may not read: the path, the user, the owner and mode, and the group to join, which then lets it start', {
    skip: process.getuid?.() !== 0 && 'needs root, to run the agent as nobody',
  }, async () => {
    const db = await instanceWithBackupUser();
    // Where nobody reaches the configuration: the test stack's folders are root's alone.
    const dir = mkdtempSync(join(tmpdir(), 'pitr-agent-perms-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    // The server's own binlog folder, inside the stack's folder that is root's alone (as /var/lib/mysql is mysql's).
    const serverFolder = configFile(db, 'server-folder', { socket: undefined }, dir);
    // A folder it may list, holding a binlog only group adm may read (as mysqld writes them, 0640).
    const copies = join(dir, 'binlogs');
    mkdirSync(copies, { mode: 0o755 });
    writeFileSync(join(copies, 'binlog.000001'), '', { mode: 0o644 });
    const groupOnly = join(copies, 'binlog.000002');
    writeFileSync(groupOnly, '', { mode: 0o640 });
    chownSync(groupOnly, 0, 4);
    const copyFolder = configFile(db, 'copy-folder', { socket: undefined, binlogDir: copies }, dir);
    for (const name of ['server-folder.json', 'copy-folder.json']) chmodSync(join(dir, name), 0o644);
    chmodSync(join(dir, 'staging'), 0o777);

    const [folder, file] = await Promise.all([pitrAgent(serverFolder, asNobody()), pitrAgent(copyFolder, asNobody())]);

    assertRefused(folder, 1, serverFolder);
    const keptOut = new RegExp(
      `the agent's OS user nobody \\(uid 65534\\) cannot read the binlog folder ${db.binlogDir}: the folder (\\S+) on its path is owned by root:root with mode 0700 \\(EACCES\\)\\n`,
    ).exec(folder.stderr);
    assert.ok(keptOut && db.binlogDir.startsWith(`${keptOut[1]}/`), folder.stderr);
    assert.match(folder.stderr, /what to do: let group root read the binlog folder and its files \(chmod g\+rX/);
    assertRefused(file, 1, copyFolder);
    assert.ok(
      file.stderr.includes(
        `the agent's OS user nobody (uid 65534) cannot read binlog ${groupOnly}: it is owned by root:adm with mode 0640 (EACCES)\n` +
          '  what to do: add nobody to group adm (usermod -aG adm nobody) and restart the agent, or set database.binlogDir to a copy of the binlogs that nobody can read\n',
      ),
      file.stderr,
    );
    const member = await untilRunning(copyFolder, asNobody('--groups=adm'));
    assert.doesNotMatch(member, /pitr:/, 'in the group, it starts with nothing to report');
  });

  test('with the right password and binlog directory the agent starts and polls', async () => {
    const db = await instanceWithBackupUser();
    const stderr = await untilRunning(configFile(db, 'right', {}));
    assert.doesNotMatch(stderr, /pitr:/, 'nothing to report');
  });

  test('without database.binlogDir the agent takes the binlog folder the server names; with the server down too it is refused', async () => {
    const db = await instanceWithBackupUser();
    const file = configFile(db, 'server-named-dir', { binlogDir: undefined });
    const checked = await checkAgentHost(loadAgentConfig(file), file);
    assert.equal(checked.database.binlogDir, db.binlogDir, "the server's @@log_bin_basename folder");
    await untilRunning(file);
    const unknown = configFile(db, 'no-dir-server-down', { binlogDir: undefined, port: NO_SERVER_PORT });
    const refused = await pitrAgent(unknown);
    assertRefused(refused, 1, unknown);
    assert.match(refused.stderr, /database\.binlogDir is not set and the server did not name its binlog folder/);
  });

  test('a server that does not answer yet is waited for by the activities, not refused', async () => {
    const db = await instanceWithBackupUser();
    const stderr = await untilRunning(configFile(db, 'server-down', { port: NO_SERVER_PORT }));
    assert.match(stderr, new RegExp(`pitr: cannot connect to mysql at ${db.host}:${NO_SERVER_PORT}: .*; the agent starts anyway`));
  });
});
