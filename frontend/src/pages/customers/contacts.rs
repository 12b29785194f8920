//! The Contacts section: the customer's contacts, added, changed and removed in dialogs.

use canopy_shared::{email::parse_email, Action as Can};
use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};

use super::records::{records_resource, with_records};
use crate::{
    api::{
        contacts::{Contact, ContactInput, ContactRole},
        use_api,
    },
    components::{
        dialog::{Confirm, Modal},
        form::{optional, Field, FormErrors, Problem},
        icons::{PenIcon, TrashIcon},
    },
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &["firstName", "lastName", "title", "email", "phone", "roles"];

#[component]
pub fn Contacts(id: Id) -> impl IntoView {
    let viewer = use_viewer();
    let api = use_api();
    let tree = use_tree();
    let editable = viewer.can(Can::ManageContacts);
    let records = records_resource(id.clone());
    // `Some(None)`: a new contact; `Some(Some(c))`: editing `c`.
    let editing = RwSignal::new(None::<Option<Contact>>);
    let removing = RwSignal::new(None::<Contact>);
    let remove_error = RwSignal::new(None::<String>);
    let customer = StoredValue::new(id.clone());
    let remove = Action::new_local(move |c: &Contact| {
        let contact = c.id.clone();
        async move {
            match api.remove_contact(contact).await {
                Ok(_) => {
                    removing.set(None);
                    if let Some(c) = customer.try_get_value() {
                        tree.epoch(&c).update(|e| *e += 1);
                    }
                }
                Err(e) => remove_error.set(Some(e.to_string())),
            }
        }
    });
    view! {
        {editable.then(|| view! {
            <button type="button" class="button primary small" on:click=move |_| editing.set(Some(None))>"Add contact"</button>
        })}
        {with_records(records, move |d| {
            if d.contacts.is_empty() {
                return view! { <p class="muted">"No contacts yet."</p> }.into_any();
            }
            view! {
                <table class="table" data-testid="contacts">
                    <thead><tr><th>"Name"</th><th>"Title"</th><th>"E-mail"</th><th>"Phone"</th><th>"Roles"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        {d.contacts.into_iter().map(|c| {
                            let name = c.full_name();
                            let (edit, remove) = (c.clone(), c.clone());
                            view! {
                                <tr>
                                    <td>{name.clone()}</td>
                                    <td>{c.title.clone()}</td>
                                    <td>{c.email.clone()}</td>
                                    <td>{c.phone.clone()}</td>
                                    <td>{c.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")}</td>
                                    <td class="row-buttons">
                                        {editable.then(|| view! {
                                            <button type="button" class="icon-button" title="Edit" aria-label=format!("Edit {name}") on:click=move |_| editing.set(Some(Some(edit.clone())))><PenIcon /></button>
                                            <button type="button" class="icon-button" title="Remove" aria-label=format!("Remove {name}") on:click=move |_| { remove_error.set(None); removing.set(Some(remove.clone())) }><TrashIcon /></button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
        {move || editing.get().map(|contact| view! {
            <ContactDialog customer=customer.get_value() contact on_close=Callback::new(move |_| editing.set(None)) />
        })}
        {move || removing.get().map(|c| {
            let name = c.full_name();
            view! {
                <Confirm title=format!("Remove {name}?") message=format!("{name} will be removed from this customer's contacts.")
                    confirm_label="Remove" pending=remove.pending() error=remove_error
                    on_confirm=Callback::new(move |_| { remove.dispatch(c.clone()); })
                    on_close=Callback::new(move |_| removing.set(None)) />
            }
        })}
    }
}

#[component]
fn ContactDialog(customer: Id, contact: Option<Contact>, on_close: Callback<()>) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let errors = FormErrors::new();
    let c = contact.clone();
    let field = |f: fn(&Contact) -> Option<String>| {
        RwSignal::new(c.as_ref().and_then(f).unwrap_or_default())
    };
    let first = field(|c| c.first_name.clone());
    let last = field(|c| c.last_name.clone());
    let title = field(|c| c.title.clone());
    let email = field(|c| c.email.clone());
    let phone = field(|c| c.phone.clone());
    let roles = RwSignal::new(c.as_ref().map(|c| c.roles.clone()).unwrap_or_default());
    let contact_id = contact.as_ref().map(|c| c.id.clone());
    let heading = if contact.is_some() {
        "Edit contact"
    } else {
        "Add contact"
    };
    let save = Action::new_local(move |input: &ContactInput| {
        let (customer, contact_id, input) = (customer.clone(), contact_id.clone(), input.clone());
        async move {
            match api.save_contact(customer.clone(), contact_id, input).await {
                Ok(_) => {
                    tree.epoch(&customer).update(|e| *e += 1);
                    on_close.run(());
                }
                Err(e) => errors.api(e, FIELDS),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let get = |s: RwSignal<String>| optional(&s.get_untracked());
        if get(first).is_none() && get(last).is_none() {
            errors.set("firstName", "Enter a first or a last name.");
        }
        if let Some(e) = get(email) {
            if let Err(m) = parse_email(&e) {
                errors.set("email", m);
            }
        }
        if errors.has_any() {
            return;
        }
        save.dispatch(ContactInput {
            first_name: get(first),
            last_name: get(last),
            title: get(title),
            email: get(email),
            phone: get(phone),
            roles: Some(roles.get_untracked()),
        });
    };
    let input = move |id: &'static str,
                      label: &'static str,
                      name: &'static str,
                      value: RwSignal<String>,
                      kind: &'static str,
                      autofocus: bool| {
        view! {
            <Field id=id label=label name=name errors>
                <input id=id type=kind autofocus=autofocus aria-describedby=format!("{id}-error")
                    aria-invalid=move || errors.field(name).is_some().to_string() bind:value=value />
            </Field>
        }
    };
    view! {
        <Modal title=heading on_close=on_close>
            <form on:submit=on_submit novalidate data-testid="contact-form">
                <Problem error=Signal::derive(move || errors.general()) resubmit=true />
                <div class="field-row">
                    {input("contact-first", "First name", "firstName", first, "text", true)}
                    {input("contact-last", "Last name", "lastName", last, "text", false)}
                </div>
                {input("contact-title", "Title", "title", title, "text", false)}
                <div class="field-row">
                    {input("contact-email", "E-mail", "email", email, "email", false)}
                    {input("contact-phone", "Phone", "phone", phone, "tel", false)}
                </div>
                <fieldset class="field">
                    <legend>"Roles"</legend>
                    {ContactRole::all().map(|r| {
                        let id = format!("contact-role-{r:?}");
                        view! {
                            <span class="checkbox">
                                <input id=id.clone() type="checkbox" prop:checked=move || roles.with(|x| x.contains(&r))
                                    on:change=move |ev| { let on = event_target_checked(&ev); roles.update(|x| { x.retain(|y| *y != r); if on { x.push(r) } }) } />
                                <label for=id>{r.label()}</label>
                            </span>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="form-actions">
                    <button type="button" class="button secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
