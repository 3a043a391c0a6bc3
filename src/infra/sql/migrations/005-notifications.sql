-- events/: notification rules (CodeStar Notifications style) and the outbox of their deliveries.

CREATE TABLE notification_rules (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  arn               TEXT NOT NULL,
  resource          TEXT NOT NULL,      -- a pipeline/project/repository/application ARN (glob), or '*'
  event_type_ids    TEXT NOT NULL,      -- JSON array of CodeStar event type ids, or ["*"]
  targets           TEXT NOT NULL,      -- JSON [{type: Webhook|Slack, address, secretSealed?}]
  detail_type       TEXT NOT NULL,      -- BASIC | FULL
  status            TEXT NOT NULL,      -- ENABLED | DISABLED
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);

-- One row per (rule, target, event): written by the bus listener, worked through by the deliverer.
CREATE TABLE notification_deliveries (
  id                TEXT PRIMARY KEY,
  rule_id           TEXT NOT NULL REFERENCES notification_rules (id) ON DELETE CASCADE,
  target_index      INTEGER NOT NULL,
  target_type       TEXT NOT NULL,      -- Webhook | Slack
  address           TEXT NOT NULL,
  event_seq         INTEGER NOT NULL,   -- events.seq
  event_type        TEXT NOT NULL,      -- EventBridge detail-type
  event_id          TEXT NOT NULL,      -- EventBridge id
  payload           TEXT NOT NULL,      -- the exact request body
  attempt           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   INTEGER NOT NULL,
  status            TEXT NOT NULL,      -- pending | delivered | failed
  last_error        TEXT,
  last_status_code  INTEGER,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  delivered_at      INTEGER,
  UNIQUE (rule_id, target_index, event_seq)
);
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notification_deliveries_by_rule ON notification_deliveries (rule_id, created_at DESC);
CREATE INDEX notification_deliveries_finished ON notification_deliveries (updated_at) WHERE status <> 'pending';
