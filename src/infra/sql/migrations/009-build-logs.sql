-- build/: build logs in the database when servers share one (the embedded server keeps files), as
-- contiguous chunks keyed by byte offset; any server reads and follows them.
CREATE TABLE build_log_chunks (
  build_id          TEXT NOT NULL,
  start_offset      INTEGER NOT NULL,
  end_offset        INTEGER NOT NULL,
  data              BLOB NOT NULL,
  PRIMARY KEY (build_id, start_offset)
);
CREATE INDEX build_log_chunks_by_end ON build_log_chunks (build_id, end_offset);
