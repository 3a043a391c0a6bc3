-- build/: the build runners that registered (`slipway runner`, and the server's own): what they offer
-- (labels, capacity, executor) and when they last asked for work. A runner's builds are the build
-- jobs it holds (jobs.owner = runners.id).
CREATE TABLE runners (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  principal         TEXT NOT NULL,
  labels            TEXT NOT NULL DEFAULT '{}',
  capacity          INTEGER NOT NULL,
  executor          TEXT NOT NULL,
  version           TEXT NOT NULL,
  registered_at     INTEGER NOT NULL,
  last_seen_at      INTEGER NOT NULL
);
CREATE INDEX runners_by_seen ON runners (last_seen_at);

-- CodeBuild's reserved-capacity fleets (CreateFleet): a project's environment.fleet pins its builds
-- to the runners registered in the fleet (label fleet=<name>).
CREATE TABLE build_fleets (
  name              TEXT PRIMARY KEY,
  record            TEXT NOT NULL,
  created_at        INTEGER NOT NULL
);
