import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ArchiveGapError,
  CoordinateMismatchError,
  crossCheck,
  crossCheckAfterFlush,
  type ServerGtidState,
} from '../../../activities/backup/capture';
import type { Coordinate } from '../../../domain/backup';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const B = '4f22ab58-82db-22f2-af44-d91bb0530673';

const coordinate = (gtidExecuted: string): Coordinate => ({
  gtidExecuted,
  gtidPurged: '',
  binlogFile: 'binlog.000002',
  binlogPosition: 157,
  source: 'the engine',
});

function mysqlServer(executed: string, purged = '', serverUuid = A): ServerGtidState {
  return {
    identity: { flavor: 'mysql', serverUuid },
    gtidExecuted: executed,
    gtidPurged: purged,
    binlogState: executed,
    currentBinlog: 'binlog.000002',
  };
}

function mariadbServer(state: string, position: string, purged = '', serverId = 1): ServerGtidState {
  return {
    identity: { flavor: 'mariadb', serverId, gtidDomainId: 0 },
    gtidExecuted: position,
    gtidPurged: purged,
    binlogState: state,
    currentBinlog: 'binlog.000002',
  };
}

function rejectsWith(fn: () => void, type: typeof CoordinateMismatchError | typeof ArchiveGapError, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.equal(err.terminal, true);
    assert.match(err.message, message);
    return true;
  });
}

test('mysql: a coordinate inside the server history, after what it purged, passes', () => {
  crossCheck('mysql', coordinate(`${A}:1-50`), mysqlServer(`${A}:1-80`, `${A}:1-10`));
});

test('mysql: a coordinate naming a source UUID the server never logged is another server’s', () => {
  rejectsWith(
    () => crossCheck('mysql', coordinate(`${A}:1-50,${B}:1-3`), mysqlServer(`${A}:1-80`)),
    CoordinateMismatchError,
    new RegExp(`names source\\(s\\) ${B} that the server \\(server_uuid ${A}\\) never logged`),
  );
});

test('mysql: a coordinate ahead of the server’s executed GTIDs is refused', () => {
  rejectsWith(
    () => crossCheck('mysql', coordinate(`${A}:1-90`), mysqlServer(`${A}:1-80`)),
    CoordinateMismatchError,
    /is not contained in the executed GTIDs .*:1-80 of the server \(server_uuid/,
  );
});

test('mysql: binlogs purged past the coordinate are an archive gap', () => {
  rejectsWith(
    () => crossCheck('mysql', coordinate(`${A}:1-50`), mysqlServer(`${A}:1-80`, `${A}:1-60`)),
    ArchiveGapError,
    /purged binlogs past the backup's coordinate: purged .*:1-60/,
  );
});

test('mariadb: a coordinate in the server’s binlog state for its domain and server id passes', () => {
  crossCheck('mariadb', coordinate('0-1-90'), mariadbServer('0-1-90,0-2-120', '0-2-120', '0-1-20'));
});

test('mariadb: the same sequence number from another server id is refused, though a position would accept it', () => {
  rejectsWith(
    () => crossCheck('mariadb', coordinate('0-1-90'), mariadbServer('0-2-120', '0-2-120')),
    CoordinateMismatchError,
    /names GTID\(s\) 0-1-90 \(by domain and server id\) that the server \(server_id 1, gtid_domain_id 0\) never logged; its history is 0-2-120/,
  );
});

test('mariadb: binlogs purged past the coordinate are an archive gap', () => {
  rejectsWith(
    () => crossCheck('mariadb', coordinate('0-1-90'), mariadbServer('0-1-90,0-2-120', '0-2-120', '0-2-100')),
    ArchiveGapError,
    /purged 0-2-100, coordinate 0-1-90/,
  );
});

test('after FLUSH BINARY LOGS: another server behind the same address is refused', () => {
  rejectsWith(
    () => crossCheckAfterFlush('mysql', coordinate(`${A}:1-50`), mysqlServer(`${A}:1-80`), mysqlServer(`${A}:1-80,${B}:1-2`, '', B)),
    CoordinateMismatchError,
    new RegExp(`the server changed during capture: it was server_uuid ${A} before FLUSH BINARY LOGS and server_uuid ${B} after`),
  );
});

test('after FLUSH BINARY LOGS: binlogs the flush expired past the coordinate are an archive gap', () => {
  const before = mysqlServer(`${A}:1-80`, `${A}:1-10`);
  crossCheckAfterFlush('mysql', coordinate(`${A}:1-50`), before, mysqlServer(`${A}:1-81`, `${A}:1-40`));
  rejectsWith(
    () => crossCheckAfterFlush('mysql', coordinate(`${A}:1-50`), before, mysqlServer(`${A}:1-81`, `${A}:1-70`)),
    ArchiveGapError,
    /purged .*:1-70/,
  );
});
