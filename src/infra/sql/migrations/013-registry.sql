-- registry/: ECR repositories and the OCI distribution API behind them.

-- A repository (CreateRepository): its settings as JSON (mutability, scanning, encryption, the
-- lifecycle policy text).
CREATE TABLE registry_repositories (
  name              TEXT PRIMARY KEY,
  record            TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);

-- Blobs, content-addressed: one object-store object per digest, whatever repositories hold it.
CREATE TABLE registry_blobs (
  digest            TEXT PRIMARY KEY,
  object_key        TEXT NOT NULL,
  size              INTEGER NOT NULL,
  created_at        INTEGER NOT NULL
);

-- Which repositories may serve a blob: pushed there or mounted from another repository.
CREATE TABLE registry_repository_blobs (
  repository        TEXT NOT NULL,
  digest            TEXT NOT NULL,
  PRIMARY KEY (repository, digest)
);

-- Images: a manifest (or image index) by digest in a repository, its exact bytes, and what it refers to.
CREATE TABLE registry_manifests (
  repository        TEXT NOT NULL,
  digest            TEXT NOT NULL,
  media_type        TEXT NOT NULL,
  artifact_type     TEXT,
  body              BLOB NOT NULL,
  image_size        INTEGER NOT NULL,
  children          TEXT NOT NULL DEFAULT '[]',
  pushed_at         INTEGER NOT NULL,
  last_pulled_at    INTEGER,
  PRIMARY KEY (repository, digest)
);

CREATE TABLE registry_tags (
  repository        TEXT NOT NULL,
  tag               TEXT NOT NULL,
  digest            TEXT NOT NULL,
  pushed_at         INTEGER NOT NULL,
  PRIMARY KEY (repository, tag)
);
CREATE INDEX registry_tags_by_digest ON registry_tags (repository, digest);

-- Blob uploads in progress: the chunks received so far (object keys, sizes, their SHA-256).
CREATE TABLE registry_uploads (
  id                TEXT PRIMARY KEY,
  repository        TEXT NOT NULL,
  record            TEXT NOT NULL,
  started_at        INTEGER NOT NULL
);

-- Pull-through cache rules (CreatePullThroughCacheRule).
CREATE TABLE registry_pull_through_rules (
  prefix            TEXT PRIMARY KEY,
  record            TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
