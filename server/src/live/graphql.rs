//! The `customerChanged` subscription and its `CustomerChange` event type.

use async_graphql::{Context, Object, Result, Subscription, ID};
use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::event::{ChangeKind, CustomerEvent, Filter};
use crate::auth;
use crate::customers::model::path_ids;
use crate::customers::{store, Customer};
use crate::error::AppError;
use crate::ids::{self, customer_id, Kind};
use crate::request;
use crate::state::AppState;
use crate::viewer::Scope;

/// A change to a customer in the subscriber's view.
pub struct CustomerChange {
    event: CustomerEvent,
    scope: Scope,
}

/// The id of the parent of the customer at `path`, when the subscriber may see that parent.
fn visible_parent(scope: &Scope, path: &str) -> Option<ID> {
    let ids = path_ids(path);
    let parent = *ids.get(ids.len().checked_sub(2)?)?;
    let parent_path = path.strip_suffix('/')?.rsplit_once('/')?.0.to_owned() + "/";
    scope
        .contains(&parent_path)
        .then(|| ids::encode(Kind::Customer, parent))
}

/// A change to a customer in the subscriber's view, sent once it is committed.
#[Object]
impl CustomerChange {
    /// What happened.
    async fn kind(&self) -> ChangeKind {
        self.event.kind
    }

    /// The customer concerned (also for removals, when it no longer exists).
    async fn customer_id(&self) -> ID {
        ids::encode(Kind::Customer, self.event.customer_id)
    }

    /// The customer as it is now; null when it was removed or has moved out of the
    /// subscriber's view.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        if self.event.kind == ChangeKind::Removed {
            return Ok(None);
        }
        Ok(request::customer_loader(ctx)?
            .load_one(self.event.customer_id)
            .await?
            .map(Customer::from))
    }

    /// The customer's parent after the change (for a removal: before it); null when the
    /// parent is outside the subscriber's view.
    async fn parent_id(&self) -> Option<ID> {
        visible_parent(&self.scope, &self.event.path)
    }

    /// For a move: the parent before it; null for other changes, or when that parent is
    /// outside the subscriber's view.
    async fn previous_parent_id(&self) -> Option<ID> {
        visible_parent(&self.scope, self.event.previous_path.as_deref()?)
    }
}

/// Live updates.
#[derive(Default)]
pub struct LiveSubscription;

#[Subscription]
impl LiveSubscription {
    /// Customers created, updated, moved or removed in the caller's subtree (or below
    /// `under`, that customer included), from now on. Each event is sent after its change
    /// is committed. Sign in through the WebSocket's `connection_init` payload:
    /// `{"Authorization": "Bearer <token>"}`. When that session ends (signed out, expired, its
    /// user removed), the subscription sends one UNAUTHENTICATED error instead of the next
    /// event, and completes.
    async fn customer_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes in this customer's subtree (itself included).")]
        under: Option<ID>,
    ) -> Result<impl Stream<Item = Result<CustomerChange>>> {
        let viewer = request::viewer(ctx)?;
        let state = request::state(ctx)?;
        let under = match under {
            Some(id) => Some(Scope::for_path(
                &store::require(&state.pool, &viewer.scope, customer_id(&id)?)
                    .await?
                    .path,
            )),
            None => None,
        };
        let subscriber = Subscriber {
            receiver: state.events.subscribe(),
            filter: Filter {
                scope: viewer.scope.clone(),
                under,
            },
            state: state.clone(),
            session: Some(viewer.token_hash.clone()),
        };
        Ok(futures::stream::unfold(subscriber, Subscriber::next))
    }
}

/// One `customerChanged` subscription's state between events.
struct Subscriber {
    receiver: broadcast::Receiver<CustomerEvent>,
    filter: Filter,
    state: AppState,
    /// The session it was opened in; `None` once that session has been found ended.
    session: Option<String>,
}

impl Subscriber {
    /// The next event the subscriber may see. The session is checked again before each one
    /// (a lookup by key, and events are rare next to reads), so nothing is sent after it ends.
    async fn next(mut self) -> Option<(Result<CustomerChange>, Self)> {
        let session = self.session.clone()?;
        loop {
            let event = match self.receiver.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "a customerChanged subscriber fell behind and skipped events"
                    );
                    continue;
                }
                Err(RecvError::Closed) => return None,
            };
            self.filter.follow(&event);
            if !self.filter.admits(&event) {
                continue;
            }
            let item = match auth::session_still_valid(&self.state, &session).await {
                Ok(_) => Ok(CustomerChange {
                    event,
                    scope: self.filter.scope.clone(),
                }),
                Err(err) => {
                    // A database that did not answer loses this event (the subscriber is told
                    // so); an ended session ends the subscription.
                    if matches!(err, AppError::Unauthenticated(_)) {
                        self.session = None;
                    }
                    Err(err.into())
                }
            };
            return Some((item, self));
        }
    }
}
