-- web/: one-time console login links (`slipway console` asks a server for one with its access key),
-- redeemable on any server sharing the store, for the principal that asked. Only the token's SHA-256
-- is kept.
CREATE TABLE console_login_tokens (
  token_hash        TEXT PRIMARY KEY,
  principal         TEXT NOT NULL,
  expires_at        INTEGER NOT NULL
);
