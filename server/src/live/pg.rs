//! [`PgBus`]: customer events shared by every server process on one PostgreSQL database,
//! through `LISTEN`/`NOTIFY` on one channel.
//!
//! `publish` hands the event to this process' publisher task, which runs
//! `pg_notify(channel, <event as JSON>)` for each in order on the pool (the events queued by
//! then in one statement: a notification is a transaction, and each one's commit waits for
//! the disk like a write's); one listener task per process `LISTEN`s on its own connection
//! (sqlx's `PgListener`, which reconnects when the connection drops) and feeds the process'
//! broadcast channel, from which `subscribe` hands out receivers. A process therefore hears its own events the same way as everyone else's, and all
//! subscribers see the events of one process in the order they were published. Events sent
//! while a listener is reconnecting are lost to its subscribers, as with a lagging receiver.

use anyhow::Context as _;
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use super::event::{CustomerEvent, EventBus, SharedBus};
use crate::db;

/// At most this many events go in one notifying statement (each is at most a few hundred
/// bytes; PostgreSQL's notification queue holds gigabytes).
const MAX_EVENTS_PER_NOTIFY: usize = 256;

/// The notification channel (one per database).
const CHANNEL: &str = "canopy_customer_events";

/// The bus of a process on PostgreSQL; its tasks stop when it is dropped.
pub struct PgBus {
    local: broadcast::Sender<CustomerEvent>,
    outbox: mpsc::UnboundedSender<CustomerEvent>,
    listener: JoinHandle<()>,
}

impl PgBus {
    /// Starts listening on the database at `database_url` (before returning, so no event
    /// published after start-up is missed) and publishing through `pool`.
    pub async fn start(database_url: &str, pool: db::Pool) -> anyhow::Result<SharedBus> {
        let mut listener = PgListener::connect(database_url)
            .await
            .context("cannot open the LISTEN connection")?;
        listener
            .listen(CHANNEL)
            .await
            .context("cannot LISTEN for customer events")?;
        let (local, _) = broadcast::channel(1024);
        let sender = local.clone();
        let listener = tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        match serde_json::from_str::<CustomerEvent>(notification.payload()) {
                            // An error only means nobody in this process is subscribed.
                            Ok(event) => drop(sender.send(event)),
                            Err(err) => tracing::warn!(%err, "ignoring a malformed customer event"),
                        }
                    }
                    Err(err) => {
                        tracing::warn!(%err, "customer events: LISTEN connection failed, retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        let (outbox, mut queue) = mpsc::unbounded_channel::<CustomerEvent>();
        tokio::spawn(async move {
            let mut events = Vec::new();
            while queue.recv_many(&mut events, MAX_EVENTS_PER_NOTIFY).await > 0 {
                let payloads = match serde_json::to_string(&events) {
                    Ok(payloads) => payloads,
                    Err(err) => {
                        tracing::error!(%err, "cannot encode customer events");
                        events.clear();
                        continue;
                    }
                };
                events.clear();
                // One notification per event, in the array's order. `pg_notify` is in `FROM`:
                // it returns `void`, which the `Any` driver cannot decode. (PostgreSQL delivers
                // identical notifications of one transaction once; identical events say the
                // same thing twice.)
                let sent = sqlx::query(
                    "SELECT 1 FROM json_array_elements_text(CAST($2 AS json)) AS e(payload), \
                     LATERAL pg_notify($1, e.payload)",
                )
                .bind(CHANNEL)
                .bind(payloads)
                .execute(&pool)
                .await;
                if let Err(err) = sent {
                    tracing::warn!(%err, "could not publish customer events");
                }
            }
        });
        Ok(std::sync::Arc::new(Self {
            local,
            outbox,
            listener,
        }))
    }
}

impl Drop for PgBus {
    fn drop(&mut self) {
        self.listener.abort();
        // The publisher ends by itself once `outbox` is dropped, after sending what is queued.
    }
}

impl EventBus for PgBus {
    fn publish(&self, event: CustomerEvent) {
        if self.outbox.send(event).is_err() {
            tracing::warn!("customer events: the publisher has stopped");
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<CustomerEvent> {
        self.local.subscribe()
    }

    fn subscriber_count(&self) -> usize {
        self.local.receiver_count()
    }
}
