-- pipeline/: CodePipeline webhooks (PutWebhook). The URL's token finds the webhook; the rest of it
-- (definition, tags, last trigger) is one JSON record.
CREATE TABLE pipeline_webhooks (
  name              TEXT PRIMARY KEY,
  token             TEXT NOT NULL UNIQUE,
  pipeline_name     TEXT NOT NULL,
  record            TEXT NOT NULL
);
