-- The audit history: one row per change, written in the same transaction as the change.
--
-- No foreign keys on purpose: entries outlive the customers and users they name. The
-- customer's path at the time of the change decides who may read the entry, so the history of
-- a removed customer stays visible to those who could see that customer.

CREATE TABLE audit_entries (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             BIGINT NOT NULL,
    actor_user_id  BIGINT,
    actor_username TEXT,
    action         TEXT NOT NULL,
    customer_id    BIGINT NOT NULL,
    customer_name  TEXT NOT NULL,
    customer_path  TEXT NOT NULL,
    before_json    TEXT,
    after_json     TEXT
);
CREATE INDEX audit_entries_by_path ON audit_entries (customer_path, id);
CREATE INDEX audit_entries_by_customer ON audit_entries (customer_id, id);
