//! The General section: name (with the sign-in warning), parent (move), level, service types,
//! reference, device country (the storage location stays), and converting a trial.

use canopy_shared::{customer::parse_reference, Action as Can, CustomerName};
use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    add::{level_from, service_from, CountryPicker, ParentPicker},
    SaveStatus, Selected,
};
use crate::{
    api::{
        self,
        customers::{Customer, Geography, MoveVars, StorageLocationVars, UpdateCustomerInput},
        ApiError, CustomerState, ServiceType,
    },
    components::{
        combobox::Choice,
        dialog::Modal,
        form::{Field, FormErrors, Problem},
    },
    session::use_session,
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &[
    "name",
    "level",
    "serviceType",
    "childServiceTypes",
    "deviceCountry",
    "customerReference",
];

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
            <dt>"State"</dt><dd>{state_label(customer.state)}</dd>
        </dl>
    }
}

pub fn state_label(state: CustomerState) -> &'static str {
    match state {
        CustomerState::InTrial => "In trial",
        CustomerState::TrialExpired => "Trial expired",
        CustomerState::InProduction => "In production",
    }
}

#[component]
fn GeneralForm(customer: Customer) -> impl IntoView {
    let session = use_session();
    let tree = use_tree();
    let viewer = use_viewer();
    let selected = expect_context::<Selected>();
    let errors = FormErrors::new();
    let status = expect_context::<SaveStatus>();
    let is_own = viewer.is_root(&customer.id);
    // Storage locations are locked, but support (the root customer's SUPERUSERs) may change one.
    let can_relocate = viewer.can_change_storage_location();
    let relocating = RwSignal::new(false);
    // The customer as this form last read or saved it: its version goes with every change.
    let original = RwSignal::new(customer.clone());

    let name = RwSignal::new(customer.name.clone());
    let level = RwSignal::new(customer.level);
    let service_type = RwSignal::new(customer.service_type);
    let child_types = RwSignal::new(customer.child_service_types.clone());
    let reference = RwSignal::new(customer.customer_reference.clone().unwrap_or_default());
    let country = RwSignal::new(Some(Choice {
        value: customer.device_country.code.clone(),
        label: customer.device_country.name.clone(),
        hint: None,
    }));
    let geography = LocalResource::new(move || async move {
        api::customers::geography(session.token().as_deref()).await
    });
    let geo = Signal::derive(move || geography.get().and_then(Result::ok));
    let parent = customer.parent.clone();
    let parent_levels: Vec<canopy_shared::CustomerLevel> = parent
        .as_ref()
        .map(|p| p.level.shared().allowed_child_levels())
        .unwrap_or_else(|| vec![customer.level.shared()]);
    let parent_types: Vec<ServiceType> = parent
        .as_ref()
        .map(|p| p.child_service_types.clone())
        .unwrap_or_else(|| vec![customer.service_type]);

    let renamed = move || original.with(|c| name.with(|n| n.trim() != c.name));
    let country_changed = move || {
        original.with(|c| {
            country.with(|k| {
                k.as_ref().map(|k| k.value.as_str()) != Some(c.device_country.code.as_str())
            })
        })
    };

    let save = Action::new_local(move |input: &UpdateCustomerInput| {
        let input = input.clone();
        let id = original.with_untracked(|c| c.id.clone());
        let parent = original.with_untracked(|c| c.parent.as_ref().map(|p| p.id.clone()));
        async move {
            match api::customers::update(session.token().as_deref(), id.clone(), input).await {
                Ok(updated) => {
                    original.set(updated);
                    status.saved("Saved.");
                    tree.changed(&id, &[parent]);
                    if viewer.is_root(&id) {
                        if let Ok(console) =
                            api::customers::console(session.token().as_deref()).await
                        {
                            viewer.root.set(console.root);
                        }
                    }
                }
                Err(error) => {
                    session.check(&error);
                    errors.api(error, FIELDS);
                }
            }
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        status.clear();
        let checked = CustomerName::parse(&name.get_untracked());
        if let Err(m) = &checked {
            errors.set("name", m.clone());
        }
        let reference = parse_reference(Some(&reference.get_untracked()));
        if let Err(m) = &reference {
            errors.set("customerReference", m.clone());
        }
        if child_types.with_untracked(Vec::is_empty) {
            errors.set(
                "childServiceTypes",
                "Choose at least one service type to sell on.",
            );
        }
        let Some(country) = country.get_untracked() else {
            errors.set("deviceCountry", "Choose the device country from the list.");
            return;
        };
        if errors.has_any() {
            return;
        }
        let c = original.get_untracked();
        let name = checked.map(|n| n.as_str().to_owned()).unwrap_or_default();
        save.dispatch(UpdateCustomerInput {
            name: (name != c.name).then_some(name),
            level: (level.get_untracked() != c.level).then_some(level.get_untracked()),
            service_type: (service_type.get_untracked() != c.service_type)
                .then_some(service_type.get_untracked()),
            child_service_types: (child_types.get_untracked() != c.child_service_types)
                .then(|| child_types.get_untracked()),
            device_country: (country.value != c.device_country.code).then_some(country.value),
            customer_reference: Some(reference.ok().flatten().unwrap_or_default()),
            expected_version: Some(c.version),
        });
    };

    // Someone else saved since this form read the customer.
    let newer = move || {
        selected
            .get()
            .is_some_and(|c| c.version > original.with(|o| o.version))
    };
    let reset = move |c: Customer| {
        name.set(c.name.clone());
        level.set(c.level);
        service_type.set(c.service_type);
        child_types.set(c.child_service_types.clone());
        reference.set(c.customer_reference.clone().unwrap_or_default());
        country.set(Some(Choice {
            value: c.device_country.code.clone(),
            label: c.device_country.name.clone(),
            hint: None,
        }));
        original.set(c);
        errors.clear();
    };
    let reload = Callback::new(move |_| {
        if let Some(c) = selected.get_untracked_customer() {
            reset(c);
        }
        selected.reload();
    });
    view! {
        <form class="section-form" on:submit=on_submit novalidate data-testid="general-form">
            <Show when=newer>
                <div class="notice problem" role="status" data-testid="changed-elsewhere">
                    <span>"Someone else changed this customer since you opened it."</span>
                    <button type="button" class="button secondary small" on:click=move |_| reload.run(())>"Reload"</button>
                </div>
            </Show>
            <Problem error=Signal::derive(move || errors.general()) reload=reload resubmit=true />
            <Field id="edit-name" label="Name" name="name" errors
                hint=Signal::derive(move || renamed().then(|| "After renaming, this customer's users must sign in with the new name.".to_owned()))>
                <input id="edit-name" type="text" maxlength="128"
                    aria-describedby="edit-name-error edit-name-hint"
                    aria-invalid=move || errors.field("name").is_some().to_string()
                    bind:value=name />
            </Field>
            <div class="field-row">
                <Field id="edit-level" label="Customer level" name="level" errors>
                    <select id="edit-level" disabled=is_own aria-describedby="edit-level-error"
                        on:change=move |ev| if let Some(l) = level_from(&event_target_value(&ev)) { level.set(l) }>
                        {parent_levels.into_iter().map(|l| view! {
                            <option value=l.as_str() selected=move || level.get().shared() == l>{l.label()}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field id="edit-service" label="Service type" name="serviceType" errors>
                    <select id="edit-service" disabled=is_own aria-describedby="edit-service-error"
                        on:change=move |ev| if let Some(s) = service_from(&event_target_value(&ev)) { service_type.set(s) }>
                        {parent_types.into_iter().map(|s| view! {
                            <option value=s.shared().as_str() selected=move || service_type.get() == s>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </Field>
            </div>
            <fieldset class="field" aria-describedby="edit-child-types-error">
                <legend>"Child service types"</legend>
                {[ServiceType::AllInclusive, ServiceType::SoftwareOnly].into_iter().map(|s| {
                    let id = format!("child-type-{}", s.shared().as_str());
                    view! {
                        <span class="checkbox">
                            <input id=id.clone() type="checkbox"
                                prop:checked=move || child_types.with(|t| t.contains(&s))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    child_types.update(|t| { t.retain(|x| *x != s); if on { t.push(s) } });
                                } />
                            <label for=id>{s.label()}</label>
                        </span>
                    }
                }).collect_view()}
                <p id="edit-child-types-error" class="field-error" role="alert">{move || errors.field("childServiceTypes")}</p>
            </fieldset>
            <Field id="edit-reference" label="Customer reference" name="customerReference" errors>
                <input id="edit-reference" type="text" maxlength="64" aria-describedby="edit-reference-error" bind:value=reference />
            </Field>
            <div class="field-row">
                <Field id="edit-country" label="Device country" name="deviceCountry" errors
                    hint=Signal::derive(move || country_changed().then(|| "The data storage location will not change.".to_owned()))>
                    <CountryPicker id="edit-country" geography=geo selected=country
                        invalid=Signal::derive(move || errors.field("deviceCountry").is_some()) />
                </Field>
                <div class="field">
                    <span class="label">"Data storage location"</span>
                    <p class="static" id="storage-location-now" data-testid="storage-location">
                        {move || original.with(|c| c.storage_location.name.clone())}
                    </p>
                    {can_relocate.then(|| view! {
                        <button type="button" class="button secondary small" data-testid="change-storage-location"
                            aria-describedby="storage-location-now"
                            on:click=move |_| relocating.set(true)>
                            "Change storage location"
                        </button>
                    })}
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
        <Show when=move || relocating.get()>
            <StorageLocationDialog current=original geography=geo
                on_close=Callback::new(move |_| relocating.set(false)) />
        </Show>
        {(!is_own).then(|| view! { <MoveForm current=original /> })}
        {move || {
            matches!(original.with(|c| c.state), CustomerState::InTrial | CustomerState::TrialExpired)
                .then(|| view! { <Convert current=original /> })
        }}
    }
}

/// Moving the customer, with its subtree, under another parent.
#[component]
fn MoveForm(current: RwSignal<Customer>) -> impl IntoView {
    let session = use_session();
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
        canopy_shared::CustomerLevel::ALL
            .into_iter()
            .filter(|p| level.may_be_child_of(*p))
            .map(Into::into)
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
            match api::customers::move_to(session.token().as_deref(), vars).await {
                Ok(moved) => {
                    status.saved("Moved.");
                    tree.changed(&moved.id, &[Some(target), old_parent]);
                    current.set(moved);
                }
                Err(error) => {
                    session.check(&error);
                    errors.api(error, &["newParentId"]);
                }
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

/// Converting a trial to production.
#[component]
fn Convert(current: RwSignal<Customer>) -> impl IntoView {
    let session = use_session();
    let tree = use_tree();
    let error = RwSignal::new(None::<ApiError>);
    let status = expect_context::<SaveStatus>();
    let convert = Action::new_local(move |_: &()| {
        let c = current.get_untracked();
        let parent = c.parent.map(|p| p.id);
        async move {
            match api::customers::convert_to_production(session.token().as_deref(), c.id.clone())
                .await
            {
                Ok(converted) => {
                    status.saved("Converted to production.");
                    tree.changed(&converted.id, &[parent]);
                    current.set(converted);
                }
                Err(e) => {
                    session.check(&e);
                    error.set(Some(e));
                }
            }
        }
    });
    let run = move || {
        error.set(None);
        convert.dispatch(());
    };
    let text = move || {
        current.with(|c| match c.trial_expires_at.as_ref() {
            Some(at) => format!("{} (ends {}).", state_label(c.state), at.date()),
            None => state_label(c.state).to_owned(),
        })
    };
    view! {
        <div class="section-form sub">
            <h4>"Trial"</h4>
            <p class="muted small">{text}</p>
            <Problem error=error retry=Callback::new(move |_| run()) />
            <button
                type="button"
                class="button secondary"
                disabled=move || convert.pending().get()
                on:click=move |_| run()
            >
                {move || if convert.pending().get() { "Converting…" } else { "Convert to production" }}
            </button>
        </div>
    }
}

/// Changing the storage location, a support action: the dialog says what it does and only then
/// changes it. Errors appear beside the choice (or above it when they concern no field).
#[component]
fn StorageLocationDialog(
    current: RwSignal<Customer>,
    #[prop(into)] geography: Signal<Option<Geography>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let session = use_session();
    let tree = use_tree();
    let status = expect_context::<SaveStatus>();
    let errors = FormErrors::new();
    let (name, from_code, from_name) = current.with_untracked(|c| {
        (
            c.name.clone(),
            c.storage_location.code.clone(),
            c.storage_location.name.clone(),
        )
    });
    let chosen = RwSignal::new(from_code.clone());
    let change = Action::new_local(move |code: &String| {
        let c = current.get_untracked();
        let vars = StorageLocationVars {
            id: c.id.clone(),
            storage_location: code.clone(),
        };
        let parent = c.parent.map(|p| p.id);
        async move {
            match api::customers::change_storage_location(session.token().as_deref(), vars).await {
                Ok(changed) => {
                    status.saved(&format!(
                        "Data storage location changed to {}.",
                        changed.storage_location.name
                    ));
                    tree.changed(&changed.id, &[parent]);
                    current.set(changed);
                    on_close.run(());
                }
                Err(error) => {
                    session.check(&error);
                    errors.api(error, &["storageLocation"]);
                }
            }
        }
    });
    let from = from_code.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let code = chosen.get_untracked();
        if code == from {
            errors.set(
                "storageLocation",
                "Choose a data storage location other than the current one.",
            );
            return;
        }
        change.dispatch(code);
    };
    let retry = Callback::new(move |_| {
        errors.clear();
        change.dispatch(chosen.get_untracked());
    });
    view! {
        <Modal title="Change data storage location" on_close>
            <form on:submit=on_submit novalidate data-testid="storage-location-form">
                <p>
                    {format!("{name} stores its data in {from_name}. ")}
                    "Devices added from now on store their backups in the location you choose; "
                    "existing devices keep theirs. "
                    "Only support may make this change, and it is recorded in the customer's history."
                </p>
                <Problem error=Signal::derive(move || errors.general()) retry />
                <Field id="new-storage-location" label="New data storage location" name="storageLocation" errors>
                    <select id="new-storage-location" autofocus
                        aria-describedby="new-storage-location-error"
                        aria-invalid=move || errors.field("storageLocation").is_some().to_string()
                        on:change=move |ev| chosen.set(event_target_value(&ev))>
                        {move || geography.get().map(|g| g.data_centers.into_iter().map(|dc| {
                            let code = dc.code.clone();
                            view! {
                                <option value=dc.code.clone() selected=move || chosen.with(|c| *c == code)>
                                    {dc.name}
                                </option>
                            }
                        }).collect_view())}
                    </select>
                </Field>
                <div class="form-actions">
                    <button type="button" class="button secondary" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="button danger" disabled=move || change.pending().get()>
                        {move || if change.pending().get() { "Changing…" } else { "Change storage location" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
