-- Search by a part of the name (`customers(search:)`, `name_key LIKE '%…%'`) reads a trigram
-- index instead of every customer: at a million customers a scan costs about a second. pg_trgm
-- ships with PostgreSQL (contrib) and is a trusted extension, so the database's owner may
-- create it. SQLite has no such index; there the search scans (docs/BENCHMARKS.md).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_name_trigrams ON customers USING gin (name_key gin_trgm_ops);
