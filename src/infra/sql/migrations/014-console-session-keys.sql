-- web/: a console session (and a login link) names the access key that opened it, and lives no
-- longer than that key. Sessions and links from before this change name none: they end now.
DELETE FROM console_sessions;
DELETE FROM console_login_tokens;
ALTER TABLE console_sessions ADD COLUMN access_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE console_login_tokens ADD COLUMN access_key_id TEXT NOT NULL DEFAULT '';
