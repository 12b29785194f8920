-- Customer details: company profile, contacts, communication activities, branding, and the
-- device aggregates that make device counts and storage totals cheap to read.

-- Device aggregates, maintained by the storage layer in the transaction of every device add
-- and remove (for the customer and its at most five ancestors) and of every subtree move.
-- `device_count` (from 0001) and `storage_used_bytes` are the customer's own devices;
-- the `subtree_` columns include the customer itself and everything below it.
ALTER TABLE customers ADD COLUMN storage_used_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN subtree_device_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN subtree_storage_used_bytes BIGINT NOT NULL DEFAULT 0;

-- Devices could not be created before this migration, but the aggregates are computed from
-- the table anyway, so they are right whatever an older installation holds.
UPDATE customers SET
    device_count = (SELECT COUNT(*) FROM devices d WHERE d.customer_id = customers.id),
    storage_used_bytes = (SELECT COALESCE(SUM(d.used_storage_bytes), 0) FROM devices d
                          WHERE d.customer_id = customers.id);
UPDATE customers SET
    subtree_device_count = (SELECT COALESCE(SUM(s.device_count), 0) FROM customers s
        WHERE s.path >= customers.path
          AND s.path < substr(customers.path, 1, length(customers.path) - 1) || '0'),
    subtree_storage_used_bytes = (SELECT COALESCE(SUM(s.storage_used_bytes), 0) FROM customers s
        WHERE s.path >= customers.path
          AND s.path < substr(customers.path, 1, length(customers.path) - 1) || '0');

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    first_name  TEXT,
    last_name   TEXT,
    title       TEXT,
    email       TEXT,
    phone       TEXT,
    -- Comma-separated ContactRole names.
    roles       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- Also the target of the composite foreign keys below: a billing contact or an activity's
-- contact is always a contact of the same customer.
CREATE UNIQUE INDEX contacts_by_customer ON contacts (customer_id, id);

-- One row per customer that has filled in any of its profile; no row reads as empty.
CREATE TABLE company_profiles (
    customer_id                INTEGER PRIMARY KEY REFERENCES customers (id),
    legal_name                 TEXT,
    website                    TEXT,
    phone                      TEXT,
    vat_number                 TEXT,
    chamber_of_commerce_number TEXT,
    street                     TEXT,
    city                       TEXT,
    district                   TEXT,
    state                      TEXT,
    zip_code                   TEXT,
    -- ISO 3166-1 alpha-2, upper case.
    country                    TEXT,
    billing_contact_id         INTEGER,
    billing_email              TEXT,
    updated_at                 BIGINT NOT NULL,
    FOREIGN KEY (customer_id, billing_contact_id) REFERENCES contacts (customer_id, id)
);

CREATE TABLE activities (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id    INTEGER NOT NULL REFERENCES customers (id),
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    notes          TEXT,
    occurs_at      BIGINT NOT NULL,
    contact_id     INTEGER,
    -- No foreign key: an activity outlives the user who wrote it.
    author_user_id BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    FOREIGN KEY (customer_id, contact_id) REFERENCES contacts (customer_id, id)
);
CREATE INDEX activities_by_customer ON activities (customer_id, occurs_at);
CREATE INDEX activities_by_contact ON activities (contact_id);

-- Uploaded logos and icons, addressed by the SHA-256 of the stored (for SVG: sanitised) bytes,
-- so identical files are stored once and their URLs can be cached forever.
CREATE TABLE branding_assets (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    extension    TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    size         BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

-- A customer's own branding; customers without a row inherit their nearest branded
-- ancestor's, or the installation default.
CREATE TABLE brandings (
    customer_id      INTEGER PRIMARY KEY REFERENCES customers (id),
    display_name     TEXT,
    primary_color    TEXT,
    accent_color     TEXT,
    background_color TEXT,
    sender_email     TEXT NOT NULL,
    logo_sha256      TEXT REFERENCES branding_assets (sha256),
    icon_sha256      TEXT REFERENCES branding_assets (sha256),
    updated_at       BIGINT NOT NULL
);
CREATE INDEX brandings_by_logo ON brandings (logo_sha256);
CREATE INDEX brandings_by_icon ON brandings (icon_sha256);
