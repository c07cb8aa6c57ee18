import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AgentConfig } from '../activities/config/config';
import { DatabaseUnavailableError, queryOne, withDatabase } from '../activities/db/connect';
import { PitrError } from '../domain/errors';

/** The agent refuses to start: its database or its binlog directory is not what its configuration says. */
export class AgentStartError extends PitrError {}

/**
 * The folder the server writes its binlogs to, as the server names it (undefined when binlogs
 * are off or the server does not answer). Only a failure its activities would not retry either
 * (a wrong password) stops the agent: a server that is down or restarting, or not up yet when
 * both are started together, is what they already wait for.
 */
async function serverBinlogDir(db: AgentConfig['database'], configFile: string, startsWithout: boolean): Promise<string | undefined> {
  try {
    return await withDatabase(db, async (conn) => {
      const { base } = await queryOne<{ base: string | null }>(conn, 'SELECT @@log_bin_basename AS base');
      return base === null ? undefined : dirname(base);
    });
  } catch (err) {
    if (!(err instanceof DatabaseUnavailableError)) throw err;
    if (err.terminal) throw refused(err, configFile);
    if (!startsWithout) return undefined;
    process.stderr.write(
      `pitr: ${err.message}; the agent starts anyway, and its backups and archive passes retry until the server answers\n`,
    );
    return undefined;
  }
}

function refused(err: DatabaseUnavailableError, configFile: string): AgentStartError {
  return new AgentStartError(`the agent did not start (configuration ${configFile}): ${err.message}`, {
    hint: err.hint,
    exitCode: 2,
    cause: err,
  });
}

function unusableBinlogDir(dir: string, configFile: string, problem: string, serverDir: string | undefined): AgentStartError {
  const where = serverDir === undefined ? '' : `; the server writes its binlogs to ${serverDir}`;
  return new AgentStartError(
    `the agent did not start (configuration ${configFile}): the binlog directory ${dir} (database.binlogDir) ${problem}`,
    {
      hint: `set database.binlogDir to the folder where this host sees the server's binlogs, readable by the agent's user${where}`,
    },
  );
}

async function checkBinlogDir(dir: string, configFile: string, serverDir: string | undefined): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw unusableBinlogDir(dir, configFile, 'is not a directory', serverDir);
    await access(dir, constants.R_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof AgentStartError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read by the agent’s user'
          : `cannot be read: ${(err as Error).message}`;
    throw unusableBinlogDir(dir, configFile, problem, serverDir);
  }
}

/**
 * What the agent checks before it polls for work: that its database takes the configured
 * credentials, and that the binlog directory it archives from is there to read. Caught here,
 * a wrong password or a missing mount stops the agent with what to fix, instead of failing
 * every backup and archive pass later.
 */
export async function checkAgentHost(config: AgentConfig, configFile: string): Promise<AgentConfig> {
  const serverDir = await serverBinlogDir(config.database, configFile, config.database.binlogDir !== undefined);
  const binlogDir = config.database.binlogDir ?? serverDir;
  if (binlogDir === undefined) {
    throw new AgentStartError(
      `the agent did not start (configuration ${configFile}): database.binlogDir is not set and the server did not name its binlog folder`,
      {
        hint: "set database.binlogDir to the folder of the server's binlogs, or start the agent once its server answers with binary logging on",
      },
    );
  }
  await checkBinlogDir(binlogDir, configFile, serverDir);
  return { ...config, database: { ...config.database, binlogDir } };
}
