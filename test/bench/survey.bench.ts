import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { surveyBinlogs } from '../../activities/archive/survey';
import { withDatabase } from '../../adapters/db/connect';
import { startDbInstance, stopDbInstance, type DbInstance } from '../../adapters/servers/db-instance';
import { cacheDir } from '../../adapters/servers/toolchain';
import type { ArchivedFile } from '../../domain/archive/types';
import { benchAgentConfig } from './bench-agent';

const RUNS = 21;
/** An RPO no pass reaches: the survey never rotates, so every run surveys the same files. */
const NO_ROTATION_SECONDS = 86_400;

const log = (line: string): void => void process.stdout.write(`${line}\n`);

const agentConfig = (db: DbInstance) => benchAgentConfig(db, 'survey');

/** Rotates the binlog until the server keeps `closed` closed files, each holding one write. */
async function rotateTo(config: ReturnType<typeof agentConfig>, closed: number): Promise<void> {
  await withDatabase(config.database, async (conn) => {
    await conn.query('CREATE DATABASE IF NOT EXISTS bench');
    await conn.query('CREATE TABLE IF NOT EXISTS bench.t (id INT AUTO_INCREMENT PRIMARY KEY, at TIMESTAMP(6) DEFAULT NOW(6))');
    for (;;) {
      const [rows] = await conn.query('SHOW BINARY LOGS');
      if ((rows as unknown[]).length - 1 >= closed) return;
      await conn.query('INSERT INTO bench.t () VALUES ()');
      await conn.query('FLUSH BINARY LOGS');
    }
  });
}

/** Median wall time of one survey, in milliseconds, and how many closed files it dated. */
async function timeSurvey(config: ReturnType<typeof agentConfig>, newestArchived: ArchivedFile | null | undefined) {
  const times: number[] = [];
  let dated = 0;
  let closed = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = process.hrtime.bigint();
    const survey = await surveyBinlogs(config, NO_ROTATION_SECONDS, newestArchived);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    dated = survey.closed.filter((f) => f.createdSeconds !== undefined).length;
    closed = survey.closed.length;
  }
  times.sort((a, b) => a - b);
  return { ms: times[RUNS >> 1]!, dated, closed };
}

/** The survey of an archive pass with 10 and 1,000 closed binlogs on the server, every one of them archived. */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(cacheDir(), 'bench-survey-'));
  const db = await startDbInstance({ flavor: 'mysql', dir });
  try {
    const config = agentConfig(db);
    for (const count of [10, 1000]) {
      await rotateTo(config, count);
      const { server, closed } = await surveyBinlogs(config, NO_ROTATION_SECONDS);
      const newest = { serverKey: server.key, file: closed[closed.length - 1]!.name };
      const every = await timeSurvey(config, undefined);
      const onlyNew = await timeSurvey(config, newest);
      log(
        `${String(count).padStart(5)} closed binlogs: survey dating every closed file ${every.ms.toFixed(1)} ms (${every.dated} opened); ` +
          `dating only those after the archive's newest ${onlyNew.ms.toFixed(1)} ms (${onlyNew.dated} opened)`,
      );
    }
  } finally {
    await stopDbInstance(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
