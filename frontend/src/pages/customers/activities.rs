//! The Communication activities section: upcoming (soonest first) and past (newest first)
//! calls, e-mails, meetings and notes, added, changed and removed in dialogs.

use canopy_shared::Action as Can;
use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};
use wasm_bindgen::JsValue;

use super::records::{records_resource, with_records};
use crate::{
    api::{
        activities::{Activity, ActivityInput, ActivityKind},
        contacts::Contact,
        use_api, DateTime,
    },
    components::{
        dialog::{Confirm, Modal},
        form::{optional, Field, FormErrors, Problem},
    },
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &["kind", "subject", "notes", "occursAt", "contactId"];

/// The value of a `datetime-local` input (the user's time zone) as an RFC 3339 instant.
fn from_local_input(value: &str) -> Option<DateTime> {
    let date = js_sys::Date::new(&JsValue::from_str(value));
    (!date.get_time().is_nan()).then(|| DateTime(String::from(date.to_iso_string())))
}

/// An instant as a `datetime-local` input's value, in the user's time zone.
fn to_local_input(at: &DateTime) -> String {
    let d = js_sys::Date::new(&JsValue::from_str(&at.0));
    if d.get_time().is_nan() {
        return String::new();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

#[component]
pub fn Activities(id: Id) -> impl IntoView {
    let viewer = use_viewer();
    let api = use_api();
    let tree = use_tree();
    let editable = viewer.can(Can::ManageActivities);
    let records = records_resource(id.clone());
    let editing = RwSignal::new(None::<Option<Activity>>);
    let removing = RwSignal::new(None::<Activity>);
    let remove_error = RwSignal::new(None::<String>);
    let customer = StoredValue::new(id);
    let contacts = Signal::derive(move || {
        records
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|d| d.contacts)
            .unwrap_or_default()
    });
    let remove = Action::new_local(move |a: &Activity| {
        let activity = a.id.clone();
        async move {
            match api.remove_activity(activity).await {
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
    let list = move |title: &'static str,
                     testid: &'static str,
                     items: Vec<Activity>,
                     contacts: Vec<Contact>| {
        view! {
            <h4>{title}</h4>
            {if items.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="activities" data-testid=testid>
                        {items.into_iter().map(|a| {
                            let (edit, remove) = (a.clone(), a.clone());
                            let contact = a.contact.as_ref().and_then(|c| contacts.iter().find(|x| x.id == c.id)).map(|c| c.full_name());
                            let subject = a.subject.clone();
                            view! {
                                <li class="activity">
                                    <span class="badge">{a.kind.label()}</span>
                                    <div class="activity-main">
                                        <strong>{a.subject.clone()}</strong>
                                        <span class="muted small">
                                            {a.occurs_at.local()}
                                            {contact.map(|c| format!(" · with {c}"))}
                                            {a.author.as_ref().map(|u| format!(" · by {}", u.username))}
                                        </span>
                                        {a.notes.clone().map(|n| view! { <p class="notes">{n}</p> })}
                                    </div>
                                    {editable.then(|| view! {
                                        <span class="row-buttons">
                                            <button type="button" class="button link" aria-label=format!("Edit {subject}") on:click=move |_| editing.set(Some(Some(edit.clone())))>"Edit"</button>
                                            <button type="button" class="button link danger" aria-label=format!("Remove {subject}") on:click=move |_| { remove_error.set(None); removing.set(Some(remove.clone())) }>"Remove"</button>
                                        </span>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        }
    };
    view! {
        {editable.then(|| view! {
            <button type="button" class="button primary small" on:click=move |_| editing.set(Some(None))>"Add activity"</button>
        })}
        {with_records(records, move |d| view! {
            {list("Upcoming", "upcoming-activities", d.upcoming, d.contacts.clone())}
            {list("Past", "past-activities", d.past, d.contacts)}
        }.into_any())}
        {move || editing.get().map(|activity| view! {
            <ActivityDialog customer=customer.get_value() activity contacts=contacts.get() on_close=Callback::new(move |_| editing.set(None)) />
        })}
        {move || removing.get().map(|a| view! {
            <Confirm title=format!("Remove {}?", a.subject) message="The activity will be removed.".to_owned()
                confirm_label="Remove" pending=remove.pending() error=remove_error
                on_confirm=Callback::new(move |_| { remove.dispatch(a.clone()); })
                on_close=Callback::new(move |_| removing.set(None)) />
        })}
    }
}

#[component]
fn ActivityDialog(
    customer: Id,
    activity: Option<Activity>,
    contacts: Vec<Contact>,
    on_close: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let errors = FormErrors::new();
    let a = activity.clone();
    let kind = RwSignal::new(a.as_ref().map_or(ActivityKind::Call, |a| a.kind));
    let subject = RwSignal::new(a.as_ref().map(|a| a.subject.clone()).unwrap_or_default());
    let notes = RwSignal::new(a.as_ref().and_then(|a| a.notes.clone()).unwrap_or_default());
    let when = RwSignal::new(
        a.as_ref()
            .map(|a| to_local_input(&a.occurs_at))
            .unwrap_or_default(),
    );
    let contact = RwSignal::new(
        a.as_ref()
            .and_then(|a| a.contact.as_ref())
            .map(|c| c.id.inner().to_owned())
            .unwrap_or_default(),
    );
    let activity_id = activity.as_ref().map(|a| a.id.clone());
    let heading = if activity.is_some() {
        "Edit activity"
    } else {
        "Add activity"
    };
    let save = Action::new_local(move |input: &ActivityInput| {
        let (customer, activity_id, input) = (customer.clone(), activity_id.clone(), input.clone());
        async move {
            match api
                .save_activity(customer.clone(), activity_id, input)
                .await
            {
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
        let Some(subject) = optional(&subject.get_untracked()) else {
            errors.set("subject", "Enter a subject.");
            return;
        };
        let Some(occurs_at) = from_local_input(&when.get_untracked()) else {
            errors.set("occursAt", "Enter when it happened or is planned.");
            return;
        };
        save.dispatch(ActivityInput {
            kind: kind.get_untracked(),
            subject,
            notes: optional(&notes.get_untracked()),
            occurs_at,
            contact_id: optional(&contact.get_untracked()).map(Id::new),
        });
    };
    view! {
        <Modal title=heading on_close=on_close>
            <form on:submit=on_submit novalidate data-testid="activity-form">
                <Problem error=Signal::derive(move || errors.general()) resubmit=true />
                <div class="field-row">
                    <Field id="activity-kind" label="Kind" name="kind" errors>
                        <select id="activity-kind" autofocus on:change=move |ev| if let Some(k) = ActivityKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                            {ActivityKind::all().map(|k| view! { <option value=k.as_str() selected=move || kind.get() == k>{k.label()}</option> }).collect_view()}
                        </select>
                    </Field>
                    <Field id="activity-when" label="Date and time" name="occursAt" errors>
                        <input id="activity-when" type="datetime-local" aria-describedby="activity-when-error"
                            aria-invalid=move || errors.field("occursAt").is_some().to_string() bind:value=when />
                    </Field>
                </div>
                <Field id="activity-subject" label="Subject" name="subject" errors>
                    <input id="activity-subject" type="text" aria-describedby="activity-subject-error"
                        aria-invalid=move || errors.field("subject").is_some().to_string() bind:value=subject />
                </Field>
                <Field id="activity-notes" label="Notes" name="notes" errors>
                    <textarea id="activity-notes" rows="3" prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
                </Field>
                <Field id="activity-contact" label="Contact" name="contactId" errors>
                    <select id="activity-contact" on:change=move |ev| contact.set(event_target_value(&ev))>
                        <option value="">"None"</option>
                        {contacts.into_iter().map(|c| {
                            let value = c.id.inner().to_owned();
                            let v2 = value.clone();
                            view! { <option value=value selected=move || contact.get() == v2>{c.full_name()}</option> }
                        }).collect_view()}
                    </select>
                </Field>
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
