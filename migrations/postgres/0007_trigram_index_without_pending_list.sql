-- The name search's trigram index (0006) takes every insert and rename at once instead of
-- collecting them in a pending list. With GIN's default `fastupdate`, a burst of writes (a
-- bulk import, the benchmark's write mix) left thousands of entries in that list, which every
-- search then scanned until the next vacuum: searches ran six times slower
-- (docs/BENCHMARKS.md). A write now pays for its few trigrams itself.
ALTER INDEX customers_name_trigrams SET (fastupdate = off);
SELECT gin_clean_pending_list('customers_name_trigrams');
