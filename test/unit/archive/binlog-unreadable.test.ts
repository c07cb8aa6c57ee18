import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { accessDenial } from '../../../activities/archive/binlog-access';
import { FIXTURE_DIR, fixtureOf } from '../../fixtures/binlogs/expected';
import type { ProbeFailure, ProbeRead } from './read-binlogs-probe';

const probe = join(__dirname, 'read-binlogs-probe.js');
const ADM_GID = 4;
const asRoot = process.getuid?.() === 0;

const dir = mkdtempSync(join(tmpdir(), 'pitr-binlog-unreadable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The survey and the inspection of each binlog, run as nobody (root would read them all). */
function readAsNobody(paths: string[]): Promise<ProbeRead[]> {
  const nobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, probe, ...paths];
  return new Promise((done, fail) => {
    execFile('setpriv', nobody, { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? fail(new Error(`${err.message}\n${stderr}`)) : done(JSON.parse(stdout) as ProbeRead[]),
    );
  });
}

function assertUnreadable(got: ProbeRead['survey'] | ProbeRead['inspect'], path: string, because: string, hint: RegExp): void {
  const failed = got as ProbeFailure;
  assert.equal(failed.type, 'BinlogUnreadableError', JSON.stringify(got));
  assert.equal(failed.message, `the agent's OS user nobody (uid 65534) cannot read binlog ${path}: ${because} (EACCES)`);
  assert.match(failed.hint ?? '', hint);
  assert.match(failed.hint ?? '', /or set database\.binlogDir to a copy of the binlogs that nobody can read$/);
  assert.equal(failed.terminal, true, 'the pass fails at once, not after five attempts');
}

describe('binlogs the agent’s OS user may not read', { skip: !asRoot && 'needs root, to read as nobody' }, () => {
  test('the survey and the inspection name the file, the user, its owner and mode, and whose group to join', async () => {
    const fixture = readFileSync(join(FIXTURE_DIR, fixtureOf('mysql', 'shop').name));
    const binlogs = join(dir, 'binlogs');
    mkdirSync(binlogs, { mode: 0o755 });
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    const readable = join(binlogs, 'binlog.000001');
    const groupOnly = join(binlogs, 'binlog.000002');
    const behindLocked = join(locked, 'binlog.000003');
    for (const path of [readable, groupOnly, behindLocked]) copyFileSync(join(FIXTURE_DIR, fixtureOf('mysql', 'shop').name), path);
    chmodSync(dir, 0o755);
    chmodSync(readable, 0o644);
    chownSync(groupOnly, 0, ADM_GID);
    chmodSync(groupOnly, 0o640);

    const [open, group, folder, purged] = await readAsNobody([readable, groupOnly, behindLocked, join(binlogs, 'binlog.000009')]);

    assert.deepEqual(open!.survey, { createdSeconds: fixture.readUInt32LE(4) }, 'the same user reads a readable binlog');
    assert.deepEqual(open!.inspect, { sha256: createHash('sha256').update(fixture).digest('hex') });
    for (const got of [group!.survey, group!.inspect]) {
      assertUnreadable(
        got,
        groupOnly,
        'it is owned by root:adm with mode 0640',
        /^add nobody to group adm \(usermod -aG adm nobody\) and restart the agent, /,
      );
    }
    for (const got of [folder!.survey, folder!.inspect]) {
      assertUnreadable(
        got,
        behindLocked,
        `the folder ${locked} on its path is owned by root:root with mode 0700`,
        /^let group root read the binlog folder and its files \(chmod g\+rX.*\), add nobody to group root /,
      );
    }
    assert.deepEqual(purged!.survey, { createdSeconds: null }, 'a binlog purged meanwhile is still no error for the survey');
  });

  test('a mode that allows the user points past the mode: an ACL or a security module refuses it', () => {
    // Root owns it and the owner may read it, as when an ACL or AppArmor refuses what the mode allows.
    const file = join(dir, 'binlog.000004');
    copyFileSync(join(FIXTURE_DIR, fixtureOf('mysql', 'shop').name), file);
    chmodSync(file, 0o600);
    const { message, hint } = accessDenial('binlog', file);
    assert.equal(
      message,
      `the agent's OS user root (uid 0) cannot read binlog ${file}: it is owned by root:root with mode 0600, a mode that allows it`,
    );
    assert.match(hint, /^an ACL \(getfacl\), a security module \(AppArmor, SELinux\) or the file system refuses root what the mode allows/);
  });
});
