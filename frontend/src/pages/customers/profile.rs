//! The Company profile section: legal and contact data, postal address, billing.

use canopy_shared::Action as Can;
use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};

use super::{
    detail::SaveStatus,
    records::{records_resource, with_records},
};
use crate::{
    api::{
        profile::{CompanyProfileInput, PostalAddressInput, ProfileVars},
        records::Records,
        use_api,
    },
    components::{
        combobox::upper,
        form::{optional, Field, FormErrors, Problem},
    },
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &[
    "legalName",
    "website",
    "phone",
    "vatNumber",
    "chamberOfCommerceNumber",
    "street",
    "city",
    "district",
    "state",
    "zipCode",
    "country",
    "billingContactId",
    "billingEmail",
];

#[component]
pub fn Profile(id: Id) -> impl IntoView {
    let records = records_resource(id.clone());
    with_records(records, move |r| {
        view! { <ProfileForm records=r /> }.into_any()
    })
}

#[component]
fn ProfileForm(records: Records) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let viewer = use_viewer();
    let editable = viewer.can(Can::ManageCustomers);
    let errors = FormErrors::new();
    let status = expect_context::<SaveStatus>();
    let p = records.profile.clone();
    let text = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let legal_name = text(&p.legal_name);
    let website = text(&p.website);
    let phone = text(&p.phone);
    let vat = text(&p.vat_number);
    let coc = text(&p.chamber_of_commerce_number);
    let street = text(&p.address.street);
    let city = text(&p.address.city);
    let district = text(&p.address.district);
    let state = text(&p.address.state);
    let zip = text(&p.address.zip_code);
    let country = text(&p.address.country);
    let billing_email = text(&p.billing_email);
    let billing_contact = RwSignal::new(
        p.billing_contact
            .map(|c| c.id.inner().to_owned())
            .unwrap_or_default(),
    );
    let contacts = records.contacts.clone();
    let id = records.id.clone();

    let save = Action::new_local(move |input: &CompanyProfileInput| {
        let vars = ProfileVars {
            customer_id: id.clone(),
            input: input.clone(),
        };
        async move {
            match api.update_profile(vars).await {
                Ok(customer) => {
                    status.saved("Saved.");
                    tree.epoch(&customer).update(|e| *e += 1);
                }
                Err(e) => errors.api(e, FIELDS),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        status.clear();
        let get = |s: RwSignal<String>| optional(&s.get_untracked());
        save.dispatch(CompanyProfileInput {
            legal_name: get(legal_name),
            website: get(website),
            phone: get(phone),
            vat_number: get(vat),
            chamber_of_commerce_number: get(coc),
            address: Some(PostalAddressInput {
                street: get(street),
                city: get(city),
                district: get(district),
                state: get(state),
                zip_code: get(zip),
                country: get(country).map(|c| upper(&c)),
            }),
            billing_contact_id: get(billing_contact).map(Id::new),
            billing_email: get(billing_email),
        });
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      name: &'static str,
                      value: RwSignal<String>,
                      kind: &'static str| {
        view! {
            <Field id=id label=label name=name errors>
                <input id=id type=kind disabled=!editable
                    aria-describedby=format!("{id}-error")
                    aria-invalid=move || errors.field(name).is_some().to_string()
                    bind:value=value />
            </Field>
        }
    };
    view! {
        <form class="section-form" on:submit=on_submit novalidate data-testid="profile-form">
            <Problem error=Signal::derive(move || errors.general()) resubmit=true />
            <div class="field-row">
                {input("profile-legal-name", "Legal name", "legalName", legal_name, "text")}
                {input("profile-website", "Website", "website", website, "url")}
            </div>
            <div class="field-row">
                {input("profile-phone", "Phone", "phone", phone, "tel")}
                {input("profile-vat", "VAT number", "vatNumber", vat, "text")}
                {input("profile-coc", "Chamber of commerce number", "chamberOfCommerceNumber", coc, "text")}
            </div>
            <fieldset class="group">
                <legend>"Postal address"</legend>
                {input("profile-street", "Street", "street", street, "text")}
                <div class="field-row">
                    {input("profile-zip", "ZIP code", "zipCode", zip, "text")}
                    {input("profile-city", "City", "city", city, "text")}
                </div>
                <div class="field-row">
                    {input("profile-district", "District", "district", district, "text")}
                    {input("profile-state", "State", "state", state, "text")}
                    {input("profile-country", "Country (ISO code)", "country", country, "text")}
                </div>
            </fieldset>
            <div class="field-row">
                <Field id="profile-billing-contact" label="Billing contact" name="billingContactId" errors>
                    <select id="profile-billing-contact" disabled=!editable aria-describedby="profile-billing-contact-error"
                        on:change=move |ev| billing_contact.set(event_target_value(&ev))>
                        <option value="">"None"</option>
                        {contacts.into_iter().map(|c| {
                            let value = c.id.inner().to_owned();
                            let v2 = value.clone();
                            view! { <option value=value selected=move || billing_contact.get() == v2>{c.full_name()}</option> }
                        }).collect_view()}
                    </select>
                </Field>
                {input("profile-billing-email", "Billing e-mail", "billingEmail", billing_email, "email")}
            </div>
            {editable.then(|| view! {
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            })}
        </form>
    }
}
