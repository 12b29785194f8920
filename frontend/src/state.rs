//! The console's shared state, provided as context once the signed-in user's view is loaded:
//! the [`Viewer`] (who is signed in, their customer, what they may do) and the [`Tree`] (every
//! customer line loaded so far, refreshed after local changes and live events alike).

use std::collections::HashMap;

use canopy_shared::{Action, Module};
use cynic::Id;
use leptos::{prelude::*, task::spawn_local};

use crate::api::{
    console::{Me, ViewRoot},
    customers::{NodePage, TreeNode},
    live::{ChangeKind, CustomerChange},
    Api, ApiError, PAGE_SIZE,
};

/// The signed-in user and the root of their view.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub me: StoredValue<Me>,
    pub root: RwSignal<ViewRoot>,
}

impl Viewer {
    pub fn role(&self) -> canopy_shared::Role {
        // Read without panicking while the console is being torn down (after signing out).
        self.me
            .try_with_value(|m| m.role.shared())
            .unwrap_or(canopy_shared::Role::Supporter)
    }

    /// Whether the user's role allows `action` (DOMAIN.md's role table, from `shared/`).
    pub fn can(&self, action: Action) -> bool {
        self.role().allows(action)
    }

    /// Whether the user's own customer has `module` (by its level, from `shared/`).
    pub fn has_module(&self, module: Module) -> bool {
        let Some(level) = self.root.try_with_untracked(|r| r.node.level.shared()) else {
            return false;
        };
        Module::for_level(level).contains(&module)
    }

    /// Whether the user may change storage locations: a SUPERUSER of the installation's root
    /// customer (DOMAIN.md; the server checks the same).
    pub fn can_change_storage_location(&self) -> bool {
        self.can(Action::ChangeStorageLocation)
            && self
                .root
                .try_with_untracked(|r| r.node.level.shared() == canopy_shared::CustomerLevel::Root)
                .unwrap_or(false)
    }

    /// The id of the user's own customer.
    pub fn root_id(&self) -> Id {
        self.root.with_untracked(|r| r.node.id.clone())
    }

    pub fn is_root(&self, id: &Id) -> bool {
        self.root
            .try_with_untracked(|r| &r.node.id == id)
            .unwrap_or(false)
    }
}

pub fn use_viewer() -> Viewer {
    expect_context::<Viewer>()
}

/// The loaded children of a tree line, in pages.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Children {
    pub ids: Vec<Id>,
    /// The cursor after the last loaded child, while there are more.
    pub next: Option<String>,
    pub total: i32,
    pub loaded: bool,
}

impl Children {
    pub fn append(&mut self, page: NodePage) -> Vec<TreeNode> {
        self.next = page.page_info.next();
        self.total = page.total_count;
        self.loaded = true;
        self.ids.extend(page.nodes.iter().map(|n| n.id.clone()));
        page.nodes
    }
}

/// One customer line of the tree.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub data: RwSignal<TreeNode>,
    pub expanded: RwSignal<bool>,
    pub children: RwSignal<Children>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
}

/// Every customer line loaded so far, by id. Made once for the page (its signals belong to the
/// app, not to the console, so replies that arrive while the console is torn down after signing
/// out find them still there); [`reset`](Self::reset) forgets the lines of an earlier session.
#[derive(Clone, Copy, Debug)]
pub struct Tree {
    owner: StoredValue<Owner>,
    nodes: StoredValue<HashMap<Id, Node>>,
    epochs: StoredValue<HashMap<Id, RwSignal<u64>>>,
    /// Increases with every change seen: lists that are not the tree refetch on it.
    pub revision: RwSignal<u64>,
    api: Api,
}

impl Tree {
    pub fn new(api: Api) -> Self {
        Self {
            owner: StoredValue::new(Owner::current().expect("a reactive owner")),
            nodes: StoredValue::new(HashMap::new()),
            epochs: StoredValue::new(HashMap::new()),
            revision: RwSignal::new(0),
            api,
        }
    }

    /// The line for `data`, made on first sight and updated after.
    pub fn node(&self, data: TreeNode) -> Node {
        if let Some(node) = self.get(&data.id) {
            if node.data.with_untracked(|d| d != &data) {
                node.data.set(data);
            }
            return node;
        }
        let id = data.id.clone();
        let node = self.owner.with_value(|owner| {
            owner.with(|| Node {
                data: RwSignal::new(data),
                expanded: RwSignal::new(false),
                children: RwSignal::new(Children::default()),
                loading: RwSignal::new(false),
                error: RwSignal::new(None),
            })
        });
        self.nodes.update_value(|n| {
            n.insert(id, node);
        });
        node
    }

    pub fn get(&self, id: &Id) -> Option<Node> {
        self.nodes.try_with_value(|n| n.get(id).copied()).flatten()
    }

    /// Forgets every line: a new session starts from its own root.
    pub fn reset(&self) {
        self.nodes.update_value(HashMap::clear);
        self.epochs.update_value(HashMap::clear);
    }

    /// Changes whenever the customer changes: views of it refetch on it.
    pub fn epoch(&self, id: &Id) -> RwSignal<u64> {
        if let Some(epoch) = self.epochs.try_with_value(|e| e.get(id).copied()).flatten() {
            return epoch;
        }
        let epoch = self
            .owner
            .with_value(|owner| owner.with(|| RwSignal::new(0)));
        self.epochs.update_value(|e| {
            e.insert(id.clone(), epoch);
        });
        epoch
    }

    pub fn toggle(&self, node: Node) {
        if node.expanded.get_untracked() {
            node.expanded.set(false);
        } else {
            self.expand(node);
        }
    }

    /// Shows the children, loading the first page the first time.
    pub fn expand(&self, node: Node) {
        node.expanded.set(true);
        if !node.children.with_untracked(|c| c.loaded) {
            self.load_more(node);
        }
    }

    /// Loads the next page of children (or the first).
    pub fn load_more(&self, node: Node) {
        if node.loading.get_untracked() {
            return;
        }
        let after = node.children.with_untracked(|c| c.next.clone());
        self.load(node, PAGE_SIZE, after, false);
    }

    /// Loads the children again, as many as were shown (after a change among them).
    pub fn reload_children(&self, node: Node) {
        let shown = node.children.with_untracked(|c| c.ids.len()) as i32;
        self.load(node, shown.clamp(PAGE_SIZE, 500), None, true);
    }

    fn load(&self, node: Node, first: i32, after: Option<String>, replace: bool) {
        let tree = *self;
        node.loading.set(true);
        node.error.set(None);
        let id = node.data.with_untracked(|d| d.id.clone());
        spawn_local(async move {
            match tree.api.children(&id, first, after).await {
                Ok(Some(page)) => {
                    let mut children = if replace {
                        Children::default()
                    } else {
                        node.children.try_get_untracked().unwrap_or_default()
                    };
                    for child in children.append(page) {
                        tree.node(child);
                    }
                    node.children.set(children);
                }
                Ok(None) => tree.forget(&id),
                Err(error) => node.error.set(Some(error)),
            }
            node.loading.set(false);
        });
    }

    /// Reads one line again; a customer that is gone leaves the tree.
    pub fn refresh(&self, id: Id) {
        let tree = *self;
        spawn_local(async move {
            match tree.api.node(&id).await {
                Ok(Some(data)) => {
                    tree.node(data);
                }
                Ok(None) => tree.forget(&id),
                // A refused session has ended (the client saw to it); any other failure leaves
                // the line as it was until the next change.
                Err(_) => {}
            }
        });
    }

    /// Takes a removed (or no longer visible) customer out of every list.
    fn forget(&self, id: &Id) {
        let nodes: Vec<Node> = self
            .nodes
            .try_with_value(|n| n.values().copied().collect())
            .unwrap_or_default();
        for node in nodes {
            if node.children.with_untracked(|c| c.ids.contains(id)) {
                node.children.update(|c| {
                    c.ids.retain(|i| i != id);
                    c.total -= 1;
                });
            }
        }
        self.nodes.update_value(|n| {
            n.remove(id);
        });
    }

    /// Brings the tree and every open view up to date after `id` changed; `parents` are its
    /// parent now and, after a move, before.
    pub fn changed(&self, id: &Id, parents: &[Option<Id>]) {
        self.revision.update(|r| *r += 1);
        self.epoch(id).update(|e| *e += 1);
        self.refresh(id.clone());
        for parent in parents.iter().flatten() {
            self.epoch(parent).update(|e| *e += 1);
            self.refresh(parent.clone());
            if let Some(node) = self.get(parent) {
                if node.children.with_untracked(|c| c.loaded) {
                    self.reload_children(node);
                }
            }
        }
    }

    /// A removal made here: the line goes at once, its parent is read again.
    pub fn removed(&self, id: &Id, parent: Option<Id>) {
        self.forget(id);
        self.changed(id, &[parent]);
    }

    /// Reads everything shown again: after live updates were interrupted, changes may have
    /// been missed.
    pub fn resync(&self) {
        self.revision.update(|r| *r += 1);
        let nodes: Vec<Node> = self
            .nodes
            .try_with_value(|n| n.values().copied().collect())
            .unwrap_or_default();
        for node in nodes {
            let id = node.data.with_untracked(|d| d.id.clone());
            self.refresh(id);
            if node.children.with_untracked(|c| c.loaded) {
                self.reload_children(node);
            }
        }
        let epochs: Vec<RwSignal<u64>> = self
            .epochs
            .try_with_value(|e| e.values().copied().collect())
            .unwrap_or_default();
        for epoch in epochs {
            epoch.update(|e| *e += 1);
        }
    }

    /// A live event from the server.
    pub fn apply(&self, change: CustomerChange) {
        if change.kind == ChangeKind::Removed {
            self.forget(&change.customer_id);
        }
        self.changed(
            &change.customer_id,
            &[change.parent_id, change.previous_parent_id],
        );
    }
}

pub fn use_tree() -> Tree {
    expect_context::<Tree>()
}
