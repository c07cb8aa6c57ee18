import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCli } from '../../../client/cli';
import { InvalidInputError } from '../../../domain/errors';

const run = (...args: string[]) => buildCli().parseAsync(['node', 'pitr', ...args, '--config', '/nonexistent/central.json']);

test('pitr plan and pitr restore refuse a target without a zone before reading any configuration', async () => {
  await assert.rejects(run('plan', '--tenant', 't', '--cluster', 'c', '--to', '2026-11-27T09:30:00'), /not an instant, a GTID set or latest/);
  await assert.rejects(run('restore', '--tenant', 't', '--cluster', 'c', '--to', '2026-11-27 09:30'), InvalidInputError);
});

test('pitr restore refuses a --keep-for that is not a positive number of minutes', async () => {
  await assert.rejects(run('restore', '--tenant', 't', '--cluster', 'c', '--to', 'latest', '--keep-for', 'abc'), /--keep-for "abc" is not a number of minutes/);
  await assert.rejects(run('restore', '--tenant', 't', '--cluster', 'c', '--to', 'latest', '--keep-for', '0'), InvalidInputError);
});
