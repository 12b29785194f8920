//! The General form for roles that may edit customers: the fields, saving them, and the
//! customer's other actions (storage location, move, trial conversion) below it.

use canopy_shared as shared;
use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    convert::Convert, draft::Draft, move_form::MoveForm, storage_location::StorageLocationDialog,
};
use crate::{
    api::{
        customers::{Customer, UpdateCustomerInput},
        use_api, CustomerLevel, CustomerState, ServiceType,
    },
    components::{
        form::{Field, FormErrors, Problem},
        pickers::CountryPicker,
    },
    pages::customers::detail::{SaveStatus, Selected},
    state::{use_tree, use_viewer},
};

/// The fields of `updateCustomer` this form has (errors about others go above it).
const FIELDS: &[&str] = &[
    "name",
    "level",
    "serviceType",
    "childServiceTypes",
    "deviceCountry",
    "customerReference",
];

#[component]
pub fn GeneralForm(customer: Customer) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let viewer = use_viewer();
    let selected = expect_context::<Selected>();
    let errors = FormErrors::new();
    let status = expect_context::<SaveStatus>();
    let is_own = viewer.is_root(&customer.id);
    let relocating = RwSignal::new(false);
    // The customer as this form last read or saved it: its version goes with every change.
    let original = RwSignal::new(customer.clone());
    let draft = Draft::new(&customer);
    let geography = LocalResource::new(move || api.geography());
    let geo = Signal::derive(move || geography.get().and_then(Result::ok));

    let save = Action::new_local(move |input: &UpdateCustomerInput| {
        let input = input.clone();
        let id = original.with_untracked(|c| c.id.clone());
        let parent = original.with_untracked(|c| c.parent.as_ref().map(|p| p.id.clone()));
        async move {
            match api.update_customer(id.clone(), input).await {
                Ok(updated) => {
                    original.set(updated);
                    status.saved("Saved.");
                    tree.changed(&id, &[parent]);
                    // The header shows the user's own customer.
                    if viewer.is_root(&id) {
                        if let Ok(console) = api.console().await {
                            viewer.root.set(console.root);
                        }
                    }
                }
                Err(error) => errors.api(error, FIELDS),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        status.clear();
        if let Some(input) = original.with_untracked(|c| draft.changes(c, errors)) {
            save.dispatch(input);
        }
    };

    // Someone else saved since this form read the customer.
    let newer = move || {
        selected
            .get()
            .is_some_and(|c| c.version > original.with(|o| o.version))
    };
    let reload = Callback::new(move |_| {
        if let Some(c) = selected.get_untracked_customer() {
            draft.reset(&c);
            original.set(c);
            errors.clear();
        }
        selected.reload();
    });
    let renamed = move || original.with(|c| draft.renamed(c));
    let country_changed = move || original.with(|c| draft.country_changed(c));
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
                    bind:value=draft.name />
            </Field>
            <LevelAndService customer=customer.clone() draft errors is_own />
            <ChildServiceTypes draft errors />
            <Field id="edit-reference" label="Customer reference" name="customerReference" errors>
                <input id="edit-reference" type="text" maxlength="64" aria-describedby="edit-reference-error" bind:value=draft.reference />
            </Field>
            <div class="field-row">
                <Field id="edit-country" label="Device country" name="deviceCountry" errors
                    hint=Signal::derive(move || country_changed().then(|| "The data storage location will not change.".to_owned()))>
                    <CountryPicker id="edit-country" geography=geo selected=draft.country
                        invalid=Signal::derive(move || errors.field("deviceCountry").is_some()) />
                </Field>
                <StorageLocation current=original relocating />
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
        <TrialConversion current=original />
    }
}

/// The level and the service type, offered as the parent allows (the user's own customer
/// keeps both).
#[component]
fn LevelAndService(
    customer: Customer,
    draft: Draft,
    errors: FormErrors,
    is_own: bool,
) -> impl IntoView {
    let parent = customer.parent.as_ref();
    let levels: Vec<shared::CustomerLevel> = parent
        .map(|p| p.level.shared().allowed_child_levels())
        .unwrap_or_else(|| vec![customer.level.shared()]);
    let types: Vec<ServiceType> = parent
        .map(|p| p.child_service_types.clone())
        .unwrap_or_else(|| vec![customer.service_type]);
    let Draft {
        level,
        service_type,
        ..
    } = draft;
    view! {
        <div class="field-row">
            <Field id="edit-level" label="Customer level" name="level" errors>
                <select id="edit-level" disabled=is_own aria-describedby="edit-level-error"
                    on:change=move |ev| if let Some(l) = CustomerLevel::parse(&event_target_value(&ev)) { level.set(l) }>
                    {levels.into_iter().map(|l| view! {
                        <option value=l.as_str() selected=move || level.get().shared() == l>{l.label()}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field id="edit-service" label="Service type" name="serviceType" errors>
                <select id="edit-service" disabled=is_own aria-describedby="edit-service-error"
                    on:change=move |ev| if let Some(s) = ServiceType::parse(&event_target_value(&ev)) { service_type.set(s) }>
                    {types.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || service_type.get() == s>{s.label()}</option>
                    }).collect_view()}
                </select>
            </Field>
        </div>
    }
}

/// The service types the customer may sell on to its own customers.
#[component]
fn ChildServiceTypes(draft: Draft, errors: FormErrors) -> impl IntoView {
    let child_types = draft.child_types;
    view! {
        <fieldset class="field" aria-describedby="edit-child-types-error">
            <legend>"Child service types"</legend>
            {ServiceType::all().map(|s| {
                let id = format!("child-type-{}", s.as_str());
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
    }
}

/// The data storage location: locked, but support (the root customer's SUPERUSERs) may open
/// the dialog that changes it.
#[component]
fn StorageLocation(current: RwSignal<Customer>, relocating: RwSignal<bool>) -> impl IntoView {
    let can_relocate = use_viewer().can_change_storage_location();
    view! {
        <div class="field">
            <span class="label">"Data storage location"</span>
            <p class="static" id="storage-location-now" data-testid="storage-location">
                {move || current.with(|c| c.storage_location.name.clone())}
            </p>
            {can_relocate.then(|| view! {
                <button type="button" class="button secondary small" data-testid="change-storage-location"
                    aria-describedby="storage-location-now"
                    on:click=move |_| relocating.set(true)>
                    "Change storage location"
                </button>
            })}
        </div>
    }
}

/// The trial conversion, while the customer is in (or past) its trial.
#[component]
fn TrialConversion(current: RwSignal<Customer>) -> impl IntoView {
    move || {
        matches!(
            current.with(|c| c.state),
            CustomerState::InTrial | CustomerState::TrialExpired
        )
        .then(|| view! { <Convert current /> })
    }
}
