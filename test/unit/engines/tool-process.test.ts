import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { EngineAbortedError, EngineFailedError } from '../../../adapters/engines/errors';
import { lowPriority, runTool } from '../../../adapters/engines/tool-process';

test('tools run under nice, and under ionice where it works', async () => {
  const { argv, ioPriority } = await lowPriority('/usr/bin/mysqldump', ['--all-databases']);
  assert.deepEqual(argv.slice(-2), ['/usr/bin/mysqldump', '--all-databases']);
  assert.ok(argv.includes('nice'));
  assert.equal(argv[0] === 'ionice', ioPriority === 'ionice');
});

test('stdin and stdout are streamed through the tool', async () => {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runTool({ tool: 'tr', argv: ['tr', 'a-z', 'A-Z'], stdin: Readable.from([Buffer.from('restore me')]), stdout: out });
  assert.equal(Buffer.concat(chunks).toString(), 'RESTORE ME');
});

test('a failing tool throws with its exit code and the last lines of its stderr', async () => {
  const script = 'for i in $(seq 1 40); do echo "line $i" >&2; done; echo "Access denied for user" >&2; exit 3';
  const err = await runTool({ tool: 'fake-dump', argv: ['sh', '-c', script] }).catch((e: unknown) => e);
  assert.ok(err instanceof EngineFailedError);
  assert.equal(err.tool, 'fake-dump');
  assert.equal(err.toolExitCode, 3);
  assert.match(err.lastOutput, /line 40\nAccess denied for user$/);
  assert.doesNotMatch(err.lastOutput, /line 1\n/);
  assert.equal(err.transient, false);
});

test('a tool killed by a signal we did not send is transient; one we cancel is aborted', async () => {
  const killed = await runTool({ tool: 'victim', argv: ['sh', '-c', 'kill -9 $$'] }).catch((e: unknown) => e);
  assert.ok(killed instanceof EngineFailedError && killed.transient, String(killed));
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(runTool({ tool: 'sleeper', argv: ['sleep', '30'], signal: controller.signal }), EngineAbortedError);
});

test('a missing binary is a terminal failure naming it', async () => {
  const err = await runTool({ tool: 'xtrabackup', argv: ['/nonexistent/xtrabackup', '--backup'] }).catch((e: unknown) => e);
  assert.ok(err instanceof EngineFailedError);
  assert.match(err.message, /\/nonexistent\/xtrabackup is not installed/);
  assert.equal(err.transient, false);
});
