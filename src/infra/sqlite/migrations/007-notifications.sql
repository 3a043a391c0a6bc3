-- events/: notification rules (CodeStar Notifications-like) and their deliveries (an outbox of webhook calls).
CREATE TABLE notification_rules (
  name              TEXT PRIMARY KEY,
  resource          TEXT NOT NULL,       -- an ARN, or '*'
  event_type_ids    TEXT NOT NULL,       -- JSON string[]
  targets           TEXT NOT NULL,       -- JSON [{ type: 'Webhook' | 'Slack', address, secretSealed? }]
  detail_type       TEXT NOT NULL,       -- BASIC | FULL
  status            TEXT NOT NULL,       -- ENABLED | DISABLED
  created_at        INTEGER NOT NULL
);

CREATE TABLE notification_deliveries (
  id                TEXT PRIMARY KEY,
  rule_name         TEXT NOT NULL,
  target_type       TEXT NOT NULL,
  address           TEXT NOT NULL,
  secret_sealed     TEXT,
  event_type        TEXT NOT NULL,
  payload           TEXT NOT NULL,
  attempt           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL,
  status            TEXT NOT NULL,       -- pending | delivered | failed
  last_error        TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (status, next_attempt_at);
