/** Binlog v4 event type codes this reader acts on (MySQL: binlog_event.h; MariaDB: log_event.h). */
export const EventType = {
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  XA_PREPARE: 38,
  // MySQL only
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_PAYLOAD: 40,
  GTID_TAGGED: 42,
  // MariaDB only
  MARIADB_ANNOTATE_ROWS: 160,
  MARIADB_BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  MARIADB_GTID_LIST: 163,
  MARIADB_START_ENCRYPTION: 164,
  MARIADB_QUERY_COMPRESSED: 165,
} as const;

const NAMES: Record<number, string> = {
  1: 'Start_v3',
  2: 'Query',
  3: 'Stop',
  4: 'Rotate',
  5: 'Intvar',
  13: 'Rand',
  14: 'User_var',
  15: 'Format_description',
  16: 'Xid',
  19: 'Table_map',
  23: 'Write_rows_v1',
  24: 'Update_rows_v1',
  25: 'Delete_rows_v1',
  26: 'Incident',
  27: 'Heartbeat',
  28: 'Ignorable',
  29: 'Rows_query',
  30: 'Write_rows',
  31: 'Update_rows',
  32: 'Delete_rows',
  33: 'Gtid',
  34: 'Anonymous_Gtid',
  35: 'Previous_gtids',
  36: 'Transaction_context',
  37: 'View_change',
  38: 'XA_prepare',
  39: 'Partial_update_rows',
  40: 'Transaction_payload',
  41: 'Heartbeat_v2',
  42: 'Gtid_tagged',
  160: 'Annotate_rows',
  161: 'Binlog_checkpoint',
  162: 'Gtid',
  163: 'Gtid_list',
  164: 'Start_encryption',
  165: 'Query_compressed',
  166: 'Write_rows_compressed_v1',
  167: 'Update_rows_compressed_v1',
  168: 'Delete_rows_compressed_v1',
  169: 'Write_rows_compressed',
  170: 'Update_rows_compressed',
  171: 'Delete_rows_compressed',
};

/** The name mysqlbinlog prints for an event type, for error messages. */
export function eventTypeName(type: number): string {
  return NAMES[type] ?? `type ${type}`;
}

/** Common v4 event header: timestamp(4) type(1) server_id(4) event_size(4) log_pos(4) flags(2). */
export const HEADER_LENGTH = 19;
export const HeaderOffset = { TIMESTAMP: 0, TYPE: 4, SERVER_ID: 5, EVENT_SIZE: 9, LOG_POS: 13, FLAGS: 17 } as const;

/** Set in the FDE's header flags while the server has the file open; cleared on a clean close. */
export const LOG_EVENT_BINLOG_IN_USE_F = 0x1;

export const CHECKSUM_LENGTH = 4;
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
/** MySQL's encrypted binlog files start with this magic and a keyring header instead. */
export const MYSQL_ENCRYPTED_MAGIC = Buffer.from([0xfd, 0x62, 0x69, 0x6e]);
