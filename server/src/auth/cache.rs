//! The sessions this process resolved recently, so that a signed-in request needs no database
//! round trip to check its token.
//!
//! An entry is only ever a copy of what the database said, and it is forgotten before it can
//! be wrong:
//! - **Expiry** is checked on every use, against the session's own `expires_at`.
//! - **Every write this process commits** forgets every entry ([`Write::commit`] calls
//!   [`SessionCache::forget_all`]), before the write's answer leaves: a sign-out, a password
//!   change, a user's new role or removal, a customer's move (its users' scope) are all
//!   writes. Forgetting everything rather than the entries a write touched keeps that rule
//!   impossible to get wrong; a forgotten entry costs one lookup.
//! - **Other processes' writes** (replicas on one PostgreSQL database) reach this one through
//!   `LISTEN canopy_session_changes`: triggers notify that channel when a session ends, a user
//!   changes or goes, or a customer moves (`migrations/postgres/0008_…`). Once the listening
//!   connection is found down, nothing is served from or added to the cache, and everything in
//!   it is forgotten when it is back, since notifications sent meanwhile are lost. (Between a
//!   connection's loss and its discovery, [`ENTRY_TTL_MS`] is the bound.)
//! - An entry is at most [`ENTRY_TTL_MS`] old, whatever happens.
//!
//! A lookup that raced with a forget (read from the database before it, stored after it)
//! is not stored: entries carry the generation they were read in.
//!
//! [`Write::commit`]: crate::write::Write::commit

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

use anyhow::Context as _;
use sqlx::postgres::PgListener;
use tokio::task::AbortHandle;

use crate::viewer::Viewer;

/// The channel the triggers of `migrations/postgres/0008_session_change_notifications.sql` notify.
pub const CHANNEL: &str = "canopy_session_changes";
/// The longest an entry is trusted, even with no change announced.
pub const ENTRY_TTL_MS: i64 = 60_000;
/// Past this many entries, the cache starts afresh (a bound on memory, not a working limit:
/// it is far more sessions than one process serves in a minute).
const MAX_ENTRIES: usize = 50_000;

/// A session as the database last described it.
#[derive(Clone, Debug)]
pub struct CachedSession {
    pub viewer: Viewer,
    pub expires_at: i64,
}

#[derive(Debug)]
struct Entry {
    session: CachedSession,
    read_at: i64,
}

#[derive(Debug, Default)]
struct Entries {
    generation: u64,
    by_hash: HashMap<String, Entry>,
}

/// The cache; see the module documentation.
#[derive(Debug)]
pub struct SessionCache {
    enabled: bool,
    /// Whether changes made by other processes would reach this one (always, on SQLite).
    hearing: AtomicBool,
    entries: RwLock<Entries>,
    lookups: prometheus::IntCounterVec,
    /// `lookups` by outcome, resolved once: every signed-in request counts one.
    hits: prometheus::IntCounter,
    misses: prometheus::IntCounter,
    /// The PostgreSQL listener task, stopped with the cache.
    listener: Mutex<Option<AbortHandle>>,
}

/// A lookup's ticket: the generation the database read behind it started in.
#[derive(Clone, Copy, Debug)]
pub struct Ticket(u64);

impl SessionCache {
    /// A cache that serves entries when `enabled`, and hears every change when `hearing` (a
    /// PostgreSQL process starts deaf, until its listener is up).
    pub fn new(enabled: bool, hearing: bool) -> Self {
        let lookups = prometheus::IntCounterVec::new(
            prometheus::Opts::new(
                "session_cache_lookups_total",
                "Bearer-token checks answered from the session cache (hit) or the database (miss).",
            ),
            &["outcome"],
        )
        .expect("a valid metric definition");
        Self {
            enabled,
            hearing: AtomicBool::new(hearing),
            entries: RwLock::default(),
            hits: lookups.with_label_values(&["hit"]),
            misses: lookups.with_label_values(&["miss"]),
            lookups,
            listener: Mutex::default(),
        }
    }

    fn usable(&self) -> bool {
        self.enabled && self.hearing.load(Ordering::Acquire)
    }

    /// The session stored under `hash` when it is cached, still live at `now` and fresh enough;
    /// else the ticket with which to [`store`](Self::store) what the database says.
    pub fn get(&self, hash: &str, now: i64) -> Result<CachedSession, Ticket> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let ticket = Ticket(entries.generation);
        let hit = self.usable().then(|| entries.by_hash.get(hash)).flatten();
        match hit {
            Some(e) if now < e.session.expires_at && now - e.read_at < ENTRY_TTL_MS => {
                self.hits.inc();
                Ok(e.session.clone())
            }
            _ => {
                self.misses.inc();
                Err(ticket)
            }
        }
    }

    /// Remembers what the database said at `now` about the session under `hash`, unless
    /// something was forgotten since the ticket was taken.
    pub fn store(&self, ticket: Ticket, hash: &str, session: CachedSession, now: i64) {
        if !self.usable() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.generation != ticket.0 {
            return;
        }
        if entries.by_hash.len() >= MAX_ENTRIES {
            entries.by_hash.clear();
        }
        let entry = Entry {
            session,
            read_at: now,
        };
        entries.by_hash.insert(hash.to_owned(), entry);
    }

    /// Moves the expiry of the entry under `hash`, if there is one, to `expires_at`: the
    /// session was extended in the database (not a change that can make an entry wrong).
    pub fn extend(&self, hash: &str, expires_at: i64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.by_hash.get_mut(hash) {
            entry.session.expires_at = expires_at;
        }
    }

    /// Forgets every entry, and every lookup still on its way to being stored.
    pub fn forget_all(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        entries.generation += 1;
        entries.by_hash.clear();
    }

    fn set_hearing(&self, hearing: bool) {
        self.hearing.store(hearing, Ordering::Release);
        self.forget_all();
    }

    /// The lookup counter, for the metrics registry.
    pub fn counter(&self) -> prometheus::IntCounterVec {
        self.lookups.clone()
    }
}

impl Drop for SessionCache {
    fn drop(&mut self) {
        if let Some(task) = self.listener.get_mut().ok().and_then(Option::take) {
            task.abort();
        }
    }
}

/// Starts the task that keeps `cache` told of other processes' changes on PostgreSQL; it stops
/// when the cache is dropped. The first `LISTEN` happens before this returns, so a server
/// that starts answering hears every change from then on.
pub async fn listen(database_url: &str, cache: &Arc<SessionCache>) -> anyhow::Result<()> {
    let first = subscribe(database_url)
        .await
        .context("cannot LISTEN for session changes")?;
    cache.set_hearing(true);
    let url = database_url.to_owned();
    // Weak: the task must not keep alive the cache whose drop stops it.
    let weak: Weak<SessionCache> = Arc::downgrade(cache);
    let task = tokio::spawn(async move {
        let mut listener = Some(first);
        loop {
            let Some(connection) = listener.as_mut() else {
                match subscribe(&url).await {
                    Ok(fresh) => {
                        listener = Some(fresh);
                        // Whatever was announced while deaf is lost: start afresh.
                        let Some(cache) = weak.upgrade() else { return };
                        cache.set_hearing(true);
                    }
                    Err(err) => {
                        tracing::warn!(%err, "session changes: cannot LISTEN, retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
                continue;
            };
            // `try_recv`, not `recv`: `recv` reconnects silently, and the notifications sent
            // meanwhile would be lost without the cache knowing.
            let received = connection.try_recv().await;
            let Some(cache) = weak.upgrade() else { return };
            match received {
                Ok(Some(_)) => cache.forget_all(),
                Ok(None) | Err(_) => {
                    tracing::warn!("session changes: the LISTEN connection was lost");
                    cache.set_hearing(false);
                    listener = None;
                }
            }
        }
    });
    *cache.listener.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.abort_handle());
    Ok(())
}

async fn subscribe(database_url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viewer::Scope;
    use canopy_shared::Role;

    fn session(expires_at: i64) -> CachedSession {
        CachedSession {
            viewer: Viewer {
                user_id: 7,
                username: "ada@example.com".into(),
                customer_id: 3,
                role: Role::Administrator,
                at_installation_root: false,
                scope: Scope::for_path("/1/3/"),
                token_hash: "h".into(),
            },
            expires_at,
        }
    }

    fn stored(cache: &SessionCache, now: i64, expires_at: i64) {
        let ticket = cache.get("h", now).expect_err("not cached yet");
        cache.store(ticket, "h", session(expires_at), now);
    }

    #[test]
    fn serves_a_stored_session_until_it_expires_or_grows_old() {
        let cache = SessionCache::new(true, true);
        stored(&cache, 1_000, 5_000);
        assert_eq!(cache.get("h", 4_999).unwrap().viewer.user_id, 7);
        assert!(cache.get("h", 5_000).is_err(), "expired");
        assert!(cache.get("other", 1_000).is_err());

        cache.forget_all();
        stored(&cache, 1_000, i64::MAX);
        assert!(cache.get("h", 1_000 + ENTRY_TTL_MS - 1).is_ok());
        assert!(cache.get("h", 1_000 + ENTRY_TTL_MS).is_err(), "too old");
    }

    #[test]
    fn an_extended_session_is_served_until_its_new_expiry() {
        let cache = SessionCache::new(true, true);
        stored(&cache, 0, 1_000);
        cache.extend("h", 2_000);
        assert_eq!(cache.get("h", 1_500).unwrap().expires_at, 2_000);
        cache.extend("absent", 2_000);
        assert!(cache.get("absent", 0).is_err(), "extending stores nothing");
    }

    #[test]
    fn a_lookup_that_raced_with_a_forget_is_not_stored() {
        let cache = SessionCache::new(true, true);
        let ticket = cache.get("h", 0).unwrap_err();
        // The database was read before a sign-out committed and forgot everything...
        cache.forget_all();
        // ...so what it said may already be wrong.
        cache.store(ticket, "h", session(i64::MAX), 0);
        assert!(cache.get("h", 0).is_err());
    }

    #[test]
    fn forgets_everything_on_a_change() {
        let cache = SessionCache::new(true, true);
        stored(&cache, 0, i64::MAX);
        cache.forget_all();
        assert!(cache.get("h", 0).is_err());
    }

    #[test]
    fn serves_nothing_while_deaf_or_disabled() {
        let deaf = SessionCache::new(true, false);
        stored(&deaf, 0, i64::MAX);
        assert!(deaf.get("h", 0).is_err(), "nothing stored while deaf");

        let cache = SessionCache::new(true, true);
        stored(&cache, 0, i64::MAX);
        cache.set_hearing(false);
        assert!(cache.get("h", 0).is_err(), "a deaf cache serves nothing");
        cache.set_hearing(true);
        assert!(
            cache.get("h", 0).is_err(),
            "and starts afresh when it hears again"
        );

        let off = SessionCache::new(false, true);
        stored(&off, 0, i64::MAX);
        assert!(off.get("h", 0).is_err());
    }
}
