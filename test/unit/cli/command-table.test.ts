import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCli } from '../../../client/cli';
import { COMMANDS } from '../../../client/command-table';

test('`pitr --help` lists every command with the description the command itself gives', () => {
  for (const entry of COMMANDS) {
    const command = entry.load();
    assert.equal(command.name(), entry.name);
    assert.equal(command.description(), entry.summary, `the summary of ${entry.name} in client/command-table.ts`);
  }
});

test('the invoked command is the full one, with its subcommands and options; `pitr help X` loads X too', () => {
  for (const argv of [
    ['node', 'pitr', 'artifact', 'pack', '--help'],
    ['node', 'pitr', 'help', 'artifact'],
  ]) {
    const artifact = buildCli(argv).commands.find((command) => command.name() === 'artifact');
    assert.deepEqual(
      artifact?.commands.map((command) => command.name()),
      ['pack', 'unpack', 'verify'],
    );
  }
});
