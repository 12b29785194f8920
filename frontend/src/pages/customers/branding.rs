//! The Branding section: display name, colours, logo and app icon, sender address, with a live
//! preview of the header as the customer's users will see it; reset to inherited.

use canopy_shared::Action as Can;
use cynic::Id;
use leptos::{ev::SubmitEvent, prelude::*};
use wasm_bindgen::JsCast;

use super::detail::SaveStatus;
use crate::{
    api::{
        branding::{BrandingFields, BrandingInput, BrandingOf},
        use_api, ApiError,
    },
    components::form::{optional, Field, FormErrors, Problem},
    pages::console::BrandBar,
    state::{use_tree, use_viewer},
};

const FIELDS: &[&str] = &[
    "displayName",
    "primaryColor",
    "accentColor",
    "backgroundColor",
    "senderEmail",
    "logo",
    "icon",
];

/// Whether `s` is a colour as the API takes it: `#RRGGBB`.
pub fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

#[component]
pub fn Branding(id: Id) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let branding = LocalResource::new(move || {
        let id = id.clone();
        tree.epoch(&id).track();
        async move { api.branding(&id).await }
    });
    move || {
        match branding.get() {
        None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
        Some(Err(error)) => view! {
            <Problem error=Signal::derive(move || Some(error.clone())) retry=Callback::new(move |_| branding.refetch()) />
        }.into_any(),
        Some(Ok(None)) => view! { <p class="muted">"This customer is no longer visible to you."</p> }.into_any(),
        Some(Ok(Some(b))) => untrack(|| view! { <BrandingForm branding=b /> }.into_any()),
    }
    }
}

fn selected_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    ev.target()?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}

#[component]
fn BrandingForm(branding: BrandingOf) -> impl IntoView {
    let api = use_api();
    let tree = use_tree();
    let viewer = use_viewer();
    let editable = viewer.can(Can::ManageCustomers);
    let errors = FormErrors::new();
    let status = expect_context::<SaveStatus>();
    let shown = branding.effective_branding.clone();
    let inherited_from = shown.inherited_from.clone();
    let own = branding.branding.is_some();
    let text = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let display_name = text(&shown.display_name);
    let primary = text(&shown.primary_color);
    let accent = text(&shown.accent_color);
    let background = text(&shown.background_color);
    let sender = RwSignal::new(shown.sender_email.clone());
    let logo = RwSignal::new(None::<send_wrapper::SendWrapper<web_sys::File>>);
    let icon = RwSignal::new(None::<send_wrapper::SendWrapper<web_sys::File>>);
    let logo_preview = RwSignal::new(None::<String>);
    let id = branding.id.clone();
    let name = branding.name.clone();

    let preview = Signal::derive(move || BrandingFields {
        display_name: optional(&display_name.get()),
        logo_url: shown.logo_url.clone(),
        icon_url: shown.icon_url.clone(),
        primary_color: Some(primary.get()).filter(|c| is_hex_color(c)),
        accent_color: Some(accent.get()).filter(|c| is_hex_color(c)),
        background_color: Some(background.get()).filter(|c| is_hex_color(c)),
        sender_email: sender.get(),
        inherited_from: None,
    });

    let after_save = move |result: Result<BrandingOf, ApiError>, done: &'static str| match result {
        Ok(b) => {
            status.saved(done);
            if viewer.is_root(&b.id) {
                viewer
                    .root
                    .update(|r| r.effective_branding = b.effective_branding.clone());
            }
            tree.epoch(&b.id).update(|e| *e += 1);
        }
        Err(e) => errors.api(e, FIELDS),
    };
    let save = Action::new_local({
        let id = id.clone();
        move |input: &BrandingInput| {
            let (id, input) = (id.clone(), input.clone());
            let logo = logo.get_untracked().map(|f| f.take());
            let icon = icon.get_untracked().map(|f| f.take());
            async move {
                let result = api.update_branding(id, input, logo, icon).await;
                after_save(result, "Saved.");
            }
        }
    });
    let reset = Action::new_local({
        let id = id.clone();
        move |_: &()| {
            let id = id.clone();
            async move {
                let result = api.reset_branding(id).await;
                after_save(result, "Reset: the customer inherits its branding again.");
            }
        }
    });
    // "Try again" after a network failure repeats what failed: the reset, or the save (by
    // submitting the form again).
    let form = NodeRef::<leptos::html::Form>::new();
    let last_was_reset = StoredValue::new(false);
    let run_reset = move || {
        last_was_reset.set_value(true);
        errors.clear();
        status.clear();
        reset.dispatch(());
    };
    let retry = Callback::new(move |_| {
        if last_was_reset.get_value() {
            run_reset();
        } else if let Some(form) = form.get_untracked() {
            // Fails only for a form that is not connected, which then has nothing to save.
            let _ = form.request_submit();
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        last_was_reset.set_value(false);
        errors.clear();
        status.clear();
        for (field, value) in [
            ("primaryColor", primary),
            ("accentColor", accent),
            ("backgroundColor", background),
        ] {
            let v = value.get_untracked();
            if !v.is_empty() && !is_hex_color(&v) {
                errors.set(field, "Enter a colour as #RRGGBB, e.g. #1F7A5A.");
            }
        }
        if errors.has_any() {
            return;
        }
        save.dispatch(BrandingInput {
            display_name: optional(&display_name.get_untracked()),
            primary_color: optional(&primary.get_untracked()),
            accent_color: optional(&accent.get_untracked()),
            background_color: optional(&background.get_untracked()),
            sender_email: optional(&sender.get_untracked()),
            logo: None,
            icon: None,
        });
    };
    let colour = move |id: &'static str,
                       label: &'static str,
                       name: &'static str,
                       value: RwSignal<String>| {
        view! {
            <Field id=id label=label name=name errors>
                <span class="colour">
                    <input type="color" aria-label=format!("{label} picker") disabled=!editable
                        prop:value=move || Some(value.get()).filter(|c| is_hex_color(c)).unwrap_or_else(|| "#ffffff".into())
                        on:input=move |ev| value.set(event_target_value(&ev)) />
                    <input id=id type="text" maxlength="7" placeholder="#RRGGBB" disabled=!editable
                        aria-describedby=format!("{id}-error")
                        aria-invalid=move || errors.field(name).is_some().to_string()
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev)) />
                </span>
            </Field>
        }
    };
    view! {
        <div class="preview" data-testid="branding-preview">
            <p class="muted small">"Preview: the header as this customer's users see it"</p>
            <BrandBar branding=preview fallback_name=Signal::derive(move || name.clone()) logo_override=logo_preview>
                <span class="preview-user">"user@example.com"</span>
            </BrandBar>
        </div>
        <p class="muted small" data-testid="branding-source">
            {match (own, inherited_from) {
                (true, _) => "This customer has its own branding.".to_owned(),
                (false, Some(from)) => format!("Inherited from {}.", from.name),
                (false, None) => "The installation's default branding.".to_owned(),
            }}
        </p>
        <form class="section-form" node_ref=form on:submit=on_submit novalidate data-testid="branding-form">
            <Problem error=Signal::derive(move || errors.general()) retry />
            <div class="field-row">
                <Field id="brand-name" label="Display name" name="displayName" errors>
                    <input id="brand-name" type="text" disabled=!editable aria-describedby="brand-name-error" bind:value=display_name />
                </Field>
                <Field id="brand-sender" label="Sender e-mail" name="senderEmail" errors>
                    <input id="brand-sender" type="email" disabled=!editable aria-describedby="brand-sender-error"
                        aria-invalid=move || errors.field("senderEmail").is_some().to_string() bind:value=sender />
                </Field>
            </div>
            <div class="field-row">
                {colour("brand-primary", "Primary colour", "primaryColor", primary)}
                {colour("brand-accent", "Accent colour", "accentColor", accent)}
                {colour("brand-background", "Background colour", "backgroundColor", background)}
            </div>
            {editable.then(|| view! {
                <div class="field-row">
                    <Field id="brand-logo" label="Logo" name="logo" errors hint="PNG, JPEG or SVG, at most 512 KiB.">
                        <input id="brand-logo" type="file" accept="image/png,image/jpeg,image/svg+xml" aria-describedby="brand-logo-error brand-logo-hint"
                            on:change=move |ev| {
                                let file = selected_file(&ev);
                                logo_preview.set(file.as_ref().and_then(|f| web_sys::Url::create_object_url_with_blob(f).ok()));
                                logo.set(file.map(send_wrapper::SendWrapper::new));
                            } />
                    </Field>
                    <Field id="brand-icon" label="App icon" name="icon" errors hint="PNG or ICO, at most 128 KiB.">
                        <input id="brand-icon" type="file" accept="image/png,image/x-icon,image/vnd.microsoft.icon" aria-describedby="brand-icon-error brand-icon-hint"
                            on:change=move |ev| icon.set(selected_file(&ev).map(send_wrapper::SendWrapper::new)) />
                    </Field>
                </div>
                <div class="form-actions">
                    {own.then(|| view! {
                        <button type="button" class="button secondary" disabled=move || reset.pending().get()
                            on:click=move |_| run_reset()>
                            "Reset to inherited"
                        </button>
                    })}
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Uploading…" } else { "Save" }}
                    </button>
                </div>
            })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hash_and_six_hex_digits() {
        assert!(is_hex_color("#1f7A5a"));
        for bad in ["", "#fff", "1f7a5a0", "#1f7a5g", "#1f7a5a0"] {
            assert!(!is_hex_color(bad), "{bad}");
        }
    }
}
