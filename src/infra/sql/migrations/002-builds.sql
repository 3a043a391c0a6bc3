-- build/: CodeBuild projects and builds, the secret store, and the build runner's use of jobs.

CREATE TABLE build_projects (
  name              TEXT PRIMARY KEY,
  definition        TEXT NOT NULL,           -- JSON: ProjectRecord minus the columns below
  next_build_number INTEGER NOT NULL DEFAULT 1,
  created_at        INTEGER NOT NULL,
  last_modified_at  INTEGER NOT NULL
);

CREATE TABLE builds (
  id                TEXT PRIMARY KEY,        -- <project>:<uuid>
  project_name      TEXT NOT NULL,
  build_number      INTEGER NOT NULL,
  status            TEXT NOT NULL,           -- StatusType
  current_phase     TEXT NOT NULL,
  concurrent_limit  INTEGER,                 -- the project's concurrentBuildLimit when started
  start_time        INTEGER NOT NULL,
  end_time          INTEGER,
  stop_requested    INTEGER NOT NULL DEFAULT 0,
  idempotency_token TEXT,
  record            TEXT NOT NULL            -- JSON: settings, phases, exported variables, artifacts
);
CREATE INDEX builds_by_project ON builds (project_name, start_time);
CREATE INDEX builds_by_start ON builds (start_time);
CREATE UNIQUE INDEX builds_idempotency ON builds (project_name, idempotency_token) WHERE idempotency_token IS NOT NULL;

-- Values for PARAMETER_STORE / SECRETS_MANAGER variables, sealed with the master key.
CREATE TABLE secrets (
  name              TEXT PRIMARY KEY,
  value_sealed      TEXT NOT NULL,
  updated_at        INTEGER NOT NULL
);
