-- Foundation schema. Later contexts add their tables in later numbered files (see docs/schema.md).

-- Identity: access keys. The secret is sealed with the master key (never plain text here).
CREATE TABLE access_keys (
  access_key_id     TEXT PRIMARY KEY,
  user_name         TEXT NOT NULL,
  secret_sealed     TEXT NOT NULL,
  status            TEXT NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive')),
  created_at        INTEGER NOT NULL,
  last_used_at      INTEGER
);

-- git/: CodeCommit repositories. Refs and objects live in the bare repo at <dataDir>/git/<id>.git.
CREATE TABLE repositories (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  description       TEXT,
  kms_key_id        TEXT,
  created_at        INTEGER NOT NULL,
  last_modified_at  INTEGER NOT NULL
);

-- The last ref values Slipway has published events for, per repository. Comparing this snapshot with
-- the bare repo tells which ref changes still need their event (also after a crash mid-push).
CREATE TABLE repository_refs (
  repository_id     TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
  ref               TEXT NOT NULL,
  commit_id         TEXT NOT NULL,
  PRIMARY KEY (repository_id, ref)
);

-- Resource tags of every context, keyed by ARN.
CREATE TABLE resource_tags (
  resource_arn      TEXT NOT NULL,
  tag_key           TEXT NOT NULL,
  tag_value         TEXT NOT NULL,
  PRIMARY KEY (resource_arn, tag_key)
);

-- events/: the outbox. Written in the same transaction as the state change it describes; published
-- after commit; unpublished rows are published again at start (crash recovery).
CREATE TABLE events (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  type              TEXT NOT NULL,
  source            TEXT NOT NULL,
  resource          TEXT NOT NULL,
  detail            TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  published_at      INTEGER
);
CREATE INDEX events_unpublished ON events (seq) WHERE published_at IS NULL;

-- Work a process must pick up (a build to run, an action to execute, a host command for an agent).
-- Claimed with a guarded UPDATE; an expired lease makes the job claimable again or fails it.
CREATE TABLE jobs (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL,
  subject_id        TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued', 'claimed', 'done', 'failed')),
  payload           TEXT NOT NULL DEFAULT '{}',
  owner             TEXT,
  lease_expires_at  INTEGER,
  attempt           INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL DEFAULT 1,
  not_before        INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX jobs_claimable ON jobs (kind, status, not_before);
CREATE INDEX jobs_subject ON jobs (subject_id);

-- The audit log of every mutating API call.
CREATE TABLE audit_log (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  at                INTEGER NOT NULL,
  principal         TEXT NOT NULL,
  action            TEXT NOT NULL,
  resource          TEXT,
  request_id        TEXT NOT NULL
);
