//! The events services publish after a commit, the buses that carry them, and the scope filter
//! that decides who receives one. Below the domains: services and `AppState` import it, and it
//! imports only ground types.

use std::sync::Arc;

use async_graphql::Enum;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::viewer::Scope;

/// What happened to a customer.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    /// The customer was created.
    Created,
    /// Its fields changed (including its trial state or storage location).
    Updated,
    /// It was moved, with its subtree, under another parent.
    Moved,
    /// It was removed.
    Removed,
}

/// One change to one customer, as published. It carries the customer's materialised path
/// (and, for a move, the path before it) so subscribers can be filtered by scope without a
/// database read, even for a customer that no longer exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerEvent {
    pub kind: ChangeKind,
    pub customer_id: i64,
    /// The path after the change (for a removal: the path it had).
    pub path: String,
    /// For a move: the path before it.
    pub previous_path: Option<String>,
}

impl CustomerEvent {
    /// A creation, update or removal of the customer `customer_id` at `path` (its path after
    /// the change, or the one it had when removed).
    pub fn of(kind: ChangeKind, customer_id: i64, path: &str) -> Self {
        Self {
            kind,
            customer_id,
            path: path.to_owned(),
            previous_path: None,
        }
    }

    /// The customer `customer_id` was moved from `previous_path` to `path`.
    pub fn moved(customer_id: i64, previous_path: &str, path: &str) -> Self {
        Self {
            kind: ChangeKind::Moved,
            customer_id,
            path: path.to_owned(),
            previous_path: Some(previous_path.to_owned()),
        }
    }
}

/// Where customer events are published and subscribed to. Publish only after the change's
/// transaction has committed: a subscriber that reacts by reading must see the change.
pub trait EventBus: Send + Sync {
    /// Sends an event to every current subscriber (in every process sharing the database,
    /// for buses that span processes). Never blocks and never fails the caller's request.
    fn publish(&self, event: CustomerEvent);
    /// A receiver of every event published from now on.
    fn subscribe(&self) -> broadcast::Receiver<CustomerEvent>;
    /// Subscribers currently listening in this process.
    fn subscriber_count(&self) -> usize;
}

/// The bus as the application state holds it.
pub type SharedBus = Arc<dyn EventBus>;

/// In-process bus: a broadcast channel. A subscriber that falls more than `capacity` events
/// behind skips the ones it missed (and is told so in the log).
pub struct LocalBus {
    sender: broadcast::Sender<CustomerEvent>,
}

impl LocalBus {
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        Self { sender }
    }

    /// A shared in-process bus with room for 1,024 undelivered events per subscriber.
    pub fn shared() -> SharedBus {
        Arc::new(Self::new(1024))
    }
}

impl EventBus for LocalBus {
    fn publish(&self, event: CustomerEvent) {
        // An error only means nobody is subscribed.
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> broadcast::Receiver<CustomerEvent> {
        self.sender.subscribe()
    }

    fn subscriber_count(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Which events one subscriber receives: those about customers in their scope (and below
/// `under`, when given), judged by the path after the change or, for moves, before it, so
/// a customer moved out of view is reported once as it leaves.
#[derive(Clone, Debug)]
pub struct Filter {
    pub scope: Scope,
    pub under: Option<Scope>,
}

impl Filter {
    /// Whether a customer with this path is visible to the subscriber.
    pub fn sees(&self, path: &str) -> bool {
        self.scope.contains(path) && self.under.as_ref().is_none_or(|u| u.contains(path))
    }

    /// Whether the subscriber receives `event`.
    pub fn admits(&self, event: &CustomerEvent) -> bool {
        self.sees(&event.path) || event.previous_path.as_deref().is_some_and(|p| self.sees(p))
    }

    /// Follows a move of the subscriber's own customer or of `under` (paths below a moved
    /// customer change with it), so the filter keeps matching the same subtree.
    pub fn follow(&mut self, event: &CustomerEvent) {
        let Some(previous) = event.previous_path.as_deref() else {
            return;
        };
        let rebase = |scope: &Scope| -> Option<Scope> {
            scope
                .root_path
                .strip_prefix(previous)
                .map(|rest| Scope::for_path(&format!("{}{rest}", event.path)))
        };
        if let Some(scope) = rebase(&self.scope) {
            self.scope = scope;
        }
        if let Some(under) = self.under.as_ref().and_then(rebase) {
            self.under = Some(under);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: ChangeKind, path: &str, previous: Option<&str>) -> CustomerEvent {
        CustomerEvent {
            kind,
            customer_id: 0,
            path: path.into(),
            previous_path: previous.map(Into::into),
        }
    }

    #[test]
    fn subscribers_see_only_their_subtree() {
        let filter = Filter {
            scope: Scope::for_path("/1/2/"),
            under: None,
        };
        assert!(filter.admits(&event(ChangeKind::Created, "/1/2/5/", None)));
        assert!(filter.admits(&event(ChangeKind::Updated, "/1/2/", None)));
        assert!(!filter.admits(&event(ChangeKind::Created, "/1/3/6/", None)));
        assert!(!filter.admits(&event(ChangeKind::Removed, "/1/", None)));
        assert!(!filter.admits(&event(ChangeKind::Created, "/1/20/", None)));
        assert!(
            filter.admits(&event(ChangeKind::Moved, "/1/3/6/", Some("/1/2/6/"))),
            "leaving"
        );
        assert!(
            filter.admits(&event(ChangeKind::Moved, "/1/2/6/", Some("/1/3/6/"))),
            "arriving"
        );
    }

    #[test]
    fn under_narrows_the_scope() {
        let filter = Filter {
            scope: Scope::for_path("/1/"),
            under: Some(Scope::for_path("/1/2/")),
        };
        assert!(filter.admits(&event(ChangeKind::Updated, "/1/2/7/", None)));
        assert!(!filter.admits(&event(ChangeKind::Updated, "/1/3/", None)));
    }

    #[test]
    fn filters_follow_their_subtree_when_it_moves() {
        let mut filter = Filter {
            scope: Scope::for_path("/1/2/4/"),
            under: Some(Scope::for_path("/1/2/4/9/")),
        };
        filter.follow(&event(ChangeKind::Moved, "/1/3/2/", Some("/1/2/")));
        assert_eq!(filter.scope.root_path, "/1/3/2/4/");
        assert_eq!(filter.under.as_ref().unwrap().root_path, "/1/3/2/4/9/");
        assert!(filter.admits(&event(ChangeKind::Updated, "/1/3/2/4/9/", None)));
    }
}
