//! The Users section: the customer's users; adding one with a password or a one-time
//! set-password link, changing and removing them, never granting a role above one's own.

use canopy_shared::email::parse_email;
use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{
        use_api,
        users::{CreateUserVars, UpdateUserVars, User, UserInput},
        Role,
    },
    components::{
        dialog::{Confirm, Modal},
        form::{optional, Field, FormErrors, Problem},
        icons::{PenIcon, TrashIcon},
    },
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &[
    "username",
    "firstName",
    "lastName",
    "role",
    "securityOfficer",
    "password",
];

#[component]
pub fn Users(id: Id) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let customer = StoredValue::new(id.clone());
    let users = LocalResource::new(move || {
        let id = customer.get_value();
        tree.epoch(&id).track();
        async move { api.users(&id).await }
    });
    let editing = RwSignal::new(None::<Option<User>>);
    let removing = RwSignal::new(None::<User>);
    let remove_error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<String>);
    let remove = Action::new_local(move |u: &User| {
        let user = u.id.clone();
        async move {
            match api.remove_user(user).await {
                Ok(_) => {
                    removing.set(None);
                    users.refetch();
                }
                Err(e) => remove_error.set(Some(e.to_string())),
            }
        }
    });
    view! {
        <button type="button" class="button primary small" on:click=move |_| { link.set(None); editing.set(Some(None)) }>"Add user"</button>
        {move || link.get().map(|l| view! {
            <div class="notice" role="status" data-testid="set-password-link">
                <p>"Send this one-time link to the new user to set their password (valid for 72 hours, shown only now):"</p>
                <input type="text" readonly aria-label="Set-password link" prop:value=l />
            </div>
        })}
        {move || match users.get() {
            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
            Some(Err(error)) => view! { <Problem error=Signal::derive(move || Some(error.clone())) retry=Callback::new(move |_| users.refetch()) /> }.into_any(),
            Some(Ok(None)) => view! { <p class="muted">"This customer is no longer visible to you."</p> }.into_any(),
            Some(Ok(Some(list))) if list.is_empty() => view! { <p class="muted">"No users yet."</p> }.into_any(),
            Some(Ok(Some(list))) => view! {
                <table class="table" data-testid="users">
                    <thead><tr><th>"Username"</th><th>"Name"</th><th>"Role"</th><th>"Security officer"</th><th><span class="visually-hidden">"Actions"</span></th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|u| {
                            let (edit, remove) = (u.clone(), u.clone());
                            let name = u.username.clone();
                            view! {
                                <tr>
                                    <td>{u.username.clone()}</td>
                                    <td>{[u.first_name.clone(), u.last_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ")}</td>
                                    <td>{u.role.label()}</td>
                                    <td>{if u.security_officer { "Yes" } else { "No" }}</td>
                                    <td class="row-buttons">
                                        <button type="button" class="icon-button" title="Edit" aria-label=format!("Edit {name}") on:click=move |_| editing.set(Some(Some(edit.clone())))><PenIcon /></button>
                                        <button type="button" class="icon-button" title="Remove" aria-label=format!("Remove {name}") on:click=move |_| { remove_error.set(None); removing.set(Some(remove.clone())) }><TrashIcon /></button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
        {move || editing.get().map(|user| view! {
            <UserDialog customer=customer.get_value() user
                on_saved=Callback::new(move |l: Option<String>| { link.set(l); users.refetch(); editing.set(None) })
                on_close=Callback::new(move |_| editing.set(None)) />
        })}
        {move || removing.get().map(|u| view! {
            <Confirm title=format!("Remove {}?", u.username) message="The user can no longer sign in; their sessions end at once.".to_owned()
                confirm_label="Remove" pending=remove.pending() error=remove_error
                on_confirm=Callback::new(move |_| { remove.dispatch(u.clone()); })
                on_close=Callback::new(move |_| removing.set(None)) />
        })}
    }
}

#[component]
fn UserDialog(
    customer: Id,
    user: Option<User>,
    on_saved: Callback<Option<String>>,
    on_close: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let viewer = use_viewer();
    let errors = FormErrors::new();
    let u = user.clone();
    let username = RwSignal::new(u.as_ref().map(|u| u.username.clone()).unwrap_or_default());
    let first = RwSignal::new(
        u.as_ref()
            .and_then(|u| u.first_name.clone())
            .unwrap_or_default(),
    );
    let last = RwSignal::new(
        u.as_ref()
            .and_then(|u| u.last_name.clone())
            .unwrap_or_default(),
    );
    let own = viewer.role();
    let grantable: Vec<Role> = Role::all().filter(|r| own.may_grant(r.shared())).collect();
    let role = RwSignal::new(
        u.as_ref()
            .map(|u| u.role)
            .or_else(|| grantable.last().copied())
            .unwrap_or(Role::Supporter),
    );
    let officer = RwSignal::new(u.as_ref().is_some_and(|u| u.security_officer));
    let password = RwSignal::new(String::new());
    let user_id = user.as_ref().map(|u| u.id.clone());
    let heading = if user.is_some() {
        "Edit user"
    } else {
        "Add user"
    };
    let save = Action::new_local(move |input: &UserInput| {
        let (customer, user_id, input) = (customer.clone(), user_id.clone(), input.clone());
        async move {
            let result = match user_id {
                Some(id) => api
                    .update_user(UpdateUserVars { id, input })
                    .await
                    .map(|_| None),
                None => api
                    .create_user(CreateUserVars {
                        customer_id: customer,
                        input,
                    })
                    .await
                    .map(|u| u.set_password_link),
            };
            match result {
                Ok(link) => on_saved.run(link),
                Err(e) => errors.api(e, FIELDS),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        let name = match parse_email(&username.get_untracked()) {
            Ok(n) => n,
            Err(m) => {
                errors.set("username", m);
                return;
            }
        };
        let pw = password.get_untracked();
        if !pw.is_empty() && pw.chars().count() < 10 {
            errors.set("password", "A password has at least 10 characters.");
            return;
        }
        save.dispatch(UserInput {
            username: name,
            first_name: optional(&first.get_untracked()),
            last_name: optional(&last.get_untracked()),
            role: role.get_untracked(),
            security_officer: Some(officer.get_untracked()),
            password: (!pw.is_empty()).then_some(pw),
        });
    };
    let is_new = user.is_none();
    view! {
        <Modal title=heading on_close=on_close>
            <form on:submit=on_submit novalidate data-testid="user-form">
                <Problem error=Signal::derive(move || errors.general()) resubmit=true />
                <Field id="user-username" label="Username (e-mail)" name="username" errors>
                    <input id="user-username" type="email" autofocus aria-describedby="user-username-error"
                        aria-invalid=move || errors.field("username").is_some().to_string() bind:value=username />
                </Field>
                <div class="field-row">
                    <Field id="user-first" label="First name" name="firstName" errors>
                        <input id="user-first" type="text" bind:value=first />
                    </Field>
                    <Field id="user-last" label="Last name" name="lastName" errors>
                        <input id="user-last" type="text" bind:value=last />
                    </Field>
                </div>
                <Field id="user-role" label="Role" name="role" errors>
                    <select id="user-role" aria-describedby="user-role-error"
                        on:change=move |ev| if let Some(r) = Role::parse(&event_target_value(&ev)) { role.set(r) }>
                        {grantable.into_iter().map(|r| view! {
                            <option value=r.as_str() selected=move || role.get() == r>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <div class="field checkbox">
                    <input id="user-officer" type="checkbox" bind:checked=officer />
                    <label for="user-officer">"Security officer"</label>
                </div>
                <Field id="user-password" label=if is_new { "Password" } else { "New password" } name="password" errors
                    hint=if is_new { "Leave empty to get a one-time link with which the user sets it." } else { "Leave empty to keep it. A new password ends the user's sessions." }>
                    <input id="user-password" type="password" autocomplete="new-password" aria-describedby="user-password-error user-password-hint"
                        aria-invalid=move || errors.field("password").is_some().to_string() bind:value=password />
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
