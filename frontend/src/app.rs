//! The app's shell: the session and API client contexts, and the routes. Every route is a real address, so a
//! reload or a shared link (e.g. `/customers/<id>/branding`) opens the same view; the server
//! answers unknown paths with `index.html`.

use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes, A},
    path,
};

use crate::api::Api;
use crate::{
    pages::{
        console::{Console, Home},
        customers::{CustomerDetail, CustomersPage, NoSelection, Section},
        devices::DevicesPage,
        set_password::SetPasswordPage,
        sign_in::SignInPage,
    },
    session::Session,
    state::Tree,
};

/// The whole app, mounted to `<body>`.
#[component]
pub fn App() -> impl IntoView {
    let session = Session::restore();
    provide_context(session);
    let api = Api::new(session);
    provide_context(api);
    provide_context(Tree::new(api));
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/sign-in") view=SignInPage />
                <Route path=path!("/set-password") view=SetPasswordPage />
                <ParentRoute path=path!("") view=Console>
                    <Route path=path!("") view=Home />
                    <ParentRoute path=path!("/customers") view=CustomersPage>
                        <Route path=path!("") view=NoSelection />
                        <ParentRoute path=path!(":id") view=CustomerDetail>
                            <Route path=path!("") view=Section />
                            <Route path=path!(":section") view=Section />
                        </ParentRoute>
                    </ParentRoute>
                    <Route path=path!("/devices") view=DevicesPage />
                    <Route path=path!("/devices/:id") view=DevicesPage />
                </ParentRoute>
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
                <A href="/customers">"Go to the console"</A>
            </section>
        </main>
    }
}
