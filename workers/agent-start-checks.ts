import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPermissionDenied } from '../activities/archive/binlog-access';
import { BinlogUnreadableError } from '../activities/archive/errors';
import type { AgentConfig } from '../adapters/config/config';
import { DatabaseUnavailableError, queryOne, withDatabase } from '../adapters/db/connect';
import { inBinlogOrder, isBinlogName } from '../domain/archive/binlog-names';
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

function unreadable(label: string, path: string, err: unknown, configFile: string): AgentStartError {
  const denied = new BinlogUnreadableError(label, path, err);
  return new AgentStartError(`the agent did not start (configuration ${configFile}): ${denied.message}`, {
    hint: denied.hint,
    cause: denied,
  });
}

async function checkBinlogDir(dir: string, configFile: string, serverDir: string | undefined): Promise<void> {
  let names: string[];
  try {
    if (!(await stat(dir)).isDirectory()) throw unusableBinlogDir(dir, configFile, 'is not a directory', serverDir);
    await access(dir, constants.R_OK | constants.X_OK);
    names = await readdir(dir);
  } catch (err) {
    if (err instanceof AgentStartError) throw err;
    if (isPermissionDenied(err)) throw unreadable('the binlog folder', dir, err, configFile);
    const code = (err as NodeJS.ErrnoException).code;
    throw unusableBinlogDir(dir, configFile, code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(err as Error).message}`, serverDir);
  }
  // The files too: the server writes them with its own owner and mode, whatever the folder's.
  for (const { name } of inBinlogOrder(names.filter(isBinlogName).map((name) => ({ name })))) {
    const path = join(dir, name);
    try {
      await access(path, constants.R_OK);
    } catch (err) {
      // Anything else (a file purged meanwhile) is for the archive pass to report, if it matters.
      if (isPermissionDenied(err)) throw unreadable('binlog', path, err, configFile);
    }
  }
}

/**
 * What the agent checks before it polls for work: that its database takes the configured
 * credentials, and that the binlog directory it archives from and the binlogs in it are there
 * for its OS user to read. Caught here, a wrong password, a missing mount or a user outside the
 * binlogs' group stops the agent with what to fix, instead of failing every backup and archive
 * pass later. An agent that streams binlogs (database.archiveSource 'stream') needs no folder.
 */
export async function checkAgentHost(config: AgentConfig, configFile: string): Promise<AgentConfig> {
  // Streamed binlogs are received over the connection: the server's folder is none of this host's business.
  const streamed = config.database.archiveSource === 'stream';
  const serverDir = await serverBinlogDir(config.database, configFile, streamed || config.database.binlogDir !== undefined);
  if (streamed) return config;
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
