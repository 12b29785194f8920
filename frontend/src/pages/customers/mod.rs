//! `/customers`: customer management. The tree (or, while searching or filtering, the matching
//! customers of the whole subtree) beside the selected customer's sections.

mod activities;
mod add;
mod branding;
mod contacts;
pub mod filters;
mod general;
mod history;
mod profile;
mod users;

use canopy_shared::{Action as Can, Module};
use cynic::Id;
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::{use_navigate, use_params_map, use_query_map},
    NavigateOptions,
};

use crate::{
    api::{
        self,
        customers::{Customer, SearchVars, TreeNode},
        ApiError,
    },
    components::{
        customer_tree::{level_class, removal_block, selected_id, CustomerTree, TreeActions},
        dialog::Confirm,
        form::Problem,
        trial_badge::TrialBadge,
    },
    session::use_session,
    state::{use_tree, use_viewer},
};

pub use add::AddCustomerDialog;
use filters::Filters;

/// The customer management page.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let viewer = use_viewer();
    let tree = use_tree();
    let session = use_session();
    let navigate = use_navigate();
    let location = leptos_router::hooks::use_location();

    let adding = RwSignal::new(false);
    let removing = RwSignal::new(None::<TreeNode>);
    let remove_error = RwSignal::new(None::<String>);
    provide_context(TreeActions {
        remove: Callback::new(move |node| {
            remove_error.set(None);
            removing.set(Some(node));
        }),
    });
    let remove = Action::new_local(move |node: &TreeNode| {
        let node = node.clone();
        let navigate = navigate.clone();
        async move {
            let parent = api::customers::customer(session.token().as_deref(), &node.id)
                .await
                .ok()
                .flatten()
                .and_then(|c| c.parent.map(|p| p.id));
            match api::customers::remove(session.token().as_deref(), node.id.clone()).await {
                Ok(_) => {
                    tree.removed(&node.id, parent.clone());
                    removing.set(None);
                    let here = location.pathname.get_untracked();
                    if selected_id(&here).as_ref() == Some(&node.id) {
                        let to = parent
                            .map_or("/customers".into(), |p| format!("/customers/{}", p.inner()));
                        navigate(&to, Default::default());
                    }
                }
                Err(error) => {
                    session.check(&error);
                    remove_error.set(Some(error.to_string()));
                }
            }
        }
    });

    // The filters start from the address and are kept in it (see `filters`).
    let query = use_query_map();
    let filters = RwSignal::new(query.with_untracked(|q| Filters::from_query(|k| q.get(k))));
    {
        let navigate = use_navigate();
        Effect::new(move |_| {
            let wanted = filters.with(Filters::to_query);
            let path = location.pathname.get();
            let have = query.with(|q| Filters::from_query(|k| q.get(k)).to_query());
            // Only while on this page: leaving it must not take the filters along.
            if path.starts_with("/customers") && have != wanted {
                let to = if wanted.is_empty() {
                    path
                } else {
                    format!("{path}?{wanted}")
                };
                navigate(
                    &to,
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..Default::default()
                    },
                );
            }
        });
    }
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
                <div class="filters" role="search" aria-label="Find customers">
                    <div class="field inline grow">
                        <label for="customer-search">"Search"</label>
                        <input id="customer-search" type="search" placeholder="Customer name"
                            prop:value=move || filters.with(|f| f.search.clone())
                            on:input=move |ev| filters.update(|f| f.search = event_target_value(&ev)) />
                    </div>
                    <fieldset class="filter-group" data-testid="level-filter">
                        <legend>"Level"</legend>
                        {filters::LEVELS.into_iter().map(|l| {
                            let id = format!("level-filter-{}", l.shared().as_str());
                            view! {
                                <span class="checkbox">
                                    <input id=id.clone() type="checkbox"
                                        prop:checked=move || filters.with(|f| f.levels.contains(&l))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            filters.update(|f| f.set_level(l, on));
                                        } />
                                    <label for=id>{l.label()}</label>
                                </span>
                            }
                        }).collect_view()}
                    </fieldset>
                    <fieldset class="filter-group" data-testid="state-filter">
                        <legend>"State"</legend>
                        {filters::STATES.into_iter().map(|s| {
                            let id = format!("state-filter-{}", filters::state_value(s));
                            view! {
                                <span class="checkbox">
                                    <input id=id.clone() type="checkbox"
                                        prop:checked=move || filters.with(|f| f.states.contains(&s))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            filters.update(|f| f.set_state(s, on));
                                        } />
                                    <label for=id>{general::state_label(s)}</label>
                                </span>
                            }
                        }).collect_view()}
                    </fieldset>
                    <Show when=filtering>
                        <button type="button" class="button link small" data-testid="clear-filters"
                            on:click=move |_| filters.set(Filters::default())>
                            "Clear filters"
                        </button>
                    </Show>
                </div>
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
            {move || removing.get().map(|node| {
                let name = node.name.clone();
                view! {
                    <Confirm
                        title=format!("Remove {name}?")
                        message=format!("{name} will be removed for good. Its history stays in the audit log.")
                        confirm_label="Remove"
                        pending=remove.pending()
                        error=remove_error
                        on_confirm=Callback::new(move |_| { remove.dispatch(node.clone()); })
                        on_close=Callback::new(move |_| removing.set(None))
                    />
                }
            })}
        </div>
    }
    .into_any()
}

/// Customers anywhere in the user's view that match the search and filters, a page at a time.
#[component]
fn SearchResults(filters: RwSignal<Filters>) -> impl IntoView {
    let session = use_session();
    let tree = use_tree();
    // The query settles a moment after the last keystroke, so typing does not send a request
    // per letter.
    let settled = RwSignal::new(filters.with_untracked(|f| f.search.clone()));
    Effect::new(move |_| {
        let typed = filters.with(|f| f.search.clone());
        set_timeout(
            move || {
                if filters.try_with_untracked(|f| f.search == typed) == Some(true) {
                    settled.set(typed);
                }
            },
            std::time::Duration::from_millis(250),
        );
    });
    let vars = move || {
        filters.with(|f| {
            Filters {
                search: settled.get(),
                ..f.clone()
            }
            .vars()
        })
    };
    let results = RwSignal::new(Vec::<api::customers::Found>::new());
    let total = RwSignal::new(0);
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let load = move |after: Option<String>| {
        let vars = SearchVars {
            after: after.clone(),
            ..vars()
        };
        loading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::customers::search(session.token().as_deref(), vars).await {
                Ok(page) => {
                    if after.is_none() {
                        results.set(page.nodes);
                    } else {
                        results.update(|r| r.extend(page.nodes));
                    }
                    total.set(page.total_count);
                    next.set(page.page_info.next());
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(e));
                }
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| {
        vars();
        tree.revision.track();
        load(None);
    });
    view! {
        <div class="results" data-testid="search-results">
            <p class="muted" role="status">
                {move || if loading.get() { "Searching…".to_owned() } else {
                    match total.get() { 0 => "No customers match.".to_owned(), 1 => "1 customer matches.".to_owned(), n => format!("{n} customers match.") }
                }}
            </p>
            <Problem error=error retry=Callback::new(move |_| load(None)) />
            <ul class="result-list">
                <For each=move || results.get() key=|f| (f.node.id.clone(), f.node.name.clone(), f.node.state) let:found>
                    <li class="result">
                        <A href=format!("/customers/{}", found.node.id.inner())>
                            <span class="node-name">{found.node.name.clone()}</span>
                        </A>
                        <span class=level_class(found.node.level)>{found.node.level.label()}</span>
                        <TrialBadge state=found.node.state.shared() expires_at=found.node.trial_expires_at.clone().map(|t| t.0) />
                        <span class="muted small path">
                            {found.ancestors.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(" › ")}
                        </span>
                    </li>
                </For>
            </ul>
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="button secondary small" disabled=move || loading.get()
                    on:click=move |_| load(next.get_untracked())>
                    "Load more"
                </button>
            </Show>
        </div>
    }
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

/// The selected customer, shared with its sections.
#[derive(Clone, Copy)]
pub struct Selected {
    pub id: Memo<Id>,
    pub customer: LocalResource<Result<Option<Customer>, ApiError>>,
    /// The last customer loaded; unlike the resource, it keeps its value while reloading, so
    /// views of it are not drawn anew for every reload.
    latest: RwSignal<Option<Customer>>,
}

impl Selected {
    /// The loaded customer, if loaded and present.
    pub fn get(&self) -> Option<Customer> {
        self.latest.get()
    }

    /// The loaded customer, without subscribing.
    pub fn get_untracked_customer(&self) -> Option<Customer> {
        self.latest.get_untracked()
    }

    pub fn reload(&self) {
        self.customer.refetch();
    }
}

/// A section of the customer page, as the address names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    General,
    Profile,
    Contacts,
    Activities,
    Branding,
    Users,
    History,
}

impl SectionKind {
    pub const ALL: [SectionKind; 7] = [
        Self::General,
        Self::Profile,
        Self::Contacts,
        Self::Activities,
        Self::Branding,
        Self::Users,
        Self::History,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Profile => "profile",
            Self::Contacts => "contacts",
            Self::Activities => "activities",
            Self::Branding => "branding",
            Self::Users => "users",
            Self::History => "history",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::General => "General",
            Self::Profile => "Company profile",
            Self::Contacts => "Contacts",
            Self::Activities => "Communication activities",
            Self::Branding => "Branding",
            Self::Users => "Users",
            Self::History => "History",
        }
    }

    /// Whether a user with `role` sees this section of a customer with `modules`.
    pub fn visible(self, role: canopy_shared::Role, modules: &[canopy_shared::Module]) -> bool {
        match self {
            Self::Users => {
                role.allows(Can::ManageUsers) && modules.contains(&Module::UserManagement)
            }
            Self::History => role.allows(Can::ViewAudit),
            _ => true,
        }
    }
}

/// `/customers/<id>[/<section>]`: the breadcrumb, the customer's summary and actions, and the
/// section tabs.
#[component]
pub fn CustomerDetail() -> impl IntoView {
    let session = use_session();
    let tree = use_tree();
    let viewer = use_viewer();
    let params = use_params_map();
    let id = Memo::new(move |_| Id::new(params.with(|p| p.get("id").unwrap_or_default())));
    let customer = LocalResource::new(move || {
        let id = id.get();
        tree.epoch(&id).track();
        async move {
            let result = api::customers::customer(session.token().as_deref(), &id).await;
            if let Err(e) = &result {
                session.check(e);
            }
            result
        }
    });
    let latest = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(result) = customer.get() {
            latest.set(result.ok().flatten());
        }
    });
    let selected = Selected {
        id,
        customer,
        latest,
    };
    provide_context(selected);
    let can_manage = viewer.can(Can::ManageCustomers);
    let removing = use_context::<TreeActions>();

    let head = move || {
        // While reloading, the last customer stays on screen.
        let state = match customer.get() {
            Some(Err(e)) => Some(Err(e)),
            Some(Ok(None)) => Some(Ok(None)),
            _ => latest.get().map(|c| Ok(Some(c))),
        };
        state.map(|result| match result {
            Err(error) => view! {
                <Problem error=Signal::derive(move || Some(error.clone())) retry=Callback::new(move |_| customer.refetch()) />
            }.into_any(),
            Ok(None) => view! {
                <p class="muted">"This customer does not exist or is not visible to you."</p>
            }.into_any(),
            Ok(Some(c)) => {
                let is_own = viewer.is_root(&c.id);
                let node = TreeNode {
                    id: c.id.clone(), name: c.name.clone(), level: c.level, state: c.state,
                    trial_expires_at: c.trial_expires_at.clone(), child_count: c.child_count,
                    device_count: c.device_count, removable: c.removable,
                };
                let block = removal_block(&node, is_own);
                let modules: Vec<canopy_shared::Module> = c.modules.iter().map(|m| m.shared()).collect();
                let role = viewer.role();
                let base = format!("/customers/{}", c.id.inner());
                view! {
                    <nav aria-label="Breadcrumb" class="breadcrumb" data-testid="breadcrumb">
                        <ol>
                            {c.ancestors.clone().into_iter().map(|a| view! {
                                <li><A href=format!("/customers/{}", a.id.inner())>{a.name}</A></li>
                            }).collect_view()}
                            <li aria-current="page">{c.name.clone()}</li>
                        </ol>
                    </nav>
                    <div class="detail-head">
                        <h2 data-testid="detail-name">{c.name.clone()}</h2>
                        <span class=level_class(c.level)>{c.level.label()}</span>
                        <TrialBadge state=c.state.shared() expires_at=c.trial_expires_at.clone().map(|t| t.0) />
                        {can_manage.then(|| {
                            let reason = removal_block(&node, is_own);
                            let node = node.clone();
                            view! {
                                <button type="button" class="button secondary small" data-testid="detail-remove"
                                    aria-disabled=block.is_some().to_string()
                                    aria-describedby="remove-reason"
                                    on:click=move |_| if block.is_none() {
                                        if let Some(r) = removing { r.remove.run(node.clone()); }
                                    }>
                                    "Remove"
                                </button>
                                <span id="remove-reason" class="muted small" data-testid="remove-reason">
                                    {reason}
                                </span>
                            }
                        })}
                    </div>
                    <p class="muted small">
                        {format!("Modules: {}", c.modules.iter().map(|m| module_label(m.shared())).collect::<Vec<_>>().join(", "))}
                    </p>
                    <nav class="tabs" aria-label="Customer sections">
                        {SectionKind::ALL.into_iter().filter(|s| s.visible(role, &modules)).map(|s| view! {
                            <A href=format!("{base}/{}", s.slug())>{s.label()}</A>
                        }).collect_view()}
                    </nav>
                }.into_any()
            }
        })
    };

    view! {
        <div class="card detail" data-testid="customer-detail">
            {head}
            <Outlet />
        </div>
    }
}

/// How the original product names a module.
pub fn module_label(module: canopy_shared::Module) -> &'static str {
    use canopy_shared::Module::*;
    match module {
        AutomaticDeployment => "Automatic deployment",
        BackupProfiles => "Backup profiles",
        CustomerManagement => "Customer management",
        DeviceManagement => "Device management",
        Downloads => "Downloads",
        HistoricalCharts => "Historical charts",
        ProductManagement => "Product management",
        UserManagement => "User management",
    }
}

/// What the section's last save did ("Saved."), shown beside the section rather than in its
/// form, which is drawn anew from the saved data.
#[derive(Clone, Copy, Debug)]
pub struct SaveStatus(pub RwSignal<Option<String>>);

impl SaveStatus {
    pub fn saved(&self, message: &str) {
        self.0.set(Some(message.to_owned()));
    }

    pub fn clear(&self) {
        self.0.set(None);
    }
}

/// The section the address names (General when none).
#[component]
pub fn Section() -> impl IntoView {
    let params = use_params_map();
    let viewer = use_viewer();
    let selected = expect_context::<Selected>();
    let slug = Memo::new(move |_| {
        params
            .with(|p| p.get("section"))
            .unwrap_or_else(|| "general".into())
    });
    let modules = Memo::new(move |_| {
        selected
            .get()
            .map(|c| c.modules.iter().map(|m| m.shared()).collect::<Vec<_>>())
    });
    let status = SaveStatus(RwSignal::new(None));
    provide_context(status);
    Effect::new(move |_| {
        slug.track();
        status.clear();
    });
    let content = move || {
        let Some(kind) = SectionKind::parse(&slug.get()) else {
            return view! { <p class="muted">"There is no such section."</p> }.into_any();
        };
        if modules.with(|m| m.as_ref().is_some_and(|m| !kind.visible(viewer.role(), m))) {
            return view! { <p class="muted">"Your role does not give access to this section."</p> }.into_any();
        }
        let id = selected.id.get();
        // Drawn anew for another section or customer only, not for what a section reads.
        let content = untrack(|| match kind {
            SectionKind::General => view! { <general::General /> }.into_any(),
            SectionKind::Profile => view! { <profile::Profile id=id.clone() /> }.into_any(),
            SectionKind::Contacts => view! { <contacts::Contacts id=id.clone() /> }.into_any(),
            SectionKind::Activities => {
                view! { <activities::Activities id=id.clone() /> }.into_any()
            }
            SectionKind::Branding => view! { <branding::Branding id=id.clone() /> }.into_any(),
            SectionKind::Users => view! { <users::Users id=id.clone() /> }.into_any(),
            SectionKind::History => view! { <history::History id=id.clone() /> }.into_any(),
        });
        view! {
            <section class="section" aria-label=kind.label() data-testid=format!("section-{}", kind.slug())>
                <h3>{kind.label()}</h3>
                <p class="success" role="status" data-testid="saved">{move || status.0.get()}</p>
                {content}
            </section>
        }
        .into_any()
    };
    content
}

#[cfg(test)]
mod tests {
    use super::*;
    use canopy_shared::{CustomerLevel, Role};

    #[test]
    fn sections_round_trip_through_the_address() {
        for s in SectionKind::ALL {
            assert_eq!(SectionKind::parse(s.slug()), Some(s));
        }
        assert_eq!(SectionKind::parse("nope"), None);
    }

    #[test]
    fn users_and_history_follow_role_and_level() {
        let all = Module::for_level(CustomerLevel::Reseller);
        assert!(SectionKind::Users.visible(Role::Administrator, &all));
        assert!(!SectionKind::Users.visible(Role::Manager, &all));
        assert!(!SectionKind::History.visible(Role::Supporter, &all));
        assert!(SectionKind::Branding.visible(Role::Supporter, &all));
    }
}
