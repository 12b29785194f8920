//! A searchable list after the WAI-ARIA combobox pattern: type to narrow, arrow keys to move,
//! Enter or a click to choose. The owner supplies the options for the typed text, at most a
//! few dozen at a time, so long lists (every country, every customer) never render whole.

use leptos::{ev::KeyboardEvent, prelude::*};

/// One choice: the value the form keeps and the text people read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// A second line, e.g. a customer's level.
    pub hint: Option<String>,
}

/// The combobox. `query` is the typed text (the owner derives `options` from it); choosing
/// sets `selected` and shows the choice's label in the input.
#[component]
pub fn Combobox(
    /// The input's id, for its `<label for>`.
    #[prop(into)]
    id: String,
    query: RwSignal<String>,
    #[prop(into)] options: Signal<Vec<Choice>>,
    selected: RwSignal<Option<Choice>>,
    #[prop(into, optional)] invalid: Signal<bool>,
    #[prop(into, optional)] described_by: Option<String>,
    #[prop(into, optional)] placeholder: Option<String>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let active = RwSignal::new(0usize);
    let list_id = format!("{id}-list");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let choose = move |choice: Choice| {
        query.set(choice.label.clone());
        selected.set(Some(choice));
        open.set(false);
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let count = options.with_untracked(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                if !open.get_untracked() {
                    open.set(true);
                    active.set(0);
                } else if count > 0 {
                    active.update(|a| *a = (*a + 1).min(count - 1));
                }
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = a.saturating_sub(1));
            }
            "Enter" if open.get_untracked() => {
                ev.prevent_default();
                if let Some(choice) =
                    options.with_untracked(|o| o.get(active.get_untracked()).cloned())
                {
                    choose(choice);
                }
            }
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                ev.stop_propagation();
                open.set(false);
            }
            _ => {}
        }
    };
    let active_descendant = {
        let option_id = option_id.clone();
        move || (open.get() && options.with(|o| !o.is_empty())).then(|| option_id(active.get()))
    };
    view! {
        <div class="combobox">
            <input
                id=id.clone()
                type="text"
                role="combobox"
                autocomplete="off"
                autofocus=autofocus
                placeholder=placeholder
                aria-autocomplete="list"
                aria-controls=list_id.clone()
                aria-expanded=move || open.get().to_string()
                aria-activedescendant=active_descendant
                aria-invalid=move || invalid.get().to_string()
                aria-describedby=described_by
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    selected.set(None);
                    active.set(0);
                    open.set(true);
                }
                on:focus=move |_| open.set(true)
                on:blur=move |_| open.set(false)
                on:keydown=on_keydown
            />
            <ul
                id=list_id
                role="listbox"
                class="combobox-list"
                hidden=move || !open.get() || options.with(Vec::is_empty)
            >
                // Keyed, so an option that stays while the list narrows keeps its element.
                <For
                    each=move || options.get().into_iter().enumerate()
                    key=|(i, choice)| (*i, choice.value.clone())
                    let:item
                >
                    {
                        let (i, choice) = item;
                        let picked = choice.clone();
                        view! {
                            <li
                                id=option_id(i)
                                role="option"
                                class="combobox-option"
                                aria-selected=move || (active.get() == i).to_string()
                                // mousedown, not click: the input's blur would close the list first.
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    choose(picked.clone());
                                }
                            >
                                <span>{choice.label}</span>
                                {choice.hint.map(|h| view! { <span class="muted small">{h}</span> })}
                            </li>
                        }
                    }
                </For>
            </ul>
        </div>
    }
}

/// `text` lower-cased by the browser (`toLowerCase`): the same Unicode case mapping as Rust's
/// `to_lowercase` (a wasm test compares them), without shipping Rust's case tables (about
/// 28 KB) in the app. Host-side unit tests, which have no browser, use Rust's.
pub fn lower(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_lower_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    text.to_lowercase()
}

/// `text` upper-cased by the browser (`toUpperCase`), like [`lower`].
pub fn upper(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_upper_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    text.to_uppercase()
}

/// The choices among `all` whose label or value contains `query` (case-insensitively), at
/// most `limit`; labels that start with it come first.
pub fn filter_choices(all: &[Choice], query: &str, limit: usize) -> Vec<Choice> {
    let q = lower(query.trim());
    let mut starts = Vec::new();
    let mut contains = Vec::new();
    for choice in all {
        let label = lower(&choice.label);
        if q.is_empty() || label.starts_with(&q) || choice.value.eq_ignore_ascii_case(&q) {
            starts.push(choice.clone());
        } else if label.contains(&q) {
            contains.push(choice.clone());
        }
    }
    starts.extend(contains);
    starts.truncate(limit);
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(value: &str, label: &str) -> Choice {
        Choice {
            value: value.into(),
            label: label.into(),
            hint: None,
        }
    }

    #[test]
    fn prefix_matches_come_first_and_the_list_is_bounded() {
        let all = [
            c("DE", "Germany"),
            c("AG", "Antigua"),
            c("NG", "Nigeria"),
            c("GM", "Gambia"),
        ];
        let found = filter_choices(&all, "ger", 10);
        assert_eq!(found, vec![c("DE", "Germany"), c("NG", "Nigeria")]);
        assert_eq!(filter_choices(&all, "", 2).len(), 2);
        assert_eq!(filter_choices(&all, "de", 10)[0], c("DE", "Germany"));
    }
}
