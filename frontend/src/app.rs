//! The app's shell: the session context and the routes.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes, A},
    path,
};

use crate::{
    pages::{console::ConsolePage, sign_in::SignInPage},
    session::Session,
};

/// The whole app, mounted to `<body>`.
#[component]
pub fn App() -> impl IntoView {
    provide_context(Session::restore());
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=ConsolePage />
                <Route path=path!("/sign-in") view=SignInPage />
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="centered">
            <section class="card narrow">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <A href="/">"Go to the console"</A>
            </section>
        </main>
    }
}
