-- pipeline/: CodePipeline definitions (every version kept), executions, custom action types and jobs.

CREATE TABLE pipelines (
  name              TEXT PRIMARY KEY,
  version           INTEGER NOT NULL,
  declaration       TEXT NOT NULL,      -- JSON PipelineDeclaration as stored (with version)
  normalized        TEXT NOT NULL,      -- JSON NormalizedPipeline the engine runs
  tags              TEXT NOT NULL DEFAULT '[]',
  transitions       TEXT NOT NULL DEFAULT '{}',
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);

CREATE TABLE pipeline_versions (
  name              TEXT NOT NULL,
  version           INTEGER NOT NULL,
  declaration       TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE pipeline_executions (
  id                    TEXT PRIMARY KEY,
  pipeline_name         TEXT NOT NULL,
  status                TEXT NOT NULL,
  start_time            INTEGER NOT NULL,
  last_update           INTEGER NOT NULL,
  client_request_token  TEXT,
  state                 TEXT NOT NULL   -- JSON ExecutionState
);
CREATE INDEX pipeline_executions_by_pipeline ON pipeline_executions (pipeline_name, start_time DESC);
CREATE INDEX pipeline_executions_active ON pipeline_executions (pipeline_name) WHERE status IN ('InProgress', 'Stopping');
CREATE UNIQUE INDEX pipeline_executions_token ON pipeline_executions (pipeline_name, client_request_token) WHERE client_request_token IS NOT NULL;

CREATE TABLE custom_action_types (
  category          TEXT NOT NULL,
  provider          TEXT NOT NULL,
  version           TEXT NOT NULL,
  definition        TEXT NOT NULL,      -- JSON: the ActionType as CreateCustomActionType declared it
  created_at        INTEGER NOT NULL,
  PRIMARY KEY (category, provider, version)
);

-- Jobs handed to external job workers (custom actions): PollForJobs / AcknowledgeJob / Put*Result.
CREATE TABLE pipeline_jobs (
  id                    TEXT PRIMARY KEY,
  category              TEXT NOT NULL,
  owner                 TEXT NOT NULL,
  provider              TEXT NOT NULL,
  version               TEXT NOT NULL,
  status                TEXT NOT NULL,   -- Queued | InProgress | Succeeded | Failed | TimedOut
  nonce                 TEXT NOT NULL,
  pipeline_name         TEXT NOT NULL,
  execution_id          TEXT NOT NULL,
  stage_name            TEXT NOT NULL,
  action_name           TEXT NOT NULL,
  action_execution_id   TEXT NOT NULL,
  data                  TEXT NOT NULL,   -- JSON JobData
  continuation_token    TEXT,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);
CREATE INDEX pipeline_jobs_queued ON pipeline_jobs (category, owner, provider, version, status, created_at);
