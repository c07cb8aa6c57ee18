-- Up Migration

-- A segment is a byte range of one binlog: a whole file (from 0, closing it) as archive passes
-- take them, or a piece of the open binlog a stream seals every moment, from the end of the
-- piece before it to the end of its last whole transaction. A file's pieces, appended in order,
-- are the file; the last one closes it.
ALTER TABLE binlog_segments
  ADD COLUMN start_offset bigint NOT NULL DEFAULT 0 CHECK (start_offset >= 0),
  ADD COLUMN closes_file boolean NOT NULL DEFAULT true;
ALTER TABLE binlog_segments DROP CONSTRAINT binlog_segments_pkey;
ALTER TABLE binlog_segments ADD PRIMARY KEY (tenant_id, cluster_id, server_key, file_name, start_offset);

-- Down Migration
ALTER TABLE binlog_segments DROP CONSTRAINT binlog_segments_pkey;
ALTER TABLE binlog_segments ADD PRIMARY KEY (tenant_id, cluster_id, server_key, file_name);
ALTER TABLE binlog_segments DROP COLUMN closes_file, DROP COLUMN start_offset;
