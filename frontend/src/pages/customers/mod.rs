//! `/customers`: customer management. The tree (or, while searching or filtering, the matching
//! customers of the whole subtree) beside the selected customer's sections.

mod activities;
mod add;
mod branding;
mod contacts;
mod detail;
pub mod filters;
mod general;
mod history;
mod profile;
mod records;
mod remove;
mod search;
mod users;

use canopy_shared::{Action as Can, Module};
use leptos::prelude::*;
use leptos_router::components::Outlet;

pub use add::AddCustomerDialog;
pub use detail::{CustomerDetail, Section};
use filters::{filters_in_address, FilterPanel, Filters};
use remove::{Removal, RemoveCustomer};
use search::SearchResults;

use crate::{components::customer_tree::CustomerTree, state::use_viewer};

/// The customer management page.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let viewer = use_viewer();
    let adding = RwSignal::new(false);
    let removal = Removal::provide();
    let filters = filters_in_address();
    let filtering = move || filters.with(Filters::is_active);
    let can_manage = viewer.can(Can::ManageCustomers);
    let root = viewer.root.with_untracked(|r| r.node.clone());
    if !viewer.has_module(Module::CustomerManagement) {
        return view! {
            <section class="card empty-detail">
                <p class="muted">"Customer management is not available at your customer level."</p>
            </section>
        }
        .into_any();
    }

    view! {
        <div class="customers-page">
            <section class="card tree-pane" aria-labelledby="customers-title">
                <div class="pane-head">
                    <h1 id="customers-title">"Customers"</h1>
                    {can_manage.then(|| view! {
                        <button type="button" class="button primary" data-testid="add-customer" on:click=move |_| adding.set(true)>
                            "Add customer"
                        </button>
                    })}
                </div>
                <FilterPanel filters />
                <Show when=filtering fallback=move || view! { <CustomerTree root=root.clone() /> }>
                    <SearchResults filters />
                </Show>
            </section>
            <section class="detail-pane">
                <Outlet />
            </section>
            <Show when=move || adding.get()>
                <AddCustomerDialog on_close=Callback::new(move |_| adding.set(false)) />
            </Show>
            <RemoveCustomer removal />
        </div>
    }
    .into_any()
}

/// The detail pane before a customer is chosen.
#[component]
pub fn NoSelection() -> impl IntoView {
    view! {
        <div class="card empty-detail">
            <p class="muted">"Choose a customer in the tree to see and edit it."</p>
        </div>
    }
}
