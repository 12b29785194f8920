//! Moving the customer, with its subtree, under another parent above its level.

use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{
        customers::{Customer, MoveVars},
        use_api, CustomerLevel,
    },
    components::{
        form::{FormErrors, Problem},
        pickers::ParentPicker,
    },
    pages::customers::detail::SaveStatus,
    state::use_tree,
};

/// Moving the customer, with its subtree, under another parent.
#[component]
pub fn MoveForm(current: RwSignal<Customer>) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let errors = FormErrors::new();
    let customer = current.get_untracked();
    let parent_id = RwSignal::new(
        customer
            .parent
            .as_ref()
            .map_or_else(|| Id::new(""), |p| p.id.clone()),
    );
    let parent = Signal::derive(move || current.with(|c| c.parent.clone()));
    // Only levels above this customer's can be its parent (the server checks its children too).
    let level = customer.level.shared();
    let levels = Signal::derive(move || {
        CustomerLevel::all()
            .filter(|p| level.may_be_child_of(p.shared()))
            .collect::<Vec<_>>()
    });
    let status = expect_context::<SaveStatus>();
    let do_move = Action::new_local(move |target: &Id| {
        let c = current.get_untracked();
        let vars = MoveVars {
            id: c.id.clone(),
            new_parent_id: target.clone(),
            expected_version: Some(c.version),
        };
        let old_parent = c.parent.map(|p| p.id);
        let target = target.clone();
        async move {
            match api.move_customer(vars).await {
                Ok(moved) => {
                    status.saved("Moved.");
                    tree.changed(&moved.id, &[Some(target), old_parent]);
                    current.set(moved);
                }
                Err(error) => errors.api(error, &["newParentId"]),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let target = parent_id.get_untracked();
        if parent.with_untracked(|p| p.as_ref().map(|p| &p.id) == Some(&target)) {
            errors.set("parentId", "Choose a different parent to move to.");
            return;
        }
        do_move.dispatch(target);
    };
    view! {
        <form class="section-form sub" on:submit=on_submit novalidate data-testid="move-form">
            <h4>"Move"</h4>
            <p class="muted small">
                "Moves this customer with all its customers and devices. Only customers above its level are offered."
            </p>
            <Problem error=Signal::derive(move || errors.general()) resubmit=true />
            <ParentPicker
                parent_id
                current=parent
                errors
                levels
                label="New parent"
                exclude=customer.id.clone()
            />
            <div class="form-actions">
                <button type="submit" class="button secondary" disabled=move || do_move.pending().get()>
                    {move || if do_move.pending().get() { "Moving…" } else { "Move" }}
                </button>
            </div>
        </form>
    }
}
