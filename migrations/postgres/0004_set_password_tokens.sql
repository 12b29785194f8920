-- One-time set-password links for users created without a password (as
-- migrations/sqlite/0004). Only a SHA-256 of each token is stored.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);
