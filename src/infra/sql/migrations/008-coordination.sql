-- Coordination in the database, for several servers on one store (see docs/scale-out.md).

-- Guarded saves: every save of an execution or a deployment names the revision it read.
ALTER TABLE pipeline_executions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deployments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- One jobs table for all dispatched work: a queue within a kind (an agent's host, a custom action
-- type), and how far a claimed job has got (an agent acknowledged its host command).
ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN progress TEXT;
CREATE INDEX jobs_queue ON jobs (kind, queue, status, created_at);

-- Host commands and custom-action jobs keep their records (what the APIs show); the work of each is
-- now a job. Those not finished become jobs as they stand.
INSERT INTO jobs (id, kind, queue, subject_id, status, payload, owner, lease_expires_at, attempt, max_attempts, not_before, progress, created_at, updated_at)
  SELECT 'host-command:' || id, 'host-command', host, id,
         CASE status WHEN 'Pending' THEN 'queued' ELSE 'claimed' END, '{}',
         CASE status WHEN 'Pending' THEN NULL ELSE 'agent:' || host END,
         CASE status WHEN 'Pending' THEN NULL ELSE COALESCE(lease_expires_at, updated_at) END,
         CASE status WHEN 'Pending' THEN 0 ELSE 1 END, 1, 0,
         CASE status WHEN 'InProgress' THEN 'acknowledged' ELSE NULL END,
         created_at, updated_at
  FROM host_commands WHERE status IN ('Pending', 'Dispatched', 'InProgress');
INSERT INTO jobs (id, kind, queue, subject_id, status, payload, owner, lease_expires_at, attempt, max_attempts, not_before, progress, created_at, updated_at)
  SELECT 'custom-action:' || id, 'custom-action', category || '/' || owner || '/' || provider || '/' || version, id,
         CASE status WHEN 'Queued' THEN 'queued' ELSE 'claimed' END, '{}',
         CASE status WHEN 'Queued' THEN NULL ELSE 'job-worker' END,
         CASE status WHEN 'Queued' THEN NULL ELSE updated_at + 86400000 END,
         CASE status WHEN 'Queued' THEN 0 ELSE 1 END, 1, 0,
         CASE status WHEN 'InProgress' THEN 'acknowledged' ELSE NULL END,
         created_at, updated_at
  FROM pipeline_jobs WHERE status IN ('Queued', 'Dispatched', 'InProgress');
DROP INDEX host_commands_pending;
DROP INDEX pipeline_jobs_queued;

-- The outbox is read by position: (tx, seq), where tx is the writing transaction's id on PostgreSQL
-- (0 on SQLite, whose single writer commits in seq order). A reader takes only events of transactions
-- older than every transaction still running, so a later commit of an earlier seq is never skipped.
ALTER TABLE events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_by_position ON events (tx, seq);
DROP INDEX events_unpublished;

-- Each durable consumer of the outbox keeps its own position; one process at a time drains it, under
-- a lease, so another takes over when that process dies.
CREATE TABLE event_consumers (
  name              TEXT PRIMARY KEY,
  tx                INTEGER NOT NULL,
  seq               INTEGER NOT NULL,
  owner             TEXT,
  lease_expires_at  INTEGER
);
-- The consumers that existed before positions start where publishing stopped (unpublished events of
-- a crash are still delivered).
INSERT INTO event_consumers (name, tx, seq)
  SELECT c.name, 0, COALESCE((SELECT MIN(seq) - 1 FROM events WHERE published_at IS NULL), (SELECT MAX(seq) FROM events), 0)
  FROM (SELECT 'pipeline-triggers' AS name UNION ALL SELECT 'pipeline-build-completion' UNION ALL SELECT 'pipeline-abandoned-builds'
        UNION ALL SELECT 'pipeline-deployment-completion' UNION ALL SELECT 'notifications') c;
