-- One-time set-password links for users created without a password. Only a SHA-256 of each
-- token is stored; a token is deleted when used, and all of a user's tokens when their
-- password changes.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_tokens_user ON password_tokens (user_id);
