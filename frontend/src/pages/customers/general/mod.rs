//! The General section: name (with the sign-in warning), parent (move), level, service types,
//! reference, device country (the storage location stays), and converting a trial. Read-only
//! for roles that may not edit customers.

mod convert;
mod draft;
mod form;
mod move_form;
mod storage_location;

use canopy_shared::Action as Can;
use leptos::prelude::*;

use super::detail::Selected;
use crate::{api::customers::Customer, state::use_viewer};
use form::GeneralForm;

#[component]
pub fn General() -> impl IntoView {
    let selected = expect_context::<Selected>();
    let viewer = use_viewer();
    // Drawn once per customer: saves update the form in place, and a change by someone else
    // is announced rather than typed over.
    let shown = Memo::new(move |_| selected.get().map(|c| c.id));
    move || {
        shown.get()?;
        // Only `shown` decides when to draw anew, not what the form reads while it is built.
        untrack(|| {
            selected.get_untracked_customer().map(|customer| {
                if viewer.can(Can::ManageCustomers) {
                    view! { <GeneralForm customer /> }.into_any()
                } else {
                    view! { <GeneralView customer /> }.into_any()
                }
            })
        })
    }
}

/// The general fields, read-only (for roles that may not edit customers).
#[component]
fn GeneralView(customer: Customer) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="general-facts">
            <dt>"Name"</dt><dd>{customer.name.clone()}</dd>
            <dt>"Parent"</dt><dd>{customer.parent.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "—".into())}</dd>
            <dt>"Customer level"</dt><dd>{customer.level.label()}</dd>
            <dt>"Service type"</dt><dd>{customer.service_type.label()}</dd>
            <dt>"Child service types"</dt><dd>{customer.child_service_types.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")}</dd>
            <dt>"Device country"</dt><dd>{customer.device_country.name.clone()}</dd>
            <dt>"Data storage location"</dt><dd data-testid="storage-location">{customer.storage_location.name.clone()}</dd>
            <dt>"Customer reference"</dt><dd>{customer.customer_reference.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"State"</dt><dd>{customer.state.label()}</dd>
        </dl>
    }
}
