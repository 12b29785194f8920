//! Removing a customer, asked for from the tree (trash icon, Delete key) or the detail view:
//! the confirmation, the removal, and leaving the removed customer's address for its parent's.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::{
    api::{customers::TreeNode, use_api},
    components::{
        customer_tree::{selected_id, TreeActions},
        dialog::Confirm,
    },
    state::use_tree,
};

/// The customer the user asked to remove, until they confirm or cancel, and why the last try
/// failed.
#[derive(Clone, Copy, Debug)]
pub struct Removal {
    asked: RwSignal<Option<TreeNode>>,
    error: RwSignal<Option<String>>,
}

impl Removal {
    /// Made by the customers page, which offers it to the tree and the detail view as their
    /// [`TreeActions`].
    pub fn provide() -> Self {
        let removal = Self {
            asked: RwSignal::new(None),
            error: RwSignal::new(None),
        };
        provide_context(TreeActions {
            remove: Callback::new(move |node| removal.ask(node)),
        });
        removal
    }

    fn ask(&self, node: TreeNode) {
        self.error.set(None);
        self.asked.set(Some(node));
    }
}

/// The confirmation of a removal that was asked for, and the removal itself.
#[component]
pub fn RemoveCustomer(removal: Removal) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let navigate = use_navigate();
    let location = use_location();
    let Removal { asked, error } = removal;
    let remove = Action::new_local(move |node: &TreeNode| {
        let node = node.clone();
        let navigate = navigate.clone();
        async move {
            let parent = api
                .customer(&node.id)
                .await
                .ok()
                .flatten()
                .and_then(|c| c.parent.map(|p| p.id));
            match api.remove_customer(node.id.clone()).await {
                Ok(removed) => {
                    tree.removed(&removed, parent.clone());
                    asked.set(None);
                    let here = location.pathname.get_untracked();
                    if selected_id(&here).as_ref() == Some(&removed) {
                        let to = parent
                            .map_or("/customers".into(), |p| format!("/customers/{}", p.inner()));
                        navigate(&to, Default::default());
                    }
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        }
    });
    move || {
        asked.get().map(|node| {
            let name = node.name.clone();
            view! {
                <Confirm
                    title=format!("Remove {name}?")
                    message=format!("{name} will be removed for good. Its history stays in the audit log.")
                    confirm_label="Remove"
                    pending=remove.pending()
                    error=error
                    on_confirm=Callback::new(move |_| { remove.dispatch(node.clone()); })
                    on_close=Callback::new(move |_| asked.set(None))
                />
            }
        })
    }
}
