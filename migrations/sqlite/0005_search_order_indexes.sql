-- Indexes in the orders a search lists customers in (see customers::store::search), so a page
-- of "every end-customer, oldest first" over a million customers reads one page of an index
-- instead of sorting every match. The subtree bound is checked on the rows the index yields.
CREATE INDEX customers_by_level_name ON customers (level, name_key, id);
CREATE INDEX customers_by_level_created ON customers (level, created_at, id);
CREATE INDEX customers_by_created ON customers (created_at, id);
