-- web/: console sign-in sessions, so a server restart does not sign everyone out.
-- Only the SHA-256 of the session id (the cookie) is kept; the id itself is never stored.

CREATE TABLE console_sessions (
  id_hash           TEXT PRIMARY KEY,
  principal         TEXT NOT NULL,
  expires_at        INTEGER NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
