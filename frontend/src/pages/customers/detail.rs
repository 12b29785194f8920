//! `/customers/<id>[/<section>]`: the selected customer (shared with its sections), its
//! breadcrumb, summary and actions, the section tabs, and the section the address names.

use canopy_shared::{Action as Can, Module};
use cynic::Id;
use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::use_params_map,
};

use super::{
    activities::Activities, branding::Branding, contacts::Contacts, general::General,
    history::History, profile::Profile, users::Users,
};
use crate::{
    api::{
        customers::{Customer, TreeNode},
        use_api, ApiError,
    },
    components::{
        customer_tree::{level_class, removal_block, TreeActions},
        form::Problem,
        trial_badge::TrialBadge,
    },
    state::{use_tree, use_viewer},
};

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
    let api = use_api();
    let tree = use_tree();
    let viewer = use_viewer();
    let params = use_params_map();
    let id = Memo::new(move |_| Id::new(params.with(|p| p.get("id").unwrap_or_default())));
    let customer = LocalResource::new(move || {
        let id = id.get();
        tree.epoch(&id).track();
        async move { api.customer(&id).await }
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
                        {format!("Modules: {}", c.modules.iter().map(|m| m.label()).collect::<Vec<_>>().join(", "))}
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
            SectionKind::General => view! { <General /> }.into_any(),
            SectionKind::Profile => view! { <Profile id=id.clone() /> }.into_any(),
            SectionKind::Contacts => view! { <Contacts id=id.clone() /> }.into_any(),
            SectionKind::Activities => view! { <Activities id=id.clone() /> }.into_any(),
            SectionKind::Branding => view! { <Branding id=id.clone() /> }.into_any(),
            SectionKind::Users => view! { <Users id=id.clone() /> }.into_any(),
            SectionKind::History => view! { <History id=id.clone() /> }.into_any(),
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
