//! The one way a change is written: a unit of work ([`Write`]) that takes its turn among the
//! writers (in a transaction shared with the changes queued beside it, each in a savepoint of
//! its own: `db::group_commit`), carries the clock reading every row of the change shares,
//! collects the audit entries and live events, and commits — refusing to commit a change
//! nobody audited, and publishing events only once the commit has succeeded (a subscriber that
//! reads back must see the change), and forgetting the process' cached sessions
//! (`auth::cache`).
//!
//! Most mutations are "add, change or remove one record of a customer": [`add`], [`change`]
//! and [`remove`] are that recipe whole — begin, load and authorise, check the customer, the
//! mutation's own SQL, re-read, audit, commit — so a new mutation is its rule, its SQL and one
//! call. Mutations of another shape (the customer tree's own, set-password) use [`Write`]
//! directly and keep its order.
//!
//! Layer: above the domains' stores (it reads customers and writes audit entries), below every
//! service.

use canopy_shared::Action;
use futures::future::BoxFuture;
use serde_json::Value;
use sqlx::AnyConnection;

use crate::audit::{self, Actor};
use crate::customers::model::CustomerRow;
use crate::customers::store as customers;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::live::event::CustomerEvent;
use crate::state::AppState;
use crate::viewer::{Scope, Viewer};

/// One change in progress: its place in the write transaction, its time, and what it will tell
/// once committed. Dropped without [`commit`](Self::commit), it rolls back and tells nobody.
pub struct Write<'s> {
    state: &'s AppState,
    change: db::group_commit::Member,
    now: i64,
    audited: bool,
    events: Vec<CustomerEvent>,
}

impl<'s> Write<'s> {
    /// Waits for this change's turn among the writers (every change sees all before it, see
    /// [`db::begin_write`]) and reads the clock once for the whole change.
    pub async fn begin(state: &'s AppState) -> AppResult<Self> {
        let change = state.writes.join().await?;
        Ok(Self {
            state,
            change,
            now: state.clock.now_ms(),
            audited: false,
            events: Vec::new(),
        })
    }

    pub fn state(&self) -> &'s AppState {
        self.state
    }

    /// The change's time, in milliseconds since the epoch: every row it writes carries it.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The transaction, for the stores' SQL.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.change.conn()
    }

    /// The customer with this id in `scope`, or `NOT_FOUND`.
    pub async fn customer(&mut self, scope: &Scope, id: i64) -> AppResult<CustomerRow> {
        customers::require(self.change.conn(), scope, id).await
    }

    /// Records, in this transaction, that `actor` did `action` (`noun.verb`) to `customer` or
    /// to something of it.
    pub async fn audit(
        &mut self,
        actor: Actor<'_>,
        action: &str,
        customer: &CustomerRow,
        before: Option<Value>,
        after: Option<Value>,
    ) -> AppResult<()> {
        audit::record_for_customer(
            self.change.conn(),
            actor,
            self.now,
            action,
            customer,
            before,
            after,
        )
        .await?;
        self.audited = true;
        Ok(())
    }

    /// Tells live subscribers about `event` once (and only if) the change commits.
    pub fn publish(&mut self, event: CustomerEvent) {
        self.events.push(event);
    }

    /// Commits the change, then publishes its events. A change without an audit entry is a
    /// bug in its service, and is rolled back rather than committed.
    pub async fn commit(self) -> AppResult<()> {
        if !self.audited {
            return Err(AppError::Internal(anyhow::anyhow!(
                "a write must be audited before it commits"
            )));
        }
        let sessions = self.state.sessions.clone();
        let bus = self.state.events.clone();
        let events = self.events;
        self.change
            .commit(Box::new(move || {
                // Before the answer leaves: a session this write ended or narrowed must not be
                // served from memory to the very next request (see `auth::cache`).
                sessions.forget_all();
                for event in events {
                    bus.publish(event);
                }
            }))
            .await
            .map_err(|err| AppError::Internal(anyhow::anyhow!("committing the change: {err}")))
    }
}

/// One step of a recipe: a mutation's own SQL, run inside its [`Write`].
pub type Step<'w, T> = BoxFuture<'w, AppResult<T>>;

/// A record that belongs to one customer and is added, changed and removed by the recipes
/// below. Implement it with [`record!`](crate::write::record).
pub trait Record: Sized + Send + Sync {
    /// The audit action's noun, e.g. `contact` in `contact.add`.
    const NOUN: &'static str;
    /// The audit action's verb for adding one (`add`, or `create` for users).
    const ADDED: &'static str;
    /// The right (DOMAIN.md's role table) that adding, changing or removing one needs.
    const RIGHT: Action;
    fn customer_id(&self) -> i64;
    fn audit_json(&self) -> Value;
    /// The record with this id, if its customer is in `scope`; else `NOT_FOUND`.
    fn require<'c>(conn: &'c mut AnyConnection, scope: &'c Scope, id: i64) -> Step<'c, Self>;
}

/// Implements [`Record`] for a store's row type from its noun (and the verb for adding one,
/// when not `add`), its right and its store's `require(conn, scope, id)`; the row has a
/// `customer_id` field and an `audit_json` method.
macro_rules! record {
    ($row:ty, $noun:literal, $added:literal, $right:expr, $require:path) => {
        impl $crate::write::Record for $row {
            const NOUN: &'static str = $noun;
            const ADDED: &'static str = $added;
            const RIGHT: ::canopy_shared::Action = $right;
            fn customer_id(&self) -> i64 {
                self.customer_id
            }
            fn audit_json(&self) -> ::serde_json::Value {
                <$row>::audit_json(self)
            }
            fn require<'c>(
                conn: &'c mut ::sqlx::AnyConnection,
                scope: &'c $crate::viewer::Scope,
                id: i64,
            ) -> $crate::write::Step<'c, Self> {
                Box::pin($require(conn, scope, id))
            }
        }
    };
    ($row:ty, $noun:literal, $right:expr, $require:path) => {
        $crate::write::record!($row, $noun, "add", $right, $require);
    };
}
pub(crate) use record;

/// Adds a record to the customer `customer_id`: the customer must be in the viewer's scope
/// (else `NOT_FOUND`) and the viewer must have `R::RIGHT`; `insert` checks the rest and
/// writes, returning the new record's id, which is read back and audited.
pub async fn add<'s, R, F>(
    state: &'s AppState,
    viewer: &'s Viewer,
    customer_id: i64,
    insert: F,
) -> AppResult<R>
where
    R: Record,
    F: for<'w> FnOnce(&'w mut Write<'s>, &'w CustomerRow) -> Step<'w, i64>,
{
    let mut w = Write::begin(state).await?;
    let customer = w.customer(&viewer.scope, customer_id).await?;
    viewer.require(R::RIGHT)?;
    let id = insert(&mut w, &customer).await?;
    let row = R::require(w.conn(), &viewer.scope, id).await?;
    let action = format!("{}.{}", R::NOUN, R::ADDED);
    w.audit(
        viewer.actor(),
        &action,
        &customer,
        None,
        Some(row.audit_json()),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

/// Changes the record `id`: it must be in the viewer's scope (else `NOT_FOUND`) and the viewer
/// must have `R::RIGHT`; `update` checks the rest against the record as it is and writes. The
/// record is read back, and audited before and after.
pub async fn change<'s, R, F>(
    state: &'s AppState,
    viewer: &'s Viewer,
    id: i64,
    update: F,
) -> AppResult<R>
where
    R: Record,
    F: for<'w> FnOnce(&'w mut Write<'s>, &'w CustomerRow, &'w R) -> Step<'w, ()>,
{
    let mut w = Write::begin(state).await?;
    let before = R::require(w.conn(), &viewer.scope, id).await?;
    viewer.require(R::RIGHT)?;
    let customer = w.customer(&viewer.scope, before.customer_id()).await?;
    update(&mut w, &customer, &before).await?;
    let after = R::require(w.conn(), &viewer.scope, id).await?;
    let action = format!("{}.update", R::NOUN);
    let (old, new) = (before.audit_json(), after.audit_json());
    w.audit(viewer.actor(), &action, &customer, Some(old), Some(new))
        .await?;
    w.commit().await?;
    Ok(after)
}

/// Removes the record `id`: it must be in the viewer's scope (else `NOT_FOUND`) and the viewer
/// must have `R::RIGHT`; `delete` checks the rest and deletes it (and what hangs on it). The
/// removal is audited with the record as it was.
pub async fn remove<'s, R, F>(
    state: &'s AppState,
    viewer: &'s Viewer,
    id: i64,
    delete: F,
) -> AppResult<()>
where
    R: Record,
    F: for<'w> FnOnce(&'w mut Write<'s>, &'w CustomerRow, &'w R) -> Step<'w, ()>,
{
    let mut w = Write::begin(state).await?;
    let row = R::require(w.conn(), &viewer.scope, id).await?;
    viewer.require(R::RIGHT)?;
    let customer = w.customer(&viewer.scope, row.customer_id()).await?;
    delete(&mut w, &customer, &row).await?;
    let action = format!("{}.remove", R::NOUN);
    w.audit(
        viewer.actor(),
        &action,
        &customer,
        Some(row.audit_json()),
        None,
    )
    .await?;
    w.commit().await
}

/// What a change to a customer's own detail did, for its audit entry.
pub struct Changed {
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Changes a detail the customer itself carries (its profile, its branding): the customer must
/// be in the viewer's scope (else `NOT_FOUND`) and the viewer may manage customers; `write`
/// checks the rest, writes, and says what changed — or `None` when nothing did, and then
/// nothing is recorded. Answers the customer.
pub async fn customer_detail<'s, F>(
    state: &'s AppState,
    viewer: &'s Viewer,
    customer_id: i64,
    action: &str,
    write: F,
) -> AppResult<CustomerRow>
where
    F: for<'w> FnOnce(&'w mut Write<'s>, &'w CustomerRow) -> Step<'w, Option<Changed>>,
{
    let mut w = Write::begin(state).await?;
    let customer = w.customer(&viewer.scope, customer_id).await?;
    viewer.require(Action::ManageCustomers)?;
    // Nothing changed: the transaction rolls back unwritten as `w` drops.
    if let Some(changed) = write(&mut w, &customer).await? {
        w.audit(
            viewer.actor(),
            action,
            &customer,
            changed.before,
            changed.after,
        )
        .await?;
        w.commit().await?;
    }
    Ok(customer)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::broadcast::error::TryRecvError;

    use super::*;
    use crate::clock::SystemClock;
    use crate::config::Config;
    use crate::live::event::{ChangeKind, LocalBus};

    /// A fresh SQLite installation (its root customer only) and the root's row.
    async fn installation() -> (tempfile::TempDir, AppState, CustomerRow) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let pool = db::connect(&url).await.unwrap();
        let mut config = Config::for_database(&url);
        config.admin_password = Some("a long enough password".into());
        crate::bootstrap::ensure_root(&pool, &config, &SystemClock)
            .await
            .unwrap();
        let reads = db::ReadPool::open(&url, &pool, db::PoolSettings::default())
            .await
            .unwrap();
        let state = AppState {
            writes: db::GroupCommit::new(pool.clone()),
            pool,
            reads,
            clock: Arc::new(SystemClock),
            session_ttl_ms: 60_000,
            sign_in_throttle: Default::default(),
            public_url: String::new(),
            default_sender_email: "reports@example.com".into(),
            events: LocalBus::shared(),
            data_centers: Default::default(),
            fast_reads: crate::state::FastReads::new(true),
            sessions: Arc::new(crate::auth::cache::SessionCache::new(true, true)),
        };
        let root = customers::get_unscoped(&state.pool, 1)
            .await
            .unwrap()
            .unwrap();
        (dir, state, root)
    }

    fn actor() -> Actor<'static> {
        Actor {
            user_id: 1,
            username: "admin@example.com",
        }
    }

    async fn rename(w: &mut Write<'_>, name: &str) {
        sqlx::query("UPDATE customers SET name = $1 WHERE id = 1")
            .bind(name)
            .execute(w.conn())
            .await
            .unwrap();
    }

    async fn root_name(state: &AppState) -> String {
        customers::get_unscoped(&state.pool, 1)
            .await
            .unwrap()
            .unwrap()
            .name
    }

    #[tokio::test]
    async fn an_unaudited_change_is_refused_and_rolled_back() {
        let (_dir, state, root) = installation().await;
        let mut w = Write::begin(&state).await.unwrap();
        rename(&mut w, "Renamed").await;
        let err = w.commit().await.unwrap_err();
        assert!(matches!(err, AppError::Internal(_)), "{err:?}");
        assert_eq!(root_name(&state).await, root.name);
    }

    #[tokio::test]
    async fn events_are_published_only_once_the_change_commits() {
        let (_dir, state, root) = installation().await;
        let mut events = state.events.subscribe();
        let event = CustomerEvent::of(ChangeKind::Updated, root.id, &root.path);

        let mut w = Write::begin(&state).await.unwrap();
        rename(&mut w, "Renamed").await;
        w.audit(actor(), "customer.update", &root, None, None)
            .await
            .unwrap();
        w.publish(event.clone());
        assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)));
        w.commit().await.unwrap();
        assert_eq!(events.try_recv().unwrap(), event);
        assert_eq!(root_name(&state).await, "Renamed");

        // A change dropped before its commit writes nothing and tells nobody.
        let mut w = Write::begin(&state).await.unwrap();
        rename(&mut w, "Dropped").await;
        w.audit(actor(), "customer.update", &root, None, None)
            .await
            .unwrap();
        w.publish(event);
        drop(w);
        assert!(matches!(events.try_recv(), Err(TryRecvError::Empty)));
        assert_eq!(root_name(&state).await, "Renamed");
    }
}
