-- build/: test reports produced by buildspec `reports` (JUnit XML and friends), kept with their build.
CREATE TABLE build_reports (
  arn               TEXT PRIMARY KEY,        -- arn:aws:codebuild:<region>:<account>:report/<group>:<uuid>
  build_id          TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  report_group_arn  TEXT NOT NULL,
  name              TEXT NOT NULL,
  type              TEXT NOT NULL,           -- TEST | CODE_COVERAGE
  status            TEXT NOT NULL,           -- SUCCEEDED | FAILED | INCOMPLETE
  created_at        INTEGER NOT NULL,
  summary           TEXT NOT NULL,           -- JSON TestReportSummary
  test_cases        TEXT NOT NULL            -- JSON TestCase[]
);
CREATE INDEX build_reports_by_build ON build_reports (build_id);
CREATE INDEX build_reports_by_group ON build_reports (report_group_arn, created_at);
