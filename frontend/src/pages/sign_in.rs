//! `/sign-in`: customer name, username and password, checked by the server's `signIn`.

use canopy_shared::CustomerName;
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::components::Redirect;

use crate::{
    api::{auth::SignInVars, use_api},
    session::use_session,
};

/// The sign-in page; someone already signed in goes straight to the console.
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = use_session();
    view! {
        <Show when=move || !session.is_signed_in() fallback=|| view! { <Redirect path="/" /> }>
            <main class="centered">
                <SignInForm />
            </main>
        </Show>
    }
}

/// An input of the form, named as the API names its argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    CustomerName,
    Username,
    Password,
}

impl Field {
    fn from_api(name: &str) -> Option<Self> {
        match name {
            "customerName" => Some(Self::CustomerName),
            "username" => Some(Self::Username),
            "password" => Some(Self::Password),
            _ => None,
        }
    }
}

/// What is wrong with the last attempt, shown above the button.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Problem {
    message: String,
    /// The input to mark invalid, when the problem is about one.
    field: Option<Field>,
}

/// The credentials as typed, checked before they are sent.
#[derive(Clone, Debug)]
struct Credentials {
    customer_name: String,
    username: String,
    password: String,
}

impl Credentials {
    /// Catches what the server would reject anyway, so the user hears it without a round trip.
    fn validate(self) -> Result<Self, Problem> {
        let problem = |field, message: &str| Problem {
            message: message.to_owned(),
            field: Some(field),
        };
        if self.customer_name.trim().is_empty() {
            return Err(problem(Field::CustomerName, "Enter your customer name."));
        }
        let customer_name = CustomerName::parse(&self.customer_name)
            .map_err(|message| problem(Field::CustomerName, &message))?;
        if self.username.trim().is_empty() {
            return Err(problem(Field::Username, "Enter your username."));
        }
        if self.password.is_empty() {
            return Err(problem(Field::Password, "Enter your password."));
        }
        Ok(Self {
            customer_name: customer_name.as_str().to_owned(),
            username: self.username.trim().to_owned(),
            password: self.password,
        })
    }
}

#[component]
fn SignInForm() -> impl IntoView {
    let session = use_session();
    let api = use_api();
    let customer_name = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);

    let sign_in = Action::new_local(move |credentials: &Credentials| {
        let credentials = credentials.clone();
        async move {
            let vars = SignInVars {
                customer_name: credentials.customer_name,
                username: credentials.username,
                password: credentials.password,
            };
            match api.sign_in(vars).await {
                // The page then redirects to the console by itself.
                Ok(token) => session.start(token),
                Err(error) => problem.set(Some(Problem {
                    field: error.field().and_then(Field::from_api),
                    message: error.to_string(),
                })),
            }
        }
    });
    let pending = sign_in.pending();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let credentials = Credentials {
            customer_name: customer_name.get_untracked(),
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        match credentials.validate() {
            Ok(credentials) => {
                problem.set(None);
                sign_in.dispatch(credentials);
            }
            Err(invalid) => problem.set(Some(invalid)),
        }
    };
    let invalid = move |field: Field| {
        move || problem.with(|p| p.as_ref().is_some_and(|p| p.field == Some(field)))
    };

    view! {
        <section class="card sign-in" aria-labelledby="sign-in-title">
            <div class="brand-mark" aria-hidden="true"></div>
            <h1 id="sign-in-title">"Sign in to Canopy"</h1>
            {move || {
                session
                    .notice()
                    .map(|notice| {
                        view! {
                            <p class="notice" role="status" data-testid="sign-in-notice">
                                {notice}
                            </p>
                        }
                    })
            }}
            <form on:submit=on_submit novalidate data-testid="sign-in-form">
                <div class="field">
                    <label for="customer-name">"Customer name"</label>
                    <input
                        id="customer-name"
                        name="customerName"
                        type="text"
                        autocomplete="organization"
                        autofocus
                        aria-invalid=move || invalid(Field::CustomerName)().to_string()
                        aria-describedby="sign-in-problem"
                        bind:value=customer_name
                    />
                </div>
                <div class="field">
                    <label for="username">"Username"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        aria-invalid=move || invalid(Field::Username)().to_string()
                        aria-describedby="sign-in-problem"
                        bind:value=username
                    />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        aria-invalid=move || invalid(Field::Password)().to_string()
                        aria-describedby="sign-in-problem"
                        bind:value=password
                    />
                </div>
                <p
                    id="sign-in-problem"
                    class="form-error"
                    role="alert"
                    data-testid="sign-in-error"
                    hidden=move || problem.with(Option::is_none)
                >
                    {move || problem.with(|p| p.as_ref().map(|p| p.message.clone()))}
                </p>
                <button
                    type="submit"
                    class="button primary wide"
                    data-testid="sign-in-submit"
                    disabled=move || pending.get()
                >
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(customer_name: &str, username: &str, password: &str) -> Credentials {
        Credentials {
            customer_name: customer_name.into(),
            username: username.into(),
            password: password.into(),
        }
    }

    #[test]
    fn valid_credentials_are_trimmed_but_the_password_is_kept_as_typed() {
        let c = credentials("  Acme  ", " admin@acme.test ", " secret ")
            .validate()
            .unwrap();
        assert_eq!(c.customer_name, "Acme");
        assert_eq!(c.username, "admin@acme.test");
        assert_eq!(c.password, " secret ");
    }

    #[test]
    fn each_missing_or_bad_input_names_its_field() {
        let cases = [
            (
                credentials(" ", "u", "p"),
                Field::CustomerName,
                "blank customer name",
            ),
            (
                credentials("a\u{7}b", "u", "p"),
                Field::CustomerName,
                "control character",
            ),
            (
                credentials(&"x".repeat(129), "u", "p"),
                Field::CustomerName,
                "too long",
            ),
            (
                credentials("Acme", "  ", "p"),
                Field::Username,
                "blank username",
            ),
            (
                credentials("Acme", "u", ""),
                Field::Password,
                "empty password",
            ),
        ];
        for (input, field, why) in cases {
            let problem = input.validate().expect_err(why);
            assert_eq!(problem.field, Some(field), "{why}");
            assert!(!problem.message.is_empty(), "{why}");
        }
    }

    #[test]
    fn api_field_names_map_to_inputs() {
        assert_eq!(Field::from_api("customerName"), Some(Field::CustomerName));
        assert_eq!(Field::from_api("password"), Some(Field::Password));
        assert_eq!(Field::from_api("level"), None);
    }
}
