-- Up Migration

-- Where a cluster's archive reads its binlogs: 'files', the server's binlog folder on the
-- database host (every cluster so far); 'stream', a mirror the agent receives over the
-- replication protocol, for a server whose folder it cannot read.
ALTER TABLE clusters ADD COLUMN archive_source text NOT NULL DEFAULT 'files' CHECK (archive_source IN ('files', 'stream'));

-- Down Migration
ALTER TABLE clusters DROP COLUMN archive_source;
