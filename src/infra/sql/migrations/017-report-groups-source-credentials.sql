-- build/: CodeBuild report groups, made with CreateReportGroup or by the first report a build sends
-- to a group name that has none; the rest of each (type, export config, tags) is one JSON record.
CREATE TABLE report_groups (
  arn               TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  record            TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
CREATE INDEX build_reports_by_created ON build_reports (created_at);

-- build/: ImportSourceCredentials, one per server type; the token sealed with the master key.
CREATE TABLE source_credentials (
  server_type       TEXT PRIMARY KEY,
  auth_type         TEXT NOT NULL,
  username          TEXT,
  token_sealed      TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
