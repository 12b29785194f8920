-- Every server process keeps the sessions it recently resolved in memory (auth/cache.rs), so a
-- signed-in request needs no round trip to check its token. Whatever could make such an entry
-- wrong is announced on the channel `canopy_session_changes`, which every process LISTENs to
-- and answers by forgetting its entries: a session ended, a user changed or removed, or a
-- customer moved (its users' scope is its path, and a move changes the path of its whole
-- subtree through exactly one change of `parent_id`). A notification is sent when its
-- transaction commits, and not at all when it rolls back; PostgreSQL folds the repeats of one
-- transaction into one.
CREATE FUNCTION canopy_session_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('canopy_session_changes', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION canopy_session_changes_notify();

CREATE TRIGGER users_changed AFTER UPDATE OF username, role, customer_id ON users
    FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username
          OR OLD.role IS DISTINCT FROM NEW.role
          OR OLD.customer_id IS DISTINCT FROM NEW.customer_id)
    EXECUTE FUNCTION canopy_session_changes_notify();

CREATE TRIGGER users_removed AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION canopy_session_changes_notify();

CREATE TRIGGER customers_moved AFTER UPDATE OF parent_id ON customers
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION canopy_session_changes_notify();
