-- Search by a part of the name (`customers(search:)`, `name_key LIKE '%…%'`) can read a
-- trigram index instead of every customer, as PostgreSQL's pg_trgm index does
-- (migrations/postgres/0006): an FTS5 table with the trigram tokenizer over `name_key`. It
-- stores only the index; its content is the `customers` table, and these triggers keep the
-- two in step. customers::store::search decides when the index is worth reading.
CREATE VIRTUAL TABLE customers_name_trigrams USING fts5(
    name_key,
    content = 'customers',
    content_rowid = 'id',
    tokenize = 'trigram'
);

CREATE TRIGGER customers_name_trigrams_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_name_trigrams (rowid, name_key) VALUES (new.id, new.name_key);
END;

CREATE TRIGGER customers_name_trigrams_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_name_trigrams (customers_name_trigrams, rowid, name_key)
    VALUES ('delete', old.id, old.name_key);
END;

CREATE TRIGGER customers_name_trigrams_update AFTER UPDATE OF name_key ON customers BEGIN
    INSERT INTO customers_name_trigrams (customers_name_trigrams, rowid, name_key)
    VALUES ('delete', old.id, old.name_key);
    INSERT INTO customers_name_trigrams (rowid, name_key) VALUES (new.id, new.name_key);
END;

-- The customers that exist already.
INSERT INTO customers_name_trigrams (customers_name_trigrams) VALUES ('rebuild');
