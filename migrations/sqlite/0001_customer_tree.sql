-- The customer tree, its data centers, users and sessions (SQLite).
--
-- The tree is stored as an indexed materialised path: `path` is the chain of ids from the
-- installation root down to the customer itself, e.g. '/1/7/42/'. A subtree is the index range
-- [path, path with its final '/' replaced by '0'), so scope checks, subtree search and cycle
-- checks are range lookups instead of walks. `child_count` and `descendant_count` are maintained
-- by the storage layer on every create, move and remove (a customer has at most five ancestors).
--
-- Every id is AUTOINCREMENT: SQLite would otherwise hand a deleted row's id to the next row,
-- and a global ID a client (or the audit history) still holds would name a different object.

CREATE TABLE data_centers (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    country    TEXT NOT NULL,
    -- Booleans are 0/1 integers on both backends (see server/src/db.rs).
    active     SMALLINT NOT NULL DEFAULT 1
);
-- A country has at most one active data center: the one its customers are pinned to.
CREATE UNIQUE INDEX data_centers_active_country ON data_centers (country) WHERE active = 1;

INSERT INTO data_centers (code, name, country) VALUES
    ('US', 'United States', 'US'),
    ('BR', 'Brazil', 'BR'),
    ('CA', 'Canada', 'CA'),
    ('AU', 'Australia', 'AU'),
    ('GB', 'United Kingdom', 'GB'),
    ('DE', 'Germany', 'DE'),
    ('NL', 'The Netherlands', 'NL'),
    ('CH', 'Switzerland', 'CH'),
    ('FR', 'France', 'FR'),
    ('IT', 'Italy', 'IT'),
    ('NO', 'Norway', 'NO'),
    ('ZA', 'South Africa', 'ZA');

CREATE TABLE customers (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id           INTEGER REFERENCES customers (id),
    path                TEXT NOT NULL,
    name                TEXT NOT NULL,
    name_key            TEXT NOT NULL,
    level               SMALLINT NOT NULL,
    service_type        TEXT NOT NULL,
    child_service_types TEXT NOT NULL,
    device_country      TEXT NOT NULL,
    storage_location    TEXT NOT NULL REFERENCES data_centers (code),
    trial_expires_at    BIGINT,
    converted_at        BIGINT,
    customer_reference  TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1,
    child_count         INTEGER NOT NULL DEFAULT 0,
    descendant_count    INTEGER NOT NULL DEFAULT 0,
    device_count        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX customers_name_key ON customers (name_key);
CREATE UNIQUE INDEX customers_path ON customers (path);
-- Exactly one installation root.
CREATE UNIQUE INDEX customers_single_root ON customers (level) WHERE parent_id IS NULL;
-- One index per children order, so a page of children is an index range.
CREATE INDEX customers_children_by_name ON customers (parent_id, name_key, id);
CREATE INDEX customers_children_by_level ON customers (parent_id, level, name_key, id);
CREATE INDEX customers_children_by_created ON customers (parent_id, created_at, id);

CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id      INTEGER NOT NULL REFERENCES customers (id),
    username         TEXT NOT NULL,
    username_key     TEXT NOT NULL,
    password_hash    TEXT,
    role             TEXT NOT NULL,
    security_officer SMALLINT NOT NULL DEFAULT 0,
    first_name       TEXT,
    last_name        TEXT,
    created_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username_in_customer ON users (customer_id, username_key);

-- Only a SHA-256 of each session token is stored: a leaked database holds no usable token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE devices (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id        INTEGER NOT NULL REFERENCES customers (id),
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL,
    kind               TEXT,
    storage_location   TEXT NOT NULL REFERENCES data_centers (code),
    used_storage_bytes BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    last_backup_at     BIGINT
);
CREATE UNIQUE INDEX devices_name_in_customer ON devices (customer_id, name_key);
