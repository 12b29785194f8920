//! Form plumbing: errors kept per field (from the server's `extensions.field` or checks made
//! before sending), a labelled field that shows its error beside the input, and the banner
//! for errors that concern the whole form, with "Try again" or "Reload" where they help.

use std::collections::HashMap;

use leptos::prelude::*;

use crate::api::ApiError;

/// What is wrong with a form: messages per input (named as the API names the input field)
/// and one for the form as a whole.
#[derive(Clone, Copy, Debug)]
pub struct FormErrors {
    fields: RwSignal<HashMap<String, String>>,
    general: RwSignal<Option<ApiError>>,
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}

impl FormErrors {
    pub fn new() -> Self {
        Self {
            fields: RwSignal::new(HashMap::new()),
            general: RwSignal::new(None),
        }
    }

    pub fn clear(&self) {
        self.fields.set(HashMap::new());
        self.general.set(None);
    }

    /// Marks one field invalid.
    pub fn set(&self, field: &str, message: impl Into<String>) {
        self.fields
            .update(|f| drop(f.insert(field.to_owned(), message.into())));
    }

    /// Files an API error beside its field when the server named one this form has, else as
    /// the form's error.
    pub fn api(&self, error: ApiError, known_fields: &[&str]) {
        match error.field().filter(|f| known_fields.contains(f)) {
            Some(field) => self.set(field, error.to_string()),
            None => self.general.set(Some(error)),
        }
    }

    /// The message for `field` (reactive).
    pub fn field(&self, field: &str) -> Option<String> {
        self.fields.with(|f| f.get(field).cloned())
    }

    pub fn has_any(&self) -> bool {
        self.fields.with_untracked(|f| !f.is_empty())
    }

    pub fn general(&self) -> Option<ApiError> {
        self.general.get()
    }
}

/// A labelled input with its error beside it. The input itself is the child; it should carry
/// `id=id`, and gets described by the error through `aria-describedby="{id}-error"`.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    /// The API's name of the field, for errors.
    #[prop(into)]
    name: String,
    errors: FormErrors,
    /// A note under the input.
    #[prop(into, optional)]
    hint: MaybeProp<String>,
    children: Children,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let name = StoredValue::new(name);
    let message = move || name.with_value(|n| errors.field(n));
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id>{label}</label>
            {children()}
            {move || hint.get().map(|h| view! { <p id=hint_id.clone() class="hint">{h}</p> })}
            <p id=error_id class="field-error" role="alert" data-testid="field-error">
                {message}
            </p>
        </div>
    }
}

/// The error of a whole form or a failed load: the server's message, and "Try again" for
/// network failures or "Reload" for conflicts when the owner offers them. In a form, `resubmit`
/// makes "Try again" a submit button: it repeats the save with what the form holds.
///
/// Each time it appears it is scrolled into view: it sits at the top of its form, which may be
/// long (Company profile) and submitted from its last line.
#[component]
pub fn Problem(
    #[prop(into)] error: Signal<Option<ApiError>>,
    #[prop(optional)] retry: Option<Callback<()>>,
    #[prop(optional)] reload: Option<Callback<()>>,
    #[prop(optional)] resubmit: bool,
) -> impl IntoView {
    let banner = NodeRef::<leptos::html::Div>::new();
    // Runs after each new banner is in the page (every error renders a new one).
    Effect::new(move || {
        if let Some(banner) = banner.get() {
            reveal(&banner);
        }
    });
    move || {
        error.get().map(|error| {
            let conflict = error.is_conflict();
            let message = if conflict {
                format!("{error} Someone else changed this since you opened it: reload to see their changes, then make yours again.")
            } else {
                error.to_string()
            };
            // `None` as the callback: the button submits the form it is in.
            let action = if conflict {
                reload.map(|r| ("Reload", Some(r)))
            } else if error.is_network() && (retry.is_some() || resubmit) {
                Some(("Try again", retry))
            } else {
                None
            };
            view! {
                <div class="form-error problem" role="alert" data-testid="problem" node_ref=banner>
                    <span>{message}</span>
                    {action.map(|(label, run)| view! {
                        <button type=if run.is_some() { "button" } else { "submit" } class="button secondary small"
                            on:click=move |_| if let Some(run) = run { run.run(()) }>
                            {label}
                        </button>
                    })}
                </div>
            }
        })
    }
}

/// Scrolls the page (the least it takes) so that `element` is in view: smoothly, unless the
/// user asked for reduced motion. Focus stays where it is; the element's `role="alert"` is what
/// screen readers announce.
fn reveal(element: &web_sys::Element) {
    let reduced = window()
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches());
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Nearest);
    options.set_behavior(if reduced {
        web_sys::ScrollBehavior::Instant
    } else {
        web_sys::ScrollBehavior::Smooth
    });
    element.scroll_into_view_with_scroll_into_view_options(&options);
}

/// The text of an optional input: `None` when blank.
pub fn optional(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_means_none() {
        assert_eq!(optional("  "), None);
        assert_eq!(optional(" x "), Some("x".into()));
    }
}
