-- deploy/: CodeDeploy applications, deployment groups and configs, revisions, deployments, on-premises
-- instances, and the host commands handed to agents.

CREATE TABLE deploy_applications (
  name              TEXT PRIMARY KEY,
  id                TEXT NOT NULL,
  compute_platform  TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);

CREATE TABLE deployment_groups (
  application_name  TEXT NOT NULL,
  name              TEXT NOT NULL,
  id                TEXT NOT NULL UNIQUE,
  definition        TEXT NOT NULL,     -- JSON DeploymentGroupRecord
  PRIMARY KEY (application_name, name)
);

CREATE TABLE deployment_configs (
  name              TEXT PRIMARY KEY,
  definition        TEXT NOT NULL      -- JSON DeploymentConfigRecord (custom configs only)
);

CREATE TABLE application_revisions (
  application_name  TEXT NOT NULL,
  revision_key      TEXT NOT NULL,     -- stable key of the RevisionLocation
  revision          TEXT NOT NULL,     -- JSON RevisionLocation
  description       TEXT,
  register_time     INTEGER NOT NULL,
  first_used_time   INTEGER,
  last_used_time    INTEGER,
  PRIMARY KEY (application_name, revision_key)
);

CREATE TABLE deployments (
  id                TEXT PRIMARY KEY,
  application_name  TEXT NOT NULL,
  group_name        TEXT NOT NULL,
  status            TEXT NOT NULL,
  create_time       INTEGER NOT NULL,
  state             TEXT NOT NULL      -- JSON DeploymentRecord
);
CREATE INDEX deployments_by_group ON deployments (application_name, group_name, create_time DESC);
CREATE INDEX deployments_active ON deployments (status) WHERE status IN ('Created', 'Queued', 'InProgress');

CREATE TABLE onprem_instances (
  name              TEXT PRIMARY KEY,
  iam_arn           TEXT NOT NULL,
  register_time     INTEGER NOT NULL,
  deregister_time   INTEGER,
  tags              TEXT NOT NULL DEFAULT '[]',
  last_seen         INTEGER
);
CREATE INDEX onprem_instances_by_arn ON onprem_instances (iam_arn);

CREATE TABLE host_commands (
  id                TEXT PRIMARY KEY,
  deployment_id     TEXT NOT NULL,
  host              TEXT NOT NULL,     -- instance name
  event             TEXT NOT NULL,
  status            TEXT NOT NULL,     -- Pending | Dispatched | InProgress | Succeeded | Failed
  nonce             INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  lease_expires_at  INTEGER
);
CREATE INDEX host_commands_pending ON host_commands (host, status, created_at);
CREATE INDEX host_commands_by_deployment ON host_commands (deployment_id);
