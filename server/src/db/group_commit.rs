//! Group commit: changes made one after another in one write transaction, each inside a
//! savepoint of its own, and committed together.
//!
//! Every write runs against the latest tree, one at a time ([`begin_write`]: the advisory lock
//! on PostgreSQL, `BEGIN IMMEDIATE` on SQLite). Held that way, a write's begin and commit (on
//! PostgreSQL, a WAL flush) are on every other writer's path. So writers that arrive while one
//! is in progress queue here, and each runs in the transaction the first of them began: it
//! sees everything the earlier ones wrote, exactly as if they had committed, and it can fail
//! alone (its savepoint is rolled back). When nobody is queued (or the batch is full), the
//! last one hands the batch to a commit, and every member learns the outcome; no member
//! answers before the commit that made its change durable. The rules stay those of one writer
//! at a time: only the begin and the commit are shared.
//!
//! A member that goes away unfinished (an error, or its request dropped) leaves its changes to
//! be rolled back to its savepoint by whoever holds the batch next, or by the commit. Starting
//! a change and committing run in tasks of their own, so no request can interrupt them
//! halfway. What members run after the commit (telling live subscribers, forgetting cached
//! sessions) runs in commit order, before any member answers.

use std::mem;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlx::{AnyConnection, Executor as _};
use tokio::sync::{oneshot, Mutex, OwnedMutexGuard};

use super::{begin_write, Pool, Tx};

/// At most this many changes share one commit, so a steady stream of writers still sees its
/// changes committed (and answered) every few milliseconds. Also below PostgreSQL's 64
/// subtransactions a transaction keeps in shared memory (each member's savepoint that writes
/// is one): past that, every other session's snapshots must look them up on disk.
const MAX_BATCH: usize = 32;

/// The savepoint each member's change runs in, but for the first (whose failure rolls back the
/// transaction, which holds nothing else). One name serves all: members run one at a time,
/// and each one's savepoint is released as the next one's is made (in one round trip: the
/// batch's changes run one after another, so every round trip counts) or by the commit.
const SAVEPOINT: &str = "canopy_change";

/// What a member runs once its change has committed.
pub type AfterCommit = Box<dyn FnOnce() + Send>;

/// Why a member's change did not commit. Shared by every member of the batch.
pub type CommitError = Arc<sqlx::Error>;

/// The process's queue of writers. Cheap to clone: clones share the queue.
#[derive(Clone)]
pub struct GroupCommit {
    pool: Pool,
    shared: Arc<Shared>,
}

struct Shared {
    batch: Arc<Mutex<Batch>>,
    /// Writers waiting for the batch: while there are any, its holder leaves the commit to
    /// the next one.
    queued: AtomicUsize,
    /// Changes per commit (`canopy_write_batch_changes`).
    sizes: prometheus::Histogram,
}

#[derive(Default)]
struct Batch {
    /// The transaction the batch's changes share, begun by its first member.
    tx: Option<Tx>,
    /// Members whose change is complete in `tx`, in order, awaiting its commit.
    done: Vec<Waiter>,
    /// A member left without finishing: its changes since its savepoint are still in `tx`.
    abandoned: bool,
    /// A member's savepoint is still open in `tx`, to be released.
    savepoint: bool,
}

struct Waiter {
    outcome: oneshot::Sender<Result<(), CommitError>>,
    after: AfterCommit,
}

impl GroupCommit {
    pub fn new(pool: Pool) -> Self {
        let sizes = prometheus::Histogram::with_opts(
            prometheus::HistogramOpts::new(
                "write_batch_changes",
                "Changes committed together in one write transaction (group commit).",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
        )
        .expect("a valid histogram");
        Self {
            pool,
            shared: Arc::new(Shared {
                batch: Arc::default(),
                queued: AtomicUsize::new(0),
                sizes,
            }),
        }
    }

    /// The batch sizes, for `/metrics`.
    pub fn histogram(&self) -> prometheus::Histogram {
        self.shared.sizes.clone()
    }

    /// Waits for this process's turn to write, then starts a change: in the current batch's
    /// transaction when there is one, else in a new one (which waits for every other
    /// process's writers, see [`begin_write`]).
    pub async fn join(&self) -> Result<Member, sqlx::Error> {
        let mut queued = Queued::enter(&self.shared);
        let batch = self.shared.batch.clone().lock_owned().await;
        queued.leave();
        let mut member = Member {
            batch: Some(batch),
            shared: self.shared.clone(),
        };
        let pool = self.pool.clone();
        // In a task of its own: a request that goes away halfway cannot leave the transaction
        // in a state nobody knows (its savepoint made, or not). Its member is then dropped
        // started, like any change that ends unfinished.
        tokio::spawn(async move {
            let batch = member
                .batch
                .as_mut()
                .expect("a member holds the batch until it ends");
            start(batch, &pool).await.map(|()| member)
        })
        .await
        .map_err(|err| sqlx::Error::Protocol(format!("starting a change failed: {err}")))?
    }
}

/// Starts a change in `batch`: in its transaction when it has one (after undoing what an
/// unfinished member left), else in a new one.
async fn start(batch: &mut Batch, pool: &Pool) -> Result<(), sqlx::Error> {
    if batch.abandoned {
        batch.settle().await;
    }
    if batch.tx.is_none() {
        batch.tx = Some(begin_write(pool).await?);
        return Ok(());
    }
    let sql = if batch.savepoint {
        // A simple query of two statements: one round trip.
        format!("RELEASE SAVEPOINT {SAVEPOINT}; SAVEPOINT {SAVEPOINT}")
    } else {
        format!("SAVEPOINT {SAVEPOINT}")
    };
    let tx = batch.tx.as_mut().expect("an open batch");
    if let Err(err) = tx.execute(sql.as_str()).await {
        batch.fail(&err);
        return Err(err);
    }
    batch.savepoint = true;
    Ok(())
}

/// A writer waiting for the batch; counted in [`Shared::queued`] until it holds the batch.
/// Dropped while still waiting (its request went away), it makes sure a batch its
/// predecessor left open for it is committed by someone.
struct Queued<'a> {
    shared: Option<&'a Arc<Shared>>,
}

impl<'a> Queued<'a> {
    fn enter(shared: &'a Arc<Shared>) -> Self {
        shared.queued.fetch_add(1, Ordering::SeqCst);
        Self {
            shared: Some(shared),
        }
    }

    fn leave(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.queued.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.queued.fetch_sub(1, Ordering::SeqCst);
            let shared = shared.clone();
            tokio::spawn(async move {
                let batch = shared.batch.clone().lock_owned().await;
                shared.release(batch);
            });
        }
    }
}

/// One change in the batch. [`commit`](Self::commit) it; dropped unfinished, its changes are
/// rolled back and the batch goes on without it.
pub struct Member {
    batch: Option<OwnedMutexGuard<Batch>>,
    shared: Arc<Shared>,
}

impl Member {
    /// The transaction, for the change's statements.
    pub fn conn(&mut self) -> &mut AnyConnection {
        let batch = self
            .batch
            .as_mut()
            .expect("a member holds the batch until it ends");
        batch
            .tx
            .as_mut()
            .expect("a member's batch has its transaction")
    }

    /// Ends the change and waits until it is committed with its batch; then `after` has run.
    /// Its savepoint stays open, released by the next member or by the commit.
    pub async fn commit(mut self, after: AfterCommit) -> Result<(), CommitError> {
        let mut batch = self
            .batch
            .take()
            .expect("a member holds the batch until it ends");
        let (outcome, committed) = oneshot::channel();
        batch.done.push(Waiter { outcome, after });
        self.shared.release(batch);
        committed.await.unwrap_or_else(|_| {
            // Only a runtime shutting down drops a commit task unfinished.
            Err(Arc::new(sqlx::Error::PoolClosed))
        })
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(mut batch) = self.batch.take() {
            if batch.done.is_empty() {
                // Nothing of anyone else's is in the transaction: dropping it rolls it back.
                batch.tx = None;
                batch.savepoint = false;
            } else {
                batch.abandoned = true;
            }
            self.shared.release(batch);
        }
    }
}

impl Shared {
    /// Lets go of the batch: commits it (in a task of its own) unless a queued writer will
    /// carry it on, or it is full.
    fn release(self: &Arc<Self>, batch: OwnedMutexGuard<Batch>) {
        let waiting = self.queued.load(Ordering::SeqCst) > 0;
        if batch.tx.is_some() && (!waiting || batch.done.len() >= MAX_BATCH) {
            let shared = self.clone();
            tokio::spawn(async move { shared.flush(batch).await });
        }
    }

    async fn flush(&self, mut batch: OwnedMutexGuard<Batch>) {
        if batch.abandoned {
            batch.settle().await;
        }
        let Some(tx) = batch.tx.take() else {
            return;
        };
        batch.savepoint = false;
        let done = mem::take(&mut batch.done);
        if done.is_empty() {
            return; // dropped: rolled back
        }
        match tx.commit().await {
            Ok(()) => {
                self.sizes.observe(done.len() as f64);
                for waiter in done {
                    (waiter.after)();
                    let _ = waiter.outcome.send(Ok(()));
                }
            }
            Err(err) => {
                let err = Arc::new(err);
                for waiter in done {
                    let _ = waiter.outcome.send(Err(err.clone()));
                }
            }
        }
    }
}

impl Batch {
    /// Undoes what an unfinished member wrote since its savepoint (which stays, empty, to be
    /// released like the others; a member is abandoned with others done only after the first,
    /// so it made one); if that fails, the whole transaction is lost, and its members are told.
    async fn settle(&mut self) {
        self.abandoned = false;
        let Some(tx) = self.tx.as_mut() else {
            return;
        };
        let sql = format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}");
        if let Err(err) = tx.execute(sql.as_str()).await {
            self.fail(&err);
        }
    }

    /// Gives up the transaction (it rolls back as it drops) and tells its members why.
    fn fail(&mut self, err: &sqlx::Error) {
        self.tx = None;
        self.savepoint = false;
        // `sqlx::Error` is not `Clone`: the members share its text.
        let shared = Arc::new(sqlx::Error::Protocol(format!(
            "the write transaction was lost before it committed: {err}"
        )));
        for waiter in self.done.drain(..) {
            let _ = waiter.outcome.send(Err(shared.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn queue() -> (tempfile::TempDir, GroupCommit) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("g.db").display());
        let pool = super::super::connect(&url).await.unwrap();
        pool.execute("CREATE TABLE marks (name TEXT NOT NULL)")
            .await
            .unwrap();
        (dir, GroupCommit::new(pool))
    }

    async fn mark(member: &mut Member, name: &str) {
        sqlx::query("INSERT INTO marks (name) VALUES ($1)")
            .bind(name)
            .execute(member.conn())
            .await
            .unwrap();
    }

    /// The marks as another connection sees them: only what was committed.
    async fn committed(queue: &GroupCommit) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM marks ORDER BY name")
            .fetch_all(&queue.pool)
            .await
            .unwrap()
    }

    async fn until_queued(queue: &GroupCommit, n: usize) {
        while queue.shared.queued.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
    }

    fn nothing() -> AfterCommit {
        Box::new(|| {})
    }

    /// Joins, marks `name`, and commits, telling `order` when its after-commit step runs.
    async fn change(
        queue: GroupCommit,
        name: &'static str,
        order: Arc<std::sync::Mutex<Vec<&'static str>>>,
    ) -> Result<(), CommitError> {
        let mut member = queue.join().await.unwrap();
        let (seen,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM marks")
            .fetch_one(member.conn())
            .await
            .unwrap();
        assert!(seen >= 1, "{name} sees the first change, committed or not");
        mark(&mut member, name).await;
        member
            .commit(Box::new(move || order.lock().unwrap().push(name)))
            .await
    }

    #[tokio::test]
    async fn changes_queued_behind_one_another_commit_together_in_order() {
        let (_dir, queue) = queue().await;
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut first = queue.join().await.unwrap();
        mark(&mut first, "a").await;
        let b = tokio::spawn(change(queue.clone(), "b", order.clone()));
        until_queued(&queue, 1).await;
        let c = tokio::spawn(change(queue.clone(), "c", order.clone()));
        until_queued(&queue, 2).await;

        let o = order.clone();
        let a = tokio::spawn(first.commit(Box::new(move || o.lock().unwrap().push("a"))));
        for joined in [a, b, c] {
            tokio::time::timeout(Duration::from_secs(10), joined)
                .await
                .expect("every member learns its outcome")
                .unwrap()
                .unwrap();
        }
        assert_eq!(committed(&queue).await, ["a", "b", "c"]);
        assert_eq!(*order.lock().unwrap(), ["a", "b", "c"]);
        let sizes = queue.histogram();
        assert_eq!(sizes.get_sample_count(), 1, "one commit");
        assert_eq!(sizes.get_sample_sum(), 3.0);
    }

    #[tokio::test]
    async fn a_change_dropped_midway_is_rolled_back_alone() {
        let (_dir, queue) = queue().await;
        let mut first = queue.join().await.unwrap();
        mark(&mut first, "kept").await;
        let dropped = tokio::spawn({
            let queue = queue.clone();
            async move {
                let mut member = queue.join().await.unwrap();
                mark(&mut member, "dropped").await;
                // Ends unfinished, as a failed check or a vanished request leaves it.
            }
        });
        until_queued(&queue, 1).await;
        let kept = tokio::spawn(first.commit(nothing()));
        dropped.await.unwrap();
        tokio::time::timeout(Duration::from_secs(10), kept)
            .await
            .expect("the kept change commits without anyone else")
            .unwrap()
            .unwrap();
        assert_eq!(committed(&queue).await, ["kept"]);

        // The queue goes on, and a change dropped alone leaves nothing behind either.
        let mut alone = queue.join().await.unwrap();
        mark(&mut alone, "alone").await;
        drop(alone);
        let mut last = queue.join().await.unwrap();
        mark(&mut last, "last").await;
        last.commit(nothing()).await.unwrap();
        assert_eq!(committed(&queue).await, ["kept", "last"]);
    }

    #[tokio::test]
    async fn a_writer_that_goes_away_neither_loses_nor_strands_the_batch() {
        // However far the second writer got before it went (still queued, starting its change,
        // or holding it), the first writer's change commits.
        for yields in 0..24 {
            let (_dir, queue) = queue().await;
            let mut first = queue.join().await.unwrap();
            mark(&mut first, "first").await;
            let second = tokio::spawn({
                let queue = queue.clone();
                async move {
                    let mut member = queue.join().await.unwrap();
                    mark(&mut member, "second").await;
                    std::future::pending::<()>().await;
                }
            });
            until_queued(&queue, 1).await;
            let first = tokio::spawn(first.commit(nothing()));
            for _ in 0..yields {
                tokio::task::yield_now().await;
            }
            second.abort();
            tokio::time::timeout(Duration::from_secs(10), first)
                .await
                .unwrap_or_else(|_| panic!("stranded after {yields} yields"))
                .unwrap()
                .unwrap();
            assert_eq!(committed(&queue).await, ["first"], "after {yields} yields");
        }
    }
}
