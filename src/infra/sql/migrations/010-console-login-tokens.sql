-- web/: one-time console login links (`slipway console`), redeemable on any server sharing the store.
-- Only the SHA-256 of the token is kept.
CREATE TABLE console_login_tokens (
  token_hash        TEXT PRIMARY KEY,
  expires_at        INTEGER NOT NULL
);
