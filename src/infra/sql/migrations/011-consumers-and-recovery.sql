-- Event consumers read only the types they follow: an index seek per type, however far behind they are.
CREATE INDEX events_by_type ON events (type, tx, seq);

-- A pipeline's CodeDeploy action makes one deployment, whichever server runs the action (and however
-- often): the deployment names the action run it belongs to.
ALTER TABLE deployments ADD COLUMN action_execution_id TEXT;
CREATE UNIQUE INDEX deployments_by_action ON deployments (action_execution_id) WHERE action_execution_id IS NOT NULL;

-- git/: a push in progress, recorded before git takes it in; removed once its ref changes are
-- published. A server that died in between leaves the row, and any other server publishes them.
CREATE TABLE ref_sync_requests (
  repository_id     TEXT PRIMARY KEY,
  requested_at      INTEGER NOT NULL
);
