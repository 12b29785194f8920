//! `/set-password#token=…`: where a one-time link from "Add user" leads; the new user chooses
//! a password. The token travels in the fragment, so it never reaches a server log.

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::A;

use crate::api::{auth::SetPasswordVars, use_api};

/// The token in a `#token=…` fragment.
pub fn token_from_fragment(hash: &str) -> Option<String> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let api = use_api();
    let token = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .and_then(|h| token_from_fragment(&h));
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let token = StoredValue::new(token);
    let set = Action::new_local(move |pw: &String| {
        let vars = SetPasswordVars {
            token: token.get_value().unwrap_or_default(),
            password: pw.clone(),
        };
        async move {
            match api.set_password(vars).await {
                Ok(_) => done.set(true),
                Err(e) => problem.set(Some(e.to_string())),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let pw = password.get_untracked();
        if pw.chars().count() < 10 {
            problem.set(Some("A password has at least 10 characters.".into()));
        } else if pw != repeat.get_untracked() {
            problem.set(Some("The two passwords differ.".into()));
        } else {
            problem.set(None);
            set.dispatch(pw);
        }
    };
    view! {
        <main class="centered">
            <section class="card sign-in" aria-labelledby="set-password-title">
                <div class="brand-mark" aria-hidden="true"></div>
                <h1 id="set-password-title">"Set your password"</h1>
                <Show when=move || !done.get() fallback=|| view! {
                    <p role="status">"Your password is set."</p>
                    <A href="/sign-in">"Sign in"</A>
                }>
                    {move || token.with_value(Option::is_none).then(|| view! {
                        <p class="form-error" role="alert">"This link is incomplete. Ask for a new one."</p>
                    })}
                    <form on:submit=on_submit novalidate>
                        <div class="field">
                            <label for="new-password">"New password"</label>
                            <input id="new-password" type="password" autocomplete="new-password" autofocus aria-describedby="set-password-problem" bind:value=password />
                        </div>
                        <div class="field">
                            <label for="repeat-password">"Repeat the password"</label>
                            <input id="repeat-password" type="password" autocomplete="new-password" aria-describedby="set-password-problem" bind:value=repeat />
                        </div>
                        <p id="set-password-problem" class="form-error" role="alert" hidden=move || problem.with(Option::is_none)>{move || problem.get()}</p>
                        <button type="submit" class="button primary wide" disabled=move || set.pending().get()>
                            {move || if set.pending().get() { "Saving…" } else { "Set password" }}
                        </button>
                    </form>
                </Show>
            </section>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_comes_from_the_fragment() {
        assert_eq!(token_from_fragment("#token=abc"), Some("abc".into()));
        assert_eq!(token_from_fragment("#x=1&token=abc"), Some("abc".into()));
        assert_eq!(token_from_fragment("#token="), None);
        assert_eq!(token_from_fragment(""), None);
    }
}
