import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { applierServerArgs } from '../../../adapters/apply';
import { startDbInstance, stopDbInstance, type DbInstance } from '../../../adapters/servers/db-instance';
import { testStack } from '../../harness/env';
import { INSTANCES_DIR } from '../../harness/instances';
import { runSqlScript, type SourceHistory } from './source-history';

/**
 * A fresh server started with the applier's options, holding the base backup and with the
 * backup coordinate as its GTID state, as a restore provisioner leaves it. Stopped when the
 * test ends.
 */
export async function restoredInstance(t: TestContext, history: SourceHistory, serverId = 2): Promise<DbInstance> {
  const root = join(testStack().stateDir, INSTANCES_DIR);
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${history.flavor}-restored-`));
  t.after(() => stopDbInstance(dir));
  const instance = await startDbInstance({ flavor: history.flavor, dir, serverId, extraArgs: applierServerArgs(history.flavor, dir) });
  const dump = readFileSync(history.dumpFile, 'utf8');
  if (history.flavor === 'mysql') {
    // The dump turns sql_log_bin off and sets GTID_PURGED, which needs an empty gtid_executed.
    runSqlScript(instance, `RESET BINARY LOGS AND GTIDS;\n${dump}`);
  } else {
    runSqlScript(instance, `SET SESSION sql_log_bin = 0;\n${dump}`);
    const position = history.coordinate;
    runSqlScript(instance, `RESET MASTER;\nSET GLOBAL gtid_binlog_state = '${position}';\nSET GLOBAL gtid_slave_pos = '${position}';\n`);
  }
  return instance;
}
