//! "Add customer": the form for a new customer under a chosen parent, offering only what the
//! rules allow there (levels below the parent's, the parent's child service types) and
//! choosing the data storage location from the device country as DOMAIN.md says.

use canopy_shared::{customer::parse_reference, CustomerName};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::hooks::{use_location, use_navigate};

use crate::{
    api::{customers::CreateCustomerInput, use_api, CustomerLevel, ServiceType},
    components::{
        combobox::Choice,
        customer_tree::selected_id,
        dialog::Modal,
        form::{optional, Field, FormErrors, Problem},
        pickers::{CountryPicker, ParentPicker},
    },
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &[
    "parentId",
    "name",
    "level",
    "serviceType",
    "deviceCountry",
    "storageLocation",
    "customerReference",
];

#[component]
pub fn AddCustomerDialog(on_close: Callback<()>) -> impl IntoView {
    let api = use_api();
    let viewer = use_viewer();
    let tree = use_tree();
    let navigate = use_navigate();
    let location = use_location();
    let errors = FormErrors::new();

    // The parent: the customer on screen, or the user's own.
    let start = location
        .pathname
        .with_untracked(|p| selected_id(p))
        .unwrap_or_else(|| viewer.root_id());
    let parent_id = RwSignal::new(start);
    let parent = LocalResource::new(move || {
        let id = parent_id.get();
        async move { api.parent(&id).await }
    });
    let parent_now = move || parent.get().and_then(Result::ok).flatten();
    let geography = LocalResource::new(move || api.geography());
    let geo = Signal::derive(move || geography.get().and_then(Result::ok));

    let name = RwSignal::new(String::new());
    let level = RwSignal::new(None::<CustomerLevel>);
    let service_type = RwSignal::new(None::<ServiceType>);
    let country = RwSignal::new(None::<Choice>);
    let storage = RwSignal::new(String::new());
    let in_trial = RwSignal::new(false);
    let reference = RwSignal::new(String::new());

    // Choices follow the parent: the first allowed level and service type unless still valid.
    Effect::new(move |_| {
        if let Some(p) = parent_now() {
            let levels = p.level.shared().allowed_child_levels();
            if levels.is_empty() {
                errors.set(
                    "parentId",
                    "A site has no customers of its own: choose another parent.",
                );
            }
            if !level
                .get_untracked()
                .is_some_and(|l| levels.contains(&l.shared()))
            {
                level.set(levels.first().copied().map(Into::into));
            }
            if !service_type
                .get_untracked()
                .is_some_and(|s| p.child_service_types.contains(&s))
            {
                service_type.set(p.child_service_types.first().copied());
            }
        }
    });
    // The country's own data center, when it has one: then the location is fixed.
    let country_center = move || {
        let code = country.get()?.value;
        geo.with(|g| {
            g.as_ref()?
                .countries
                .iter()
                .find(|c| c.code == code)?
                .data_center
                .clone()
        })
    };
    Effect::new(move |_| {
        if let Some(dc) = country_center() {
            storage.set(dc.code);
        }
    });

    let create = Action::new_local(move |input: &CreateCustomerInput| {
        let input = input.clone();
        let navigate = navigate.clone();
        async move {
            let parent = input.parent_id.clone();
            match api.create_customer(input).await {
                Ok(created) => {
                    tree.changed(&created.id, &[Some(parent.clone())]);
                    if let Some(node) = tree.get(&parent) {
                        tree.expand(node);
                    }
                    on_close.run(());
                    navigate(
                        &format!("/customers/{}", created.id.inner()),
                        Default::default(),
                    );
                }
                Err(error) => errors.api(error, FIELDS),
            }
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let Some(p) = parent_now() else {
            errors.set("parentId", "Choose the parent customer.");
            return;
        };
        let checked_name = CustomerName::parse(&name.get_untracked());
        if let Err(message) = &checked_name {
            errors.set("name", message.clone());
        }
        let Some(level) = level.get_untracked() else {
            errors.set("level", "Choose a customer level.");
            return;
        };
        let Some(service_type) = service_type.get_untracked() else {
            errors.set("serviceType", "Choose a service type.");
            return;
        };
        let country = country.get_untracked();
        if country.is_none() {
            errors.set("deviceCountry", "Choose the device country from the list.");
        }
        let fixed = country_center();
        let storage_location = optional(&storage.get_untracked());
        if fixed.is_none() && storage_location.is_none() && country.is_some() {
            errors.set(
                "storageLocation",
                "This country has no data center: choose a data storage location.",
            );
        }
        let reference = parse_reference(Some(&reference.get_untracked()));
        if let Err(message) = &reference {
            errors.set("customerReference", message.clone());
        }
        if errors.has_any() {
            return;
        }
        create.dispatch(CreateCustomerInput {
            parent_id: p.id,
            name: checked_name
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            level,
            service_type,
            child_service_types: None,
            device_country: country.map(|c| c.value).unwrap_or_default(),
            // Sent only when the user chose it: a country with a data center decides by itself.
            storage_location: if fixed.is_some() {
                None
            } else {
                storage_location
            },
            in_trial: in_trial.get_untracked(),
            customer_reference: reference.ok().flatten(),
        });
    };

    view! {
        <Modal title="Add customer" on_close=on_close wide=true>
            <form on:submit=on_submit novalidate data-testid="add-customer-form">
                <Problem error=Signal::derive(move || errors.general()) resubmit=true />
                <ParentPicker parent_id current=Signal::derive(parent_now) errors />
                <Field id="new-name" label="Name" name="name" errors>
                    <input id="new-name" type="text" autofocus maxlength="128"
                        aria-invalid=move || errors.field("name").is_some().to_string()
                        aria-describedby="new-name-error"
                        bind:value=name />
                </Field>
                <div class="field-row">
                    <Field id="new-level" label="Customer level" name="level" errors>
                        <select id="new-level" aria-describedby="new-level-error"
                            on:change=move |ev| level.set(CustomerLevel::parse(&event_target_value(&ev)))>
                            {move || parent_now().map(|p| p.level.shared().allowed_child_levels().into_iter().map(|l| view! {
                                <option value=l.as_str() selected=move || level.get().map(|x| x.shared()) == Some(l)>{l.label()}</option>
                            }).collect_view())}
                        </select>
                    </Field>
                    <Field id="new-service" label="Service type" name="serviceType" errors>
                        <select id="new-service" aria-describedby="new-service-error"
                            on:change=move |ev| service_type.set(ServiceType::parse(&event_target_value(&ev)))>
                            {move || parent_now().map(|p| p.child_service_types.into_iter().map(|s| view! {
                                <option value=s.shared().as_str() selected=move || service_type.get() == Some(s)>{s.label()}</option>
                            }).collect_view())}
                        </select>
                    </Field>
                </div>
                <div class="field-row">
                    <Field id="new-country" label="Device country" name="deviceCountry" errors>
                        <CountryPicker id="new-country" geography=geo selected=country
                            invalid=Signal::derive(move || errors.field("deviceCountry").is_some()) />
                    </Field>
                    <Field id="new-storage" label="Data storage location" name="storageLocation" errors
                        hint=Signal::derive(move || Some(match (country.get(), country_center()) {
                            (_, Some(dc)) => format!("Set by the device country: data is stored in {}.", dc.name),
                            (Some(_), None) => "The device country has no data center: choose where data is stored.".to_owned(),
                            (None, None) => "Follows the device country where it has a data center.".to_owned(),
                        }))>
                        <select id="new-storage" aria-describedby="new-storage-error new-storage-hint"
                            disabled=move || country_center().is_some()
                            aria-invalid=move || errors.field("storageLocation").is_some().to_string()
                            on:change=move |ev| storage.set(event_target_value(&ev))>
                            <option value="" selected=move || storage.get().is_empty()>"Choose a location"</option>
                            {move || geo.get().map(|g| g.data_centers.into_iter().map(|dc| {
                                let code = dc.code.clone();
                                view! { <option value=dc.code.clone() selected=move || storage.get() == code>{dc.name}</option> }
                            }).collect_view())}
                        </select>
                    </Field>
                </div>
                <div class="field checkbox">
                    <input id="new-trial" type="checkbox" bind:checked=in_trial />
                    <label for="new-trial">"In trial (30 days)"</label>
                </div>
                <Field id="new-reference" label="Customer reference" name="customerReference" errors>
                    <input id="new-reference" type="text" maxlength="64" aria-describedby="new-reference-error" bind:value=reference />
                </Field>
                <div class="form-actions">
                    <button type="button" class="button secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        {move || if create.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
