//! A customer's records (company profile, contacts, activities), read once for whichever of
//! their three sections is open and read again when the customer changes.

use cynic::Id;
use leptos::prelude::*;

use crate::{
    api::{records::Records, use_api, ApiError},
    components::form::Problem,
    state::use_tree,
};

/// The customer's records, refetched when it changes.
pub fn records_resource(id: Id) -> LocalResource<Result<Option<Records>, ApiError>> {
    let api = use_api();
    let tree = use_tree();
    LocalResource::new(move || {
        let id = id.clone();
        tree.epoch(&id).track();
        async move { api.records(&id).await }
    })
}

/// Shows the records once loaded, with "Try again" on failure.
pub fn with_records(
    records: LocalResource<Result<Option<Records>, ApiError>>,
    show: impl Fn(Records) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        match records.get() {
        None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
        Some(Err(error)) => view! {
            <Problem error=Signal::derive(move || Some(error.clone())) retry=Callback::new(move |_| records.refetch()) />
        }
        .into_any(),
        Some(Ok(None)) => view! { <p class="muted">"This customer is no longer visible to you."</p> }.into_any(),
        // Drawn from the new data only, not from what the form reads while it is built.
        Some(Ok(Some(d))) => untrack(|| show(d)),
    }
    }
}
